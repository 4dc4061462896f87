"""Personal access tokens for the JSON API. A token is shown once; only its SHA-256 is kept. It
acts as its user within its one scope, `read:assessments` (assessments, their candidates, status,
stage and levels, as that user may see them on the pages), until revoked. Only staff have them."""

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Forbidden, InvalidInput, NotAuthenticated, NotFound
from app.models import ApiToken, Role, User

READ_ASSESSMENTS = "read:assessments"
PREFIX = "gic_"  # recognisable in a leaked-secret scan
MAX_TOKENS = 10  # per account


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(db: Session, user: User, name: str, now: datetime) -> tuple[ApiToken, str]:
    if user.role not in (Role.reviewer, Role.admin):
        raise Forbidden("Only reviewers and admins have API tokens.")
    label = " ".join(name.split())[:100]
    if not label:
        raise InvalidInput("Name the token after what will use it, for example ATS sync.")
    active = db.scalars(
        select(ApiToken.id).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    if len(active) >= MAX_TOKENS:
        raise InvalidInput(f"An account can have at most {MAX_TOKENS} tokens; revoke one first.")
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id, name=label, token_hash=_hash(token), scope=READ_ASSESSMENTS, created_at=now
    )
    db.add(row)
    db.flush()
    return row, token


def of_user(db: Session, user: User) -> list[ApiToken]:
    return list(db.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def revoke(db: Session, user: User, token_id: int, now: datetime) -> None:
    row = db.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound("There is no such token.")
    if row.revoked_at is None:
        row.revoked_at = now


def user_for(db: Session, authorization: str | None, scope: str) -> User:
    """The user a `Bearer` token acts as, if it is valid, unrevoked and has `scope`."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.startswith(PREFIX):
        raise NotAuthenticated("Send a personal access token: Authorization: Bearer gic_...")
    row = db.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token.strip())))
    user = db.get(User, row.user_id) if row is not None else None
    if row is None or row.revoked_at is not None or user is None or user.disabled_at is not None:
        raise NotAuthenticated("This token is not valid or was revoked.")
    if row.scope != scope or user.role not in (Role.reviewer, Role.admin):
        raise Forbidden("This token does not allow this.")
    return user
