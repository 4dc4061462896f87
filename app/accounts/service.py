"""Accounts: sign-up (limited per client address), passwords, server-side sessions, sign-in
throttling, roles, disabled accounts and one-time password-reset links."""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, bindparam, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.audit import log as audit
from app.config import Settings
from app.errors import Conflict, Forbidden, Gone, InvalidInput, NotFound, TooManyRequests
from app.models import LoginAttempt, PasswordResetLink, Role, SignOutReason, SignupRecord, User, UserSession
from app.models.base import utcnow

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 200
BACKOFF_SECONDS, MAX_BACKOFF_SECONDS = 15, 60  # 15 s, 30 s, then a minute per guess
RESET_LINK_HOURS = 24
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# argon2id with OWASP's recommended parameters (19 MiB, 2 passes, 1 lane): a fifth of the cost of
# the library's default (64 MiB, 3 passes, 4 lanes), which on 2 cores made a burst of sign-ups
# queue for a minute. Hashes with other parameters are upgraded at the next sign-in.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified against when the email is unknown, so a miss costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
SIGNUP_WINDOW = timedelta(hours=1)


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


def stored_password_hash(db: Session, email: str) -> str | None:
    try:
        email = normalize_email(email)
    except InvalidInput:
        return None
    return db.scalar(select(User.password_hash).where(User.email == email))


def check_password(password_hash: str | None, password: str) -> PasswordCheck:
    matches = _verify(password_hash or _DUMMY_HASH, password)
    return PasswordCheck(password_hash, matches and password_hash is not None)


class EmailTaken(Conflict):
    """Sign-up with an email that has an account; the web and the CLI each say what to do next."""


def create_user(
    db: Session,
    *,
    email: str,
    password: str,
    display_name: str,
    role: Role = Role.candidate,
    password_hash: str | None = None,
) -> User:
    """A new account. `password_hash` may be computed beforehand (outside the transaction).
    A taken email is EmailTaken whether it was taken long ago or a moment ago by a parallel
    sign-up (the sign-up page words it so it does not say the account exists)."""
    email = normalize_email(email)
    display_name = display_name.strip()
    if not 1 <= len(display_name) <= 100:
        raise InvalidInput("Enter a name of 1 to 100 characters.")
    check_password_rules(password)
    if db.scalar(select(User.id).where(User.email == email)) is not None:
        raise EmailTaken("An account with this email already exists.")
    user = User(
        email=email,
        display_name=display_name,
        password_hash=password_hash or hash_password(password),
        role=role,
    )
    try:
        with db.begin_nested():
            db.add(user)
    except IntegrityError:
        raise EmailTaken("An account with this email already exists.") from None
    return user


def sign_up(
    db: Session,
    *,
    email: str,
    password: str,
    display_name: str,
    address: str,
    settings: Settings,
    password_hash: str | None = None,
) -> User:
    """A new candidate account, unless this client address has made too many in the last hour."""
    since = utcnow() - SIGNUP_WINDOW
    recent = db.scalar(
        select(func.count())
        .select_from(SignupRecord)
        .where(SignupRecord.address == address[:64], SignupRecord.created_at > since)
    )
    if (recent or 0) >= settings.signups_per_address_per_hour:
        raise TooManyRequests(
            "Too many accounts were created from your network address in the last hour. "
            "Try again in an hour, or sign in to an account you already have."
        )
    user = create_user(
        db, email=email, password=password, display_name=display_name, password_hash=password_hash
    )
    db.add(SignupRecord(address=address[:64]))
    db.flush()
    return user


def get_user_by_email(db: Session, email: str) -> User:
    user = db.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise NotFound(f"No user with the email {email!r}.")
    return user


def list_users(db: Session) -> list[User]:
    return list(db.scalars(select(User).order_by(User.created_at, User.id)))


# --- sessions -------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewSession:
    token: str
    expires_at: datetime


def start_session(db: Session, user: User, settings: Settings, user_agent: str = "") -> NewSession:
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(days=settings.session_days)
    db.add(
        UserSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            expires_at=expires_at,
            user_agent=user_agent[:300],
        )
    )
    db.flush()
    return NewSession(token, expires_at)


def _live_session() -> Select[User]:
    """The user of an unexpired session; the token's hash and the time are bound at execution."""
    return (
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == bindparam("token_hash"), UserSession.expires_at > bindparam("now"))
    )


