"""Housekeeping jobs for interviews: the hourly clean-up of takes that were never finished."""

import logging

from huey import crontab

from app.config import get_settings
from app.db import get_sessionmaker
from app.interviews.takes import abandon_stale_takes
from app.jobs.queue import huey
from app.media.storage import get_storage
from app.models.base import utcnow

log = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="7"))  # type: ignore[untyped-decorator]  # huey ships no types
def abandon_stale_takes_job() -> None:
    with get_sessionmaker().begin() as db:
        abandoned = abandon_stale_takes(db, get_storage(), get_settings().abandoned_take_hours, utcnow())
    if abandoned:
        log.info("cleaned up unfinished takes %s", abandoned)
