"""Users, their server-side sessions, one-time password-reset links and the records of sign-in
attempts and sign-ups."""

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, utcnow


class Role(enum.StrEnum):
    candidate = "candidate"
    reviewer = "reviewer"
    editor = "editor"
    admin = "admin"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="role", native_enum=False, create_constraint=True, length=20)
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    disabled_at: Mapped[datetime | None]  # set by an admin: the account cannot sign in

    sessions: Mapped[list["UserSession"]] = relationship(
        back_populates="user", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )


class SignOutReason(enum.StrEnum):
    """Why the app, not the user, ended a session: the sign-in page tells the user."""

    role_changed = "role-changed"
    disabled = "disabled"
    password_reset = "password-reset"  # noqa: S105 - a reason, not a password
    password_changed = "password-changed"  # noqa: S105 - a reason, not a password


class UserSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored,
    so a leaked database cannot be replayed as sessions. A session the app ended (a role
    change, a disabled account, a password reset) is kept, ended, until it expires, so the
    browser holding it can be told why it was signed out."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    ended_at: Mapped[datetime | None]
    ended_reason: Mapped[str | None] = mapped_column(String(20))  # a SignOutReason value

    user: Mapped[User] = relationship(back_populates="sessions", lazy="raise")


class LoginAttempt(Base):
    """Failed sign-ins, counted per account and per address to slow password guessing."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "attempted_at"),
        Index("ix_login_attempts_address_at", "address", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)


class PasswordResetLink(Base):
    """A one-time link an admin issued so a user can set a new password. Only the token's
    SHA-256 is stored; the link works once, until `expires_at`."""

    __tablename__ = "password_reset_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class SignupRecord(Base):
    """The client address of a recent sign-up, to limit sign-ups per address; purged after an hour."""

    __tablename__ = "signup_records"
    __table_args__ = (Index("ix_signup_records_address_at", "address", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiToken(Base):
    """A personal access token for the JSON API: only its SHA-256 is kept; it acts as its user,
    within its scope, until revoked (or the account is disabled or erased)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(40))  # "read:assessments": list assessments, candidates, levels
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
