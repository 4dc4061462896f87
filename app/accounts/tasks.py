"""Housekeeping jobs for accounts."""

from datetime import timedelta

from huey import crontab
from sqlalchemy import delete

from app.accounts.service import SIGNUP_WINDOW
from app.config import get_settings
from app.db import get_sessionmaker
from app.jobs.queue import huey
from app.models import LoginAttempt, SignupRecord, UserSession
from app.models.base import utcnow


def purge_expired(now_minus_window: timedelta | None = None) -> tuple[int, int]:
    """Delete expired sessions, sign-in failures older than the throttle window and sign-up
    records older than the sign-up window (an hour)."""
    window = now_minus_window or timedelta(minutes=get_settings().login_window_minutes)
    with get_sessionmaker().begin() as session:
        sessions = session.execute(delete(UserSession).where(UserSession.expires_at <= utcnow()))
        attempts = session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at <= utcnow() - window))
        session.execute(delete(SignupRecord).where(SignupRecord.created_at <= utcnow() - SIGNUP_WINDOW))
        return sessions.rowcount, attempts.rowcount  # type: ignore[attr-defined]


@huey.periodic_task(crontab(minute="*/30"))
def purge_expired_job() -> None:
    purge_expired()
