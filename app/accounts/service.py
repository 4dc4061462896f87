"""Accounts: sign-up, passwords, server-side sessions, sign-in throttling, roles, disabled
accounts and one-time password-reset links."""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.config import Settings
from app.errors import Conflict, Forbidden, Gone, InvalidInput, NotFound, TooManyRequests
from app.models import LoginAttempt, PasswordResetLink, Role, SignOutReason, User, UserSession
from app.models.base import utcnow

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 200
RESET_LINK_HOURS = 24
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the email is unknown, so a miss costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def normalize_email(email: str) -> str:
    email = email.strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidInput("Enter a valid email address, like name@example.com.")
    return email


def check_password_rules(password: str) -> None:
    if len(password) < PASSWORD_MIN_LENGTH:
        raise InvalidInput(f"Use a password of at least {PASSWORD_MIN_LENGTH} characters.")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise InvalidInput(f"Use a password of at most {PASSWORD_MAX_LENGTH} characters.")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _password_matches(user: User | None, password: str) -> bool:
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return user is not None


class EmailTaken(Conflict):
    """Sign-up with an email that has an account; the web and the CLI each say what to do next."""


def create_user(
    session: Session, *, email: str, password: str, display_name: str, role: Role = Role.candidate
) -> User:
    email = normalize_email(email)
    display_name = display_name.strip()
    if not 1 <= len(display_name) <= 100:
        raise InvalidInput("Enter a name of 1 to 100 characters.")
    check_password_rules(password)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise EmailTaken("An account with this email already exists.")
    user = User(email=email, display_name=display_name, password_hash=hash_password(password), role=role)
    session.add(user)
    session.flush()
    return user


def get_user_by_email(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise NotFound(f"No user with the email {email!r}.")
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.created_at, User.id)))


# --- sessions -------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewSession:
    token: str
    expires_at: datetime


def start_session(session: Session, user: User, settings: Settings, user_agent: str = "") -> NewSession:
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(days=settings.session_days)
    session.add(
        UserSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            expires_at=expires_at,
            user_agent=user_agent[:300],
        )
    )
    session.flush()
    return NewSession(token, expires_at)


def _live_session(token: str) -> Any:
    return (
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == _token_hash(token), UserSession.expires_at > utcnow())
    )


def user_for_token(session: Session, token: str) -> User | None:
    """The signed-in user for a session cookie, or None if the session ended or expired or the
    account is disabled."""
    return session.scalar(
        _live_session(token).where(UserSession.ended_at.is_(None), User.disabled_at.is_(None))
    )


def signed_out_reason(session: Session, token: str) -> SignOutReason | None:
    """Why the app ended this cookie's session (a role change, a disabled account, a password
    reset), so the browser can be told; None for a session that simply ended or never was."""
    reason = session.scalar(
        select(UserSession.ended_reason).where(
            UserSession.token_hash == _token_hash(token), UserSession.expires_at > utcnow()
        )
    )
    if reason is None and session.scalar(_live_session(token).where(User.disabled_at.is_not(None))):
        return SignOutReason.disabled
    return SignOutReason(reason) if reason else None


def end_session(session: Session, token: str) -> None:
    session.execute(delete(UserSession).where(UserSession.token_hash == _token_hash(token)))


def end_all_sessions(session: Session, user_id: int, reason: SignOutReason) -> None:
    """End every live session of the user at once, keeping why, so each browser is told."""
    session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason=reason.value)
    )


# --- sign-in --------------------------------------------------------------------------------


def _recent_failures(
    session: Session, column: InstrumentedAttribute[str], value: str, since: datetime
) -> int:
    count = session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(column == value, LoginAttempt.attempted_at > since)
    )
    return count or 0


def _check_throttle(session: Session, email: str, address: str, settings: Settings) -> None:
    since = utcnow() - timedelta(minutes=settings.login_window_minutes)
    wait = f"Try again in {settings.login_window_minutes} minutes, or reset your password with an admin."
    if _recent_failures(session, LoginAttempt.email, email, since) >= settings.login_max_failures_per_account:
        raise TooManyRequests(f"Too many failed sign-in attempts for this account. {wait}")
    if (
        _recent_failures(session, LoginAttempt.address, address, since)
        >= settings.login_max_failures_per_address
    ):
        raise TooManyRequests(f"Too many failed sign-in attempts from your network address. {wait}")


