"""The retention job: once an hour, assessments whose retention period has ended are purged; and
once a day, recordings left behind by an erasure whose file removal failed are swept."""

import logging

from huey import crontab

from app.db import READ_ONLY, get_sessionmaker
from app.jobs.queue import huey
from app.media.storage import get_storage
from app.models.base import utcnow
from app.privacy.erasure import sweep_orphaned_media
from app.privacy.retention import purge_due

log = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="7"))  # type: ignore[untyped-decorator]  # huey ships no types
def purge_expired_job() -> None:
    with get_sessionmaker().begin() as db:
        purge_due(db, get_storage(), utcnow())


@huey.periodic_task(crontab(hour="3", minute="17"))  # type: ignore[untyped-decorator]  # huey ships no types
def sweep_orphaned_media_job() -> None:
    with get_sessionmaker()(info={READ_ONLY: True}) as db:  # on SQLite: without the write lock
        removed = sweep_orphaned_media(db, get_storage())
    if removed:
        log.info("removed the recordings of %d erased take(s)", len(removed))
