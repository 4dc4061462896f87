"""All ORM models, one module per aggregate, imported here so metadata is complete."""

from app.models.account import LoginAttempt, Role, User, UserSession
from app.models.base import Base
from app.models.question import Competency, Question, QuestionStatus, QuestionVersion, VersionOrigin

__all__ = [
    "Base",
    "Competency",
    "LoginAttempt",
    "Question",
    "QuestionStatus",
    "QuestionVersion",
    "Role",
    "User",
    "UserSession",
    "VersionOrigin",
]
