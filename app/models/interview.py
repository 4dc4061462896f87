"""Interview sessions: the questions asked (at their exact versions), each take, its upload
chunks, and the candidate's consent."""

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, utcnow
from app.models.question import QuestionVersion


class SessionKind(enum.StrEnum):
    practice = "practice"  # chosen by category, difficulty and count
    single = "single"  # one chosen question
    mock = "mock"  # five questions across categories


class AnswerMode(enum.StrEnum):
    video = "video"
    audio = "audio"
    typed = "typed"


class TakeState(enum.StrEnum):
    """Where a take is: recording on the client, then the server-side pipeline. `expired` is a
    take whose answer time ran out with nothing saved; it counts as a take used. The groupings
    below are the one vocabulary for states; `app.interviews.lifecycle` owns every change."""

    preparing = "preparing"
    recording = "recording"
    expired = "expired"
    uploaded = "uploaded"
    transcribed = "transcribed"
    analysed = "analysed"
    scored = "scored"
    failed = "failed"

    @property
    def unfinished(self) -> bool:
        """The candidate is still on it: preparing or recording."""
        return self in (TakeState.preparing, TakeState.recording)

    @property
    def submitted(self) -> bool:
        """The candidate handed this take in: it is in, or through, the pipeline."""
        return not self.unfinished and self != TakeState.expired

    @property
    def processing(self) -> bool:
        """In the pipeline, with a step still to run."""
        return self in (TakeState.uploaded, TakeState.transcribed, TakeState.analysed)

    @property
    def done(self) -> bool:
        """The pipeline has finished with it, scored or needing attention."""
        return self in (TakeState.scored, TakeState.failed)

    @property
    def answered(self) -> bool:
        """Submitted and not failed: counts as having answered the question."""
        return self.submitted and self != TakeState.failed

    @property
    def transcript_correctable(self) -> bool:
        """Transcribed and no longer being analysed: a corrected transcript can be scored again."""
        return self in (TakeState.analysed, TakeState.scored, TakeState.failed)

    @property
    def label(self) -> str:
        """The state in the candidate's words."""
        return "needs attention" if self == TakeState.failed else self.value

    @classmethod
    def unfinished_states(cls) -> tuple["TakeState", ...]:
        return tuple(state for state in cls if state.unfinished)

    @classmethod
    def processing_states(cls) -> tuple["TakeState", ...]:
        return tuple(state for state in cls if state.processing)

    @classmethod
    def answered_states(cls) -> tuple["TakeState", ...]:
        return tuple(state for state in cls if state.answered)


def _enum(kind: type[enum.StrEnum], name: str) -> Enum:
    return Enum(kind, name=name, native_enum=False, create_constraint=True, length=20)


class ConsentRecord(Base):
    """A candidate agreed to recording and scoring under one version of the consent text."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(String(20))
    given_at: Mapped[datetime] = mapped_column(default=utcnow)


class InterviewSession(Base):
    """Practice chosen by the candidate, or (with `invitation_id`) one candidate's answers to an
    assessment, asked under its settings: its times, retakes and deadline, and AI scoring only
    when the assessment runs it and the candidate did not decline it. Such a session keeps the
    kind `practice`; `invitation_id` is what sets it apart (it is never reported to its candidate)."""

    __tablename__ = "interview_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SessionKind] = mapped_column(_enum(SessionKind, "session_kind"))
    mode: Mapped[AnswerMode] = mapped_column(_enum(AnswerMode, "answer_mode"))
    retakes_allowed: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # set when the session is a candidate's answers to an assessment, through their invitation
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), unique=True
    )
    ai_scoring: Mapped[bool] = mapped_column(default=True, server_default=true())
    closes_at: Mapped[datetime | None]  # no take begins after this (an assessment's deadline)

    questions: Mapped[list["SessionQuestion"]] = relationship(
        back_populates="session",
        lazy="raise",
        order_by="SessionQuestion.position",
        cascade="all, delete-orphan",
    )


class SessionQuestion(Base):
    """One question of a session, pinned to the version that was asked."""

    __tablename__ = "session_questions"
    __table_args__ = (UniqueConstraint("session_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("interview_sessions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    chosen_take_id: Mapped[int | None] = mapped_column(
        ForeignKey(
            "takes.id", use_alter=True, name="fk_session_questions_chosen_take_id", ondelete="SET NULL"
        )
    )
    skipped_at: Mapped[datetime | None]  # the candidate chose not to answer this question
    # an assessment's times for this candidate (extra time included); None: the question's own
    prep_seconds: Mapped[int | None]
    answer_seconds: Mapped[int | None]

    session: Mapped[InterviewSession] = relationship(back_populates="questions", lazy="raise")
    question_version: Mapped[QuestionVersion] = relationship(lazy="raise")
    takes: Mapped[list["Take"]] = relationship(
        foreign_keys="Take.session_question_id",
        back_populates="session_question",
        lazy="raise",
        order_by="Take.number",
    )


class Take(Base):
    """One attempt at answering a question: its timing (recorded by the server, which is the
    authority on limits), its media or typed text, and where it is in the pipeline."""

    __tablename__ = "takes"
    __table_args__ = (UniqueConstraint("session_question_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_question_id: Mapped[int] = mapped_column(
        ForeignKey("session_questions.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    mode: Mapped[AnswerMode] = mapped_column(_enum(AnswerMode, "take_mode"))
    state: Mapped[TakeState] = mapped_column(_enum(TakeState, "take_state"), index=True)
    prep_started_at: Mapped[datetime] = mapped_column(default=utcnow)
    answer_started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    overran: Mapped[bool] = mapped_column(default=False)
    interrupted: Mapped[bool] = mapped_column(default=False)
    media_key: Mapped[str] = mapped_column(String(40), unique=True)  # server-generated, names the files
    media_type: Mapped[str | None] = mapped_column(String(40))
    media_bytes: Mapped[int] = mapped_column(default=0)
    typed_text: Mapped[str | None] = mapped_column(Text)
    failure_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # pipeline bookkeeping: the database, not the queue, is the source of truth
    duration_seconds: Mapped[float | None]  # measured from the recording's samples
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    enqueued_at: Mapped[datetime | None]
    claimed_until: Mapped[datetime | None]  # a worker's lease on the take while it works on it

    session_question: Mapped[SessionQuestion] = relationship(
        foreign_keys=[session_question_id], back_populates="takes", lazy="raise"
    )
    chunks: Mapped[list["UploadChunk"]] = relationship(
        lazy="raise", order_by="UploadChunk.seq", cascade="all, delete-orphan"
    )


class UploadChunk(Base):
    """A received piece of a recording. With the file it names, this is how the server knows
    exactly which chunks it has, so an interrupted upload resumes instead of starting over."""

    __tablename__ = "upload_chunks"
    __table_args__ = (UniqueConstraint("take_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    take_id: Mapped[int] = mapped_column(ForeignKey("takes.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int]
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
