"""The retention job: once an hour, assessments whose retention period has ended are purged."""

from huey import crontab

from app.db import get_sessionmaker
from app.jobs.queue import huey
from app.media.storage import get_storage
from app.models.base import utcnow
from app.privacy.retention import purge_due


@huey.periodic_task(crontab(minute="7"))  # type: ignore[untyped-decorator]  # huey ships no types
def purge_expired_job() -> None:
    with get_sessionmaker().begin() as db:
        purge_due(db, get_storage(), utcnow())