def authenticate(session: Session, *, email: str, password: str, address: str, settings: Settings) -> User:
    """The user whose credentials these are. A failure is recorded before raising, so the caller
    must commit even when this raises (the sign-in route does)."""
    try:
        email = normalize_email(email)
    except InvalidInput:
        raise InvalidInput("Email or password is wrong.") from None
    _check_throttle(session, email, address, settings)
    user = session.scalar(select(User).where(User.email == email))
    if user is None or not _password_matches(user, password):
        session.add(LoginAttempt(email=email, address=address[:64]))
        session.flush()
        raise InvalidInput("Email or password is wrong.")
    if user.disabled_at is not None:
        # Said only to someone who knows the password, so it reveals nothing to a guesser.
        raise Forbidden("This account is disabled. Ask an admin to enable it again.")
    session.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def change_password(session: Session, user: User, *, current: str, new: str) -> None:
    """Set a new password and end every session of the user (the caller starts a fresh one)."""
    if not _password_matches(user, current):
        raise InvalidInput("Your current password is wrong.")
    check_password_rules(new)
    user.password_hash = hash_password(new)
    end_all_sessions(session, user.id, SignOutReason.password_changed)
    session.flush()


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def _keep_an_admin(session: Session, user: User) -> None:
    """Refuse to take away the last enabled admin, so nobody can lock the team out."""
    if user.role != Role.admin or user.disabled_at is not None:
        return
    admins = session.scalar(
        select(func.count()).select_from(User).where(User.role == Role.admin, User.disabled_at.is_(None))
    )
    if admins == 1:
        raise Forbidden("This is the only admin; make another user admin first.")


def set_role(session: Session, *, user_id: int, role: Role) -> User:
    """Change a user's role and end their sessions, so the new rights apply at once."""
    user = _user(session, user_id)
    if role != Role.admin:
        _keep_an_admin(session, user)
    if user.role != role:
        user.role = role
        end_all_sessions(session, user.id, SignOutReason.role_changed)
        session.flush()
    return user


def disable_user(session: Session, *, user_id: int, by: User | None, now: datetime) -> User:
    """The account can no longer sign in, and its sessions end at once. Its data stays.
    `by` is the admin doing it (None from the command line)."""
    user = _user(session, user_id)
    if by is not None and user.id == by.id:
        raise Forbidden("You cannot disable your own account.")
    _keep_an_admin(session, user)
    if user.disabled_at is None:
        user.disabled_at = now
        end_all_sessions(session, user.id, SignOutReason.disabled)
        session.flush()
    return user


def enable_user(session: Session, *, user_id: int) -> User:
    user = _user(session, user_id)
    user.disabled_at = None
    session.flush()
    return user


# --- password-reset links -------------------------------------------------------------------


def issue_reset_link(session: Session, *, user_id: int, by: User, now: datetime) -> str:
    """A new one-time token for the user (the caller makes the link); earlier unused links stop
    working, so only the latest one the admin handed out can be used."""
    user = _user(session, user_id)
    if user.disabled_at is not None:
        raise Conflict("This account is disabled; enable it before sending a password-reset link.")
    session.execute(
        delete(PasswordResetLink).where(
            PasswordResetLink.user_id == user.id, PasswordResetLink.used_at.is_(None)
        )
    )
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordResetLink(
            token_hash=_token_hash(token),
            user_id=user.id,
            created_by_id=by.id,
            created_at=now,
            expires_at=now + timedelta(hours=RESET_LINK_HOURS),
        )
    )
    session.flush()
    return token


def _usable_link(session: Session, token: str, now: datetime) -> tuple[PasswordResetLink, User]:
    link = session.scalar(select(PasswordResetLink).where(PasswordResetLink.token_hash == _token_hash(token)))
    if link is None or link.used_at is not None or link.expires_at <= now:
        raise Gone("This password-reset link has expired or was already used. Ask an admin for a new one.")
    user = _user(session, link.user_id)
    if user.disabled_at is not None:
        raise Gone("This account is disabled, so its password cannot be reset.")
    return link, user


def reset_link_user(session: Session, token: str, now: datetime) -> User:
    """The user a reset link is for, while the link is unused and unexpired."""
    return _usable_link(session, token, now)[1]


def reset_password(session: Session, token: str, new: str, now: datetime) -> User:
    """Set the password through a reset link: the link is used up, every session of the user
    ends, and past failed sign-ins no longer lock the account."""
    link, user = _usable_link(session, token, now)
    check_password_rules(new)
    # Conditional, so of two simultaneous uses of one link only one succeeds.
    claimed = session.execute(
        update(PasswordResetLink)
        .where(PasswordResetLink.id == link.id, PasswordResetLink.used_at.is_(None))
        .values(used_at=now)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        raise Gone("This password-reset link was already used. Ask an admin for a new one.")
    user.password_hash = hash_password(new)
    end_all_sessions(session, user.id, SignOutReason.password_reset)
    session.execute(delete(LoginAttempt).where(LoginAttempt.email == user.email))
    session.flush()
    return user