# Built once: every authenticated request runs it, and building a statement costs more than
# running it on SQLite.
_SIGNED_IN_USER = _live_session().where(UserSession.ended_at.is_(None), User.disabled_at.is_(None))
_DISABLED_USER = _live_session().where(User.disabled_at.is_not(None))
_ENDED_REASON = select(UserSession.ended_reason).where(
    UserSession.token_hash == bindparam("token_hash"), UserSession.expires_at > bindparam("now")
)


def _session_params(token: str) -> dict[str, Any]:
    return {"token_hash": _token_hash(token), "now": utcnow()}


def user_for_token(db: Session, token: str) -> User | None:
    """The signed-in user for a session cookie, or None if the session ended or expired or the
    account is disabled."""
    return db.scalar(_SIGNED_IN_USER, _session_params(token))


def signed_out_reason(db: Session, token: str) -> SignOutReason | None:
    """Why the app ended this cookie's session (a role change, a disabled account, a password
    reset), so the browser can be told; None for a session that simply ended or never was."""
    params = _session_params(token)
    reason = db.scalar(_ENDED_REASON, params)
    if reason is None and db.scalar(_DISABLED_USER, params):
        return SignOutReason.disabled
    return SignOutReason(reason) if reason else None


def end_session(db: Session, token: str) -> None:
    db.execute(delete(UserSession).where(UserSession.token_hash == _token_hash(token)))


def end_all_sessions(db: Session, user_id: int, reason: SignOutReason) -> None:
    """End every live session of the user at once, keeping why, so each browser is told."""
    db.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason=reason.value)
    )


# --- sign-in --------------------------------------------------------------------------------


def _failures(db: Session, column: InstrumentedAttribute[str], value: str, since: datetime) -> list[datetime]:
    query = select(LoginAttempt.attempted_at).where(column == value, LoginAttempt.attempted_at > since)
    return sorted(db.scalars(query))


def _check_throttle(db: Session, email: str, address: str, settings: Settings, now: datetime) -> None:
    """Per address: a hard limit in the window. Per account: a back-off that doubles with each
    failure past the limit, up to a minute, so guessing is slow but strangers cannot lock the
    owner out for long."""
    since = now - timedelta(minutes=settings.login_window_minutes)
    failures = _failures(db, LoginAttempt.email, email, since)
    excess = len(failures) - settings.login_max_failures_per_account
    if excess >= 0:
        wait = min(BACKOFF_SECONDS * 2**excess, MAX_BACKOFF_SECONDS)
        if now < failures[-1] + timedelta(seconds=wait):
            raise TooManyRequests(
                f"Too many failed sign-in attempts for this account. Try again in {wait} seconds."
            )
    if len(_failures(db, LoginAttempt.address, address, since)) >= settings.login_max_failures_per_address:
        raise TooManyRequests(
            "Too many failed sign-in attempts from your network address. "
            f"Try again in {settings.login_window_minutes} minutes."
        )


def _lock_account(db: Session, email: str) -> User | None:
    """The account's row, locked until the transaction ends, so parallel attempts are counted
    one after another (PostgreSQL; SQLite serialises writers anyway)."""
    return db.scalar(select(User).where(User.email == email).with_for_update())


def _record_failure(db: Session, email: str, address: str, now: datetime) -> None:
    db.add(LoginAttempt(email=email, address=address[:64], attempted_at=now))
    db.flush()


