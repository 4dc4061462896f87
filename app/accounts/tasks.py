"""Housekeeping jobs for accounts."""

from datetime import timedelta

from huey import crontab
from sqlalchemy import delete

from app.config import get_settings
from app.db import get_sessionmaker
from app.jobs.queue import huey
from app.models import LoginAttempt, PasswordResetLink, UserSession
from app.models.base import utcnow


def purge_expired(now_minus_window: timedelta | None = None) -> tuple[int, int, int]:
    """Delete expired sessions (ended ones included), sign-in failures older than the throttle
    window, and expired password-reset links."""
    window = now_minus_window or timedelta(minutes=get_settings().login_window_minutes)
    with get_sessionmaker().begin() as session:
        sessions = session.execute(delete(UserSession).where(UserSession.expires_at <= utcnow()))
        attempts = session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at <= utcnow() - window))
        links = session.execute(delete(PasswordResetLink).where(PasswordResetLink.expires_at <= utcnow()))
        return sessions.rowcount, attempts.rowcount, links.rowcount  # type: ignore[attr-defined]


@huey.periodic_task(crontab(minute="*/30"))
def purge_expired_job() -> None:
    purge_expired()
