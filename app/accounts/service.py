"""Accounts: sign-up (limited per client address), passwords, server-side sessions, sign-in
throttling and roles."""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.config import Settings
from app.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests
from app.models import LoginAttempt, Role, SignupRecord, User, UserSession
from app.models.base import utcnow

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 200
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the email is unknown, so a miss costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
SIGNUP_WINDOW = timedelta(hours=1)


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


def create_user(
    session: Session, *, email: str, password: str, display_name: str, role: Role = Role.candidate
) -> User:
    email = normalize_email(email)
    display_name = display_name.strip()
    if not 1 <= len(display_name) <= 100:
        raise InvalidInput("Enter a name of 1 to 100 characters.")
    check_password_rules(password)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict("An account with this email already exists. Sign in instead.")
    user = User(email=email, display_name=display_name, password_hash=hash_password(password), role=role)
    session.add(user)
    session.flush()
    return user


def sign_up(
    session: Session, *, email: str, password: str, display_name: str, address: str, settings: Settings
) -> User:
    """A new candidate account, unless this client address has made too many in the last hour."""
    since = utcnow() - SIGNUP_WINDOW
    recent = session.scalar(
        select(func.count())
        .select_from(SignupRecord)
        .where(SignupRecord.address == address[:64], SignupRecord.created_at > since)
    )
    if (recent or 0) >= settings.signups_per_address_per_hour:
        raise TooManyRequests(
            "Too many accounts were created from your network address in the last hour. "
            "Try again in an hour, or sign in to an account you already have."
        )
    user = create_user(session, email=email, password=password, display_name=display_name)
    session.add(SignupRecord(address=address[:64]))
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


def user_for_token(session: Session, token: str) -> User | None:
    """The signed-in user for a session cookie, or None if the session ended or expired."""
    return session.scalar(
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == _token_hash(token), UserSession.expires_at > utcnow())
    )


def end_session(session: Session, token: str) -> None:
    session.execute(delete(UserSession).where(UserSession.token_hash == _token_hash(token)))


def end_all_sessions(session: Session, user_id: int) -> None:
    session.execute(delete(UserSession).where(UserSession.user_id == user_id))


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
    end_all_sessions(session, user.id)
    session.flush()


def set_role(session: Session, *, user_id: int, role: Role) -> User:
    """Change a user's role and end their sessions, so the new rights apply at once.
    The last admin cannot be demoted, so nobody can lock the team out of the admin page."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    if user.role == Role.admin and role != Role.admin:
        admins = session.scalar(select(func.count()).select_from(User).where(User.role == Role.admin))
        if admins == 1:
            raise Forbidden("This is the only admin; make another user admin first.")
    if user.role != role:
        user.role = role
        end_all_sessions(session, user.id)
        session.flush()
    return user
