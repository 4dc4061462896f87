"""Readiness: can this process do its work now? The database answers, the queue answers, and a
recording could be stored. Liveness (`/healthz`) only asks whether the process serves at all."""

import logging
from collections.abc import Callable

from sqlalchemy import text

from app.db import READ_ONLY, get_sessionmaker
from app.jobs.queue import huey
from app.media.storage import get_storage

log = logging.getLogger(__name__)


def _database() -> None:
    with get_sessionmaker()(info={READ_ONLY: True}) as db:  # on SQLite: without the write lock
        db.execute(text("SELECT 1"))


def _queue() -> None:
    huey.pending_count()  # Redis: a round trip; SQLite: the queue's file opens and answers


CHECKS: dict[str, Callable[[], None]] = {
    "database": _database,
    "queue": _queue,
    "storage": lambda: get_storage().check(),
}


def readiness() -> dict[str, str]:
    """Each check's outcome, "ok" or "failed"; why one failed goes to the log, not the caller."""
    outcome = {}
    for name, check in CHECKS.items():
        try:
            check()
            outcome[name] = "ok"
        except Exception:
            log.warning("readiness check %s failed", name, exc_info=True)
            outcome[name] = "failed"
    return outcome
