"""The job transport: SqliteHuey under var/ by default, RedisHuey when COACH_REDIS_URL is set.
The database stays the source of truth; a message only says which record to work on.

Jobs are registered and enqueued by name, so a domain can ask for work without importing the
code that does it (interviews enqueue "process_take"; only the pipeline knows what that is), and
only once the transaction that asked for it commits (`enqueue_after_commit`)."""

import uuid
from collections.abc import Callable
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey
from sqlalchemy.orm import Session

from app.config import Settings, get_settings
from app.db import after_commit
from app.logs import REQUEST_ID


def build_huey(settings: Settings) -> Huey:
    if settings.redis_url:
        return RedisHuey("gitops-coach", url=settings.redis_url)
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("gitops-coach", filename=str((settings.var_dir / "jobs.db").resolve()))


huey = build_huey(get_settings())
_jobs: dict[str, Any] = {}
_REQUEST_SEPARATOR = "/"  # never in a request id, so a job's id says which request sent it


def _job_id() -> str | None:
    """`<request id>/<random>` for a job a request sends, so the job's log lines carry the
    request's id; Huey's own random id otherwise (the reconciler, scheduled work)."""
    request_id = REQUEST_ID.get()
    return f"{request_id}{_REQUEST_SEPARATOR}{uuid.uuid4().hex}" if request_id else None


def _log_with_the_request_id(task: Any) -> None:
    sent_by, separator, _ = str(task.id).rpartition(_REQUEST_SEPARATOR)
    task.request_id_token = REQUEST_ID.set(sent_by if separator else None)


def _forget_the_request_id(task: Any, value: Any, error: Exception | None) -> None:  # noqa: ARG001 Huey's signature
    """What the thread had before: nothing in a consumer; the request's own in immediate mode."""
    REQUEST_ID.reset(task.request_id_token)


huey.pre_execute()(_log_with_the_request_id)
huey.post_execute()(_forget_the_request_id)


def job(name: str, **options: Any) -> Callable[[Callable[..., Any]], Any]:
    """Register a function as the Huey task called `name`."""

    def register(function: Callable[..., Any]) -> Any:
        task = huey.task(name=name, **options)(function)
        _jobs[name] = task
        return task

    return register


def enqueue(name: str, *args: Any) -> None:
    """Send the job called `name`; the process registered every job at start-up by importing
    `app.jobs.registry` (`create_app` and the CLI do), so this module imports no domain."""
    if name not in _jobs:
        raise LookupError(f"no job is registered as {name!r}: import app.jobs.registry first")
    _jobs[name](*args, id=_job_id())


def enqueue_later(name: str, delay_seconds: float, *args: Any) -> None:
    """Send the job called `name` to run in `delay_seconds` (a retry with back-off)."""
    if name not in _jobs:
        raise LookupError(f"no job is registered as {name!r}: import app.jobs.registry first")
    _jobs[name].schedule(args=args, delay=delay_seconds, id=_job_id())


def enqueue_after_commit(db: Session, name: str, *args: Any) -> None:
    """Enqueue the job once `db`'s transaction commits; nothing is sent if it rolls back."""
    after_commit(db, lambda: enqueue(name, *args))