def authenticate(
    db: Session,
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
    user = _lock_account(db, email)
    _check_throttle(db, email, address, settings, now)
    stored = user.password_hash if user else None
    if checked is None or checked.password_hash != stored:
        checked = check_password(stored, password)
    if user is None or not checked.matches:
        _record_failure(db, email, address, now)
        raise InvalidInput("Email or password is wrong.")
    if user.disabled_at is not None:
        # Said only to someone who knows the password, so it reveals nothing to a guesser.
        raise Forbidden("This account is disabled. Ask an admin to enable it again.")
    db.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def change_password(
    db: Session, user: User, *, current: str, new: str, address: str, settings: Settings
) -> None:
    """Set a new password and end every session of the user (the caller starts a fresh one).
    A wrong current password counts as a failed sign-in, so a stolen session is no password oracle."""
    now = utcnow()
    _lock_account(db, user.email)
    _check_throttle(db, user.email, address, settings, now)
    if not _verify(user.password_hash, current):
        _record_failure(db, user.email, address, now)
        raise InvalidInput("Your current password is wrong.")
    check_password_rules(new)
    user.password_hash = hash_password(new)
    end_all_sessions(db, user.id, SignOutReason.password_changed)
    db.flush()


def _user(db: Session, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def keep_an_admin(db: Session, user: User) -> None:
    """Refuse to take away the last enabled admin, so nobody can lock the team out."""
    if user.role != Role.admin or user.disabled_at is not None:
        return
    admins = db.scalar(
        select(func.count()).select_from(User).where(User.role == Role.admin, User.disabled_at.is_(None))
    )
    if admins == 1:
        raise Forbidden("This is the only admin; make another user admin first.")


def _audit(db: Session, by: User | None, action: str, user: User, now: datetime, detail: str = "") -> None:
    """An admin's (or, with None, the shell's) change to an account, in the audit record."""
    actor = audit.Actor(by.id, by.role.value) if by is not None else audit.Actor(None, audit.SHELL)
    audit.append(db, actor, action, ("user", user.id), now, subject_id=user.id, detail=detail)


def set_role(db: Session, *, user_id: int, role: Role, by: User | None, now: datetime) -> User:
    """Change a user's role and end their sessions, so the new rights apply at once.
    `by` is the admin doing it (None from the command line)."""
    user = _user(db, user_id)
    if role != Role.admin:
        keep_an_admin(db, user)
    if user.role != role:
        _audit(db, by, "user.set-role", user, now, f"{user.role.value} -> {role.value}")
        user.role = role
        end_all_sessions(db, user.id, SignOutReason.role_changed)
        db.flush()
    return user


def disable_user(db: Session, *, user_id: int, by: User | None, now: datetime) -> User:
    """The account can no longer sign in, and its sessions end at once. Its data stays.
    `by` is the admin doing it (None from the command line)."""
    user = _user(db, user_id)
    if by is not None and user.id == by.id:
        raise Forbidden("You cannot disable your own account.")
    keep_an_admin(db, user)
    if user.disabled_at is None:
        _audit(db, by, "user.disable", user, now)
        user.disabled_at = now
        end_all_sessions(db, user.id, SignOutReason.disabled)
        db.flush()
    return user


def enable_user(db: Session, *, user_id: int, by: User | None, now: datetime) -> User:
    user = _user(db, user_id)
    if user.disabled_at is not None:
        _audit(db, by, "user.enable", user, now)
    user.disabled_at = None
    db.flush()
    return user


# --- password-reset links -------------------------------------------------------------------


def issue_reset_link(db: Session, *, user_id: int, by: User, now: datetime) -> str:
    """A new one-time token for the user (the caller makes the link); earlier unused links stop
    working, so only the latest one the admin handed out can be used."""
    user = _user(db, user_id)
    if user.disabled_at is not None:
        raise Conflict("This account is disabled; enable it before sending a password-reset link.")
    db.execute(
        delete(PasswordResetLink).where(
            PasswordResetLink.user_id == user.id, PasswordResetLink.used_at.is_(None)
        )
    )
    token = secrets.token_urlsafe(32)
    _audit(db, by, "user.reset-link", user, now)
    db.add(
        PasswordResetLink(
            token_hash=_token_hash(token),
            user_id=user.id,
            created_by_id=by.id,
            created_at=now,
            expires_at=now + timedelta(hours=RESET_LINK_HOURS),
        )
    )
    db.flush()
    return token


def _usable_link(db: Session, token: str, now: datetime) -> tuple[PasswordResetLink, User]:
    link = db.scalar(select(PasswordResetLink).where(PasswordResetLink.token_hash == _token_hash(token)))
    if link is None or link.used_at is not None or link.expires_at <= now:
        raise Gone("This password-reset link has expired or was already used. Ask an admin for a new one.")
    user = _user(db, link.user_id)
    if user.disabled_at is not None:
        raise Gone("This account is disabled, so its password cannot be reset.")
    return link, user


def reset_link_user(db: Session, token: str, now: datetime) -> User:
    """The user a reset link is for, while the link is unused and unexpired."""
    return _usable_link(db, token, now)[1]


def reset_password(db: Session, token: str, new: str, now: datetime) -> User:
    """Set the password through a reset link: the link is used up, every session of the user
    ends, and past failed sign-ins no longer lock the account."""
    link, user = _usable_link(db, token, now)
    check_password_rules(new)
    # Conditional, so of two simultaneous uses of one link only one succeeds.
    claimed = db.execute(
        update(PasswordResetLink)
        .where(PasswordResetLink.id == link.id, PasswordResetLink.used_at.is_(None))
        .values(used_at=now)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        raise Gone("This password-reset link was already used. Ask an admin for a new one.")
    user.password_hash = hash_password(new)
    end_all_sessions(db, user.id, SignOutReason.password_reset)
    db.execute(delete(LoginAttempt).where(LoginAttempt.email == user.email))
    db.flush()
    return user
