"""All ORM models, one module per aggregate, imported here so metadata is complete."""

from app.models.account import (
    LoginAttempt,
    PasswordResetLink,
    Role,
    SignOutReason,
    SignupRecord,
    User,
    UserSession,
)
from app.models.audit import AuditEvent, AuditHead
from app.models.base import Base
from app.models.hiring import (
    Assessment,
    AssessmentMember,
    AssessmentQuestion,
    CandidateReview,
    CandidateStage,
    Invitation,
    InvitationStatus,
    Rating,
    Recommendation,
    RecommendationRating,
    Stage,
)
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
    "Assessment",
    "AssessmentMember",
    "AssessmentQuestion",
    "AuditEvent",
    "AuditHead",
    "Base",
    "CandidateReview",
    "CandidateStage",
    "Competency",
    "ConsentRecord",
    "InterviewSession",
    "Invitation",
    "InvitationStatus",
    "LoginAttempt",
    "PasswordResetLink",
    "Question",
    "QuestionStatus",
    "QuestionVersion",
    "Rating",
    "Recommendation",
    "RecommendationRating",
    "Role",
    "SessionKind",
    "SessionQuestion",
    "SignOutReason",
    "SignupRecord",
    "Stage",
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
