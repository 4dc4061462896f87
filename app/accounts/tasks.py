"""Housekeeping jobs for accounts."""

from datetime import timedelta

from huey import crontab
from sqlalchemy import delete

from app.accounts.service import SIGNUP_WINDOW
from app.config import get_settings
from app.db import get_sessionmaker
from app.jobs.queue import huey
from app.models import LoginAttempt, PasswordResetLink, SignupRecord, UserSession
from app.models.base import utcnow


def purge_expired(now_minus_window: timedelta | None = None) -> tuple[int, int, int]:
    """Delete expired sessions (ended ones included), sign-in failures older than the throttle
    window, expired password-reset links, and sign-up records older than the sign-up window
    (an hour)."""
    window = now_minus_window or timedelta(minutes=get_settings().login_window_minutes)
    with get_sessionmaker().begin() as db:
        sessions = db.execute(delete(UserSession).where(UserSession.expires_at <= utcnow()))
        attempts = db.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at <= utcnow() - window))
        links = db.execute(delete(PasswordResetLink).where(PasswordResetLink.expires_at <= utcnow()))
        db.execute(delete(SignupRecord).where(SignupRecord.created_at <= utcnow() - SIGNUP_WINDOW))
        return sessions.rowcount, attempts.rowcount, links.rowcount  # type: ignore[attr-defined]


@huey.periodic_task(crontab(minute="*/30"))  # type: ignore[untyped-decorator]  # huey ships no types
def purge_expired_job() -> None:
    purge_expired()
