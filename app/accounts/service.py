"""Accounts: sign-up, passwords, server-side sessions, sign-in throttling and roles."""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.config import Settings
from app.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests
from app.models import LoginAttempt, Role, User, UserSession
from app.models.base import utcnow

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 200
BACKOFF_SECONDS, MAX_BACKOFF_SECONDS = 15, 60  # 15 s, 30 s, then a minute per guess
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# argon2id with OWASP's recommended parameters (19 MiB, 2 passes, 1 lane): a fifth of the cost of
# the library's default (64 MiB, 3 passes, 4 lanes), which on 2 cores made a burst of sign-ups
# queue for a minute. Hashes with other parameters are upgraded at the next sign-in.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified against when the email is unknown, so a miss costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def normalize_email(email: str) -> str:
    email = email.strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidInput("Enter a valid email address, like name@example.com.")
    return email


# A short list of the passwords most often tried first; a long list is a dependency this does not need.
COMMON_PASSWORDS = frozenset(
    """password password1 password12 password123 password1234 passw0rd123 qwertyuiop 1234567890
    0123456789 1q2w3e4r5t qwerty1234 qwerty12345 iloveyou12 letmein123 welcome123 admin12345
    administrator abc1234567 football12 baseball12 sunshine12 princess12 monkey1234 dragon1234
    trustno1234 changeme123 gitopscoach interview1""".split()
)


def check_password_rules(password: str) -> None:
    if len(password) < PASSWORD_MIN_LENGTH:
        raise InvalidInput(f"Use a password of at least {PASSWORD_MIN_LENGTH} characters.")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise InvalidInput(f"Use a password of at most {PASSWORD_MAX_LENGTH} characters.")
    if not password.strip() or len(set(password)) == 1 or password.lower() in COMMON_PASSWORDS:
        raise InvalidInput("That password is too easy to guess; use a few unrelated words.")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class PasswordCheck:
    """A password verified before the sign-in transaction opens, since argon2 is slow on purpose
    and must not hold the database. An unknown email is verified against a dummy hash, so it
    costs as long as a wrong password."""

    password_hash: str | None  # what was verified against; None: no such account
    matches: bool


def stored_password_hash(session: Session, email: str) -> str | None:
    try:
        email = normalize_email(email)
    except InvalidInput:
        return None
    return session.scalar(select(User.password_hash).where(User.email == email))


def check_password(password_hash: str | None, password: str) -> PasswordCheck:
    matches = _verify(password_hash or _DUMMY_HASH, password)
    return PasswordCheck(password_hash, matches and password_hash is not None)


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    display_name: str,
    role: Role = Role.candidate,
    password_hash: str | None = None,
) -> User:
    """A new account. `password_hash` may be computed beforehand (outside the transaction).
    A taken email gets the same answer whether it was taken long ago or a moment ago by a
    parallel sign-up, and the message does not say which account exists."""
    email = normalize_email(email)
    display_name = display_name.strip()
    if not 1 <= len(display_name) <= 100:
        raise InvalidInput("Enter a name of 1 to 100 characters.")
    check_password_rules(password)
    taken = Conflict("We could not create an account with these details. If you have one, sign in.")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise taken
    user = User(
        email=email,
        display_name=display_name,
        password_hash=password_hash or hash_password(password),
        role=role,
    )
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError:
        raise taken from None
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


def _failures(
    session: Session, column: InstrumentedAttribute[str], value: str, since: datetime
) -> list[datetime]:
    query = select(LoginAttempt.attempted_at).where(column == value, LoginAttempt.attempted_at > since)
    return sorted(session.scalars(query))


def _check_throttle(session: Session, email: str, address: str, settings: Settings, now: datetime) -> None:
    """Per address: a hard limit in the window. Per account: a back-off that doubles with each
    failure past the limit, up to a minute, so guessing is slow but strangers cannot lock the
    owner out for long."""
    since = now - timedelta(minutes=settings.login_window_minutes)
    failures = _failures(session, LoginAttempt.email, email, since)
    excess = len(failures) - settings.login_max_failures_per_account
    if excess >= 0:
        wait = min(BACKOFF_SECONDS * 2**excess, MAX_BACKOFF_SECONDS)
        if now < failures[-1] + timedelta(seconds=wait):
            raise TooManyRequests(
                f"Too many failed sign-in attempts for this account. Try again in {wait} seconds."
            )
    if (
        len(_failures(session, LoginAttempt.address, address, since))
        >= settings.login_max_failures_per_address
    ):
        raise TooManyRequests(
            "Too many failed sign-in attempts from your network address. "
            f"Try again in {settings.login_window_minutes} minutes."
        )


def _lock_account(session: Session, email: str) -> User | None:
    """The account's row, locked until the transaction ends, so parallel attempts are counted
    one after another (PostgreSQL; SQLite serialises writers anyway)."""
    return session.scalar(select(User).where(User.email == email).with_for_update())


def _record_failure(session: Session, email: str, address: str, now: datetime) -> None:
    session.add(LoginAttempt(email=email, address=address[:64], attempted_at=now))
    session.flush()


def authenticate(
    session: Session,
    *,
    email: str,
    password: str,
    address: str,
    settings: Settings,
    checked: PasswordCheck | None = None,
    now: datetime | None = None,
) -> User:
    """The user whose credentials these are. A failure is recorded before raising, so the caller
    must commit even when this raises (the sign-in route does). `checked` carries a verification
    done before the transaction; it counts only if the account's hash is still the one checked."""
    now = now or utcnow()
    try:
        email = normalize_email(email)
    except InvalidInput:
        raise InvalidInput("Email or password is wrong.") from None
    user = _lock_account(session, email)
    _check_throttle(session, email, address, settings, now)
    stored = user.password_hash if user else None
    if checked is None or checked.password_hash != stored:
        checked = check_password(stored, password)
    if user is None or not checked.matches:
        _record_failure(session, email, address, now)
        raise InvalidInput("Email or password is wrong.")
    session.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def change_password(
    session: Session, user: User, *, current: str, new: str, address: str, settings: Settings
) -> None:
    """Set a new password and end every session of the user (the caller starts a fresh one).
    A wrong current password counts as a failed sign-in, so a stolen session is no password oracle."""
    now = utcnow()
    _lock_account(session, user.email)
    _check_throttle(session, user.email, address, settings, now)
    if not _verify(user.password_hash, current):
        _record_failure(session, user.email, address, now)
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
