"""All ORM models, one module per aggregate, imported here so metadata is complete."""

from app.models.account import LoginAttempt, Role, User, UserSession
from app.models.base import Base

__all__ = ["Base", "LoginAttempt", "Role", "User", "UserSession"]
