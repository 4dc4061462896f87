"""All ORM models, one module per aggregate, imported here so metadata is complete."""

from app.models.account import LoginAttempt, PasswordResetLink, Role, SignOutReason, User, UserSession
from app.models.base import Base
from app.models.interview import (
    AnswerMode,
    ConsentRecord,
    InterviewSession,
    SessionKind,
    SessionQuestion,
    Take,
    TakeState,
    UploadChunk,
)
from app.models.question import Competency, Question, QuestionStatus, QuestionVersion, VersionOrigin
from app.models.result import TakeScore, TakeTranscript, TakeVideoReport

__all__ = [
    "AnswerMode",
    "Base",
    "Competency",
    "ConsentRecord",
    "InterviewSession",
    "LoginAttempt",
    "PasswordResetLink",
    "Question",
    "QuestionStatus",
    "QuestionVersion",
    "Role",
    "SessionKind",
    "SessionQuestion",
    "SignOutReason",
    "Take",
    "TakeScore",
    "TakeState",
    "TakeTranscript",
    "TakeVideoReport",
    "UploadChunk",
    "User",
    "UserSession",
    "VersionOrigin",
]
