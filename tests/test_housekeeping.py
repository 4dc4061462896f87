from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.tasks import purge_expired
from app.models import LoginAttempt, UserSession
from app.models.base import utcnow
from tests.factories import create_user


def test_purge_removes_expired_sessions_and_old_failures_only(db: Session) -> None:
    user = create_user(db)
    now = utcnow()
    db.add_all(
        [
            UserSession(token_hash="a" * 64, user_id=user.id, expires_at=now - timedelta(minutes=1)),
            UserSession(token_hash="b" * 64, user_id=user.id, expires_at=now + timedelta(days=1)),
            LoginAttempt(email=user.email, address="192.0.2.1", attempted_at=now - timedelta(days=1)),
            LoginAttempt(email=user.email, address="192.0.2.1", attempted_at=now),
        ]
    )
    db.commit()
    assert purge_expired() == (1, 1)
    assert [s.token_hash for s in db.scalars(select(UserSession))] == ["b" * 64]
    assert len(db.scalars(select(LoginAttempt)).all()) == 1
