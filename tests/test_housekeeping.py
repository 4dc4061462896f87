from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.tasks import purge_expired
from app.models import LoginAttempt, PasswordResetLink, UserSession
from app.models.base import utcnow
from tests.factories import create_user


def test_purge_removes_expired_sessions_old_failures_and_expired_reset_links_only(db: Session) -> None:
    user = create_user(db)
    now = utcnow()
    db.add_all(
        [
            UserSession(token_hash="a" * 64, user_id=user.id, expires_at=now - timedelta(minutes=1)),
            UserSession(token_hash="b" * 64, user_id=user.id, expires_at=now + timedelta(days=1)),
            LoginAttempt(email=user.email, address="192.0.2.1", attempted_at=now - timedelta(days=1)),
            LoginAttempt(email=user.email, address="192.0.2.1", attempted_at=now),
            PasswordResetLink(token_hash="c" * 64, user_id=user.id, expires_at=now - timedelta(minutes=1)),
            PasswordResetLink(token_hash="d" * 64, user_id=user.id, expires_at=now + timedelta(hours=1)),
        ]
    )
    db.commit()
    assert purge_expired() == (1, 1, 1)
    assert [s.token_hash for s in db.scalars(select(UserSession))] == ["b" * 64]
    assert len(db.scalars(select(LoginAttempt)).all()) == 1
    assert [link.token_hash for link in db.scalars(select(PasswordResetLink))] == ["d" * 64]
