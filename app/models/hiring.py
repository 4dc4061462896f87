"""Hiring: assessments with their pinned questions and reviewers, invitations, blind ratings
(revised only by appending, so what a reviewer rated before seeing others is never lost), each
candidate's stage history."""

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from app.models.base import Base, utcnow
from app.models.question import QuestionVersion


def _enum(kind: type[enum.StrEnum], name: str) -> Enum:
    """Stores the values ("in-review"), not the Python names ("in_review")."""
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [m.value for m in members],
    )


class Assessment(Base):
    """A fixed interview a reviewer runs for a role: its questions, timing and rules, and what
    happens to candidates' data. Times are stored in UTC with the IANA zone the deadline was
    set in, so pages show it as the owner meant it."""

    __tablename__ = "assessments"
    __table_args__ = (
        CheckConstraint("retakes_allowed BETWEEN 0 AND 5", name="retakes_allowed"),
        CheckConstraint("allow_video OR allow_audio OR allow_typed", name="one_answer_mode"),
        CheckConstraint("retention_days >= 1", name="retention_days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    role: Mapped[str] = mapped_column(String(100))  # the job, e.g. "Platform engineer"
    level: Mapped[str] = mapped_column(String(20))  # junior | mid | senior, as the bank's difficulty
    instructions: Mapped[str] = mapped_column(Text, default="")
    retakes_allowed: Mapped[int] = mapped_column(default=0)
    allow_video: Mapped[bool] = mapped_column(default=True)
    allow_audio: Mapped[bool] = mapped_column(default=False)
    allow_typed: Mapped[bool] = mapped_column(default=False)
    deadline_at: Mapped[datetime]
    deadline_zone: Mapped[str] = mapped_column(String(64))  # IANA name, e.g. "Europe/Berlin"
    ai_scoring: Mapped[bool] = mapped_column(default=True)
    feedback_after_close: Mapped[bool] = mapped_column(default=False)
    retention_days: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # a link anyone may use to join, up to `public_cap` candidates; only its SHA-256 is kept
    public_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    public_cap: Mapped[int] = mapped_column(default=0)
    # when its retention period ended and its candidates' data was deleted (aggregates are kept)
    purged_at: Mapped[datetime | None]

    questions: Mapped[list["AssessmentQuestion"]] = relationship(
        lazy="raise", order_by="AssessmentQuestion.position", cascade="all, delete-orphan"
    )
    members: Mapped[list["AssessmentMember"]] = relationship(lazy="raise", cascade="all, delete-orphan")


class AssessmentQuestion(Base):
    """One question of an assessment, pinned to a version, with its own preparation and answer times."""

    __tablename__ = "assessment_questions"
    __table_args__ = (
        UniqueConstraint("assessment_id", "position"),
        UniqueConstraint("assessment_id", "question_version_id"),
        CheckConstraint("prep_seconds >= 0", name="prep_seconds"),
        CheckConstraint("answer_seconds > 0", name="answer_seconds"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    prep_seconds: Mapped[int]
    answer_seconds: Mapped[int]

    question_version: Mapped[QuestionVersion] = relationship(lazy="raise")


class AssessmentMember(Base):
    """A reviewer the owner (or an admin) added: they see the assessment's candidates and rate them."""

    __tablename__ = "assessment_members"
    __table_args__ = (UniqueConstraint("assessment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class InvitationStatus(enum.StrEnum):
    invited = "invited"
    opened = "opened"  # the link was used to sign in; the invitation now belongs to that account
    started = "started"
    submitted = "submitted"
    expired = "expired"


class Invitation(Base):
    """One candidate's way into an assessment. Only the SHA-256 of the link's token is stored;
    the first account that uses the link owns it. `expires_at` starts at the assessment's
    deadline and moves when the candidate is given an extension."""

    __tablename__ = "invitations"
    __table_args__ = (
        UniqueConstraint("assessment_id", "email"),
        CheckConstraint("extra_time_percent BETWEEN 0 AND 200", name="extra_time_percent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(100))
    status: Mapped[InvitationStatus] = mapped_column(
        _enum(InvitationStatus, "invitation_status"), default=InvitationStatus.invited
    )
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    used_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    extra_time_percent: Mapped[int] = mapped_column(default=0)  # an accommodation: longer answer times
    declined_ai_scoring: Mapped[bool] = mapped_column(default=False)
    public: Mapped[bool] = mapped_column(default=False)  # joined through the public link
    consented_at: Mapped[datetime | None]  # the candidate agreed to this assessment's terms
    emailed_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]  # the reminder before the deadline was sent


class Recommendation(enum.StrEnum):
    strong_no = "strong-no"
    no = "no"
    yes = "yes"
    strong_yes = "strong-yes"


class CandidateReview(Base):
    """One reviewer's review of one candidate. Until `submitted_at` the reviewer sees no AI score
    and no other reviewer's ratings; afterwards their ratings change only by revision."""

    __tablename__ = "candidate_reviews"
    __table_args__ = (UniqueConstraint("invitation_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]


class Revised:
    """Append-only values: revision 0 is what the reviewer submitted blind; a change after the
    reveal adds the next revision with its reason and marks the one it replaces superseded."""

    revision: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    superseded_at: Mapped[datetime | None]

    @declared_attr
    def review_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("candidate_reviews.id", ondelete="CASCADE"), index=True)


class Rating(Revised, Base):
    """A reviewer's level (1-5, the competency's anchors) for one competency in one answer."""

    __tablename__ = "ratings"
    __table_args__ = (
        UniqueConstraint("review_id", "assessment_question_id", "competency_id", "revision"),
        CheckConstraint("level BETWEEN 1 AND 5", name="level"),
        CheckConstraint("revision = 0 OR reason IS NOT NULL", name="revision_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_question_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_questions.id", ondelete="CASCADE"), index=True
    )
    competency_id: Mapped[str] = mapped_column(ForeignKey("competencies.id"))
    level: Mapped[int]


class RecommendationRating(Revised, Base):
    """A reviewer's overall recommendation for a candidate."""

    __tablename__ = "recommendation_ratings"
    __table_args__ = (
        UniqueConstraint("review_id", "revision"),
        CheckConstraint("revision = 0 OR reason IS NOT NULL", name="revision_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation: Mapped[Recommendation] = mapped_column(_enum(Recommendation, "recommendation"))


class Stage(enum.StrEnum):
    new = "new"
    in_review = "in-review"
    advance = "advance"
    hold = "hold"
    decline = "decline"


class CandidateStage(Base):
    """One change of a candidate's stage. Rows are only added: the latest is the current stage
    (none means `new`), the rest is the history. Always set by a person, never by the AI."""

    __tablename__ = "candidate_stages"
    __table_args__ = (Index("ix_candidate_stages_invitation_at", "invitation_id", "set_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"))
    stage: Mapped[Stage] = mapped_column(_enum(Stage, "stage"))
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    set_at: Mapped[datetime] = mapped_column(default=utcnow)


class RetainedAgreement(Base):
    """What survives an assessment's retention period: one answer's levels for one competency,
    the AI's and people's blind ones, with no candidate, reviewer or answer behind them. The
    agreement figures and the bank's disagreement view keep counting them."""

    __tablename__ = "retained_agreement"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id", ondelete="CASCADE"))
    competency_id: Mapped[str] = mapped_column(String(60))
    ai_level: Mapped[int | None]
    human_levels: Mapped[list[int]] = mapped_column(JSON)


class Webhook(Base):
    """An address told about an assessment's events (submitted, rated, stage changed), each
    request signed with HMAC-SHA256 under the secret shown once when it was added."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(64))  # the receiver needs it as it is: it signs
    events: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(Base):
    """One event to one webhook, with what the receiver answered at the last attempt."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"), index=True)
    # the candidate it is about: erasing them erases the deliveries that name them
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)  # exactly the bytes sent and signed
    result: Mapped[str] = mapped_column(String(20), default="pending")  # pending, delivered, failed
    attempts: Mapped[int] = mapped_column(default=0)
    response_status: Mapped[int | None]
    response_body: Mapped[str] = mapped_column(String(500), default="")
    error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[datetime | None]


class ShareLink(Base):
    """One candidate's packet shared read-only with someone without an account: which questions,
    whether the name is masked, until when. Only the link's SHA-256 is kept."""

    __tablename__ = "share_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    question_ids: Mapped[list[int]] = mapped_column(JSON)  # assessment question ids shown
    mask_name: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
