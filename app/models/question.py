"""The question bank: competencies, questions and their immutable versions."""

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.account import User
from app.models.base import Base, utcnow


class Competency(Base):
    """One of the ten fixed competencies, with its behaviourally anchored levels 1-5."""

    __tablename__ = "competencies"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    anchors: Mapped[dict[str, str]] = mapped_column(JSON)
    rubric_version: Mapped[int]


class QuestionStatus(enum.StrEnum):
    draft = "draft"
    published = "published"


class VersionOrigin(enum.StrEnum):
    files = "files"  # written by `questions sync` from the question files
    editor = "editor"  # saved in the editor UI


class Question(Base):
    """A question's identity and lifecycle. Its content lives in versions; the columns
    copied from the current version (title, category, difficulty) exist for listing and filtering."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    status: Mapped[QuestionStatus] = mapped_column(
        Enum(QuestionStatus, name="question_status", native_enum=False, create_constraint=True, length=20)
    )
    retired_at: Mapped[datetime | None]
    title: Mapped[str] = mapped_column(String(160))
    category: Mapped[str] = mapped_column(String(20), index=True)
    difficulty: Mapped[str] = mapped_column(String(10))
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("question_versions.id", use_alter=True, name="fk_questions_current_version_id")
    )
    # Hash of the content as the files last had it (set by sync and export). When the current
    # version's hash differs, the question was edited in the editor since: that is drift.
    synced_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    current_version: Mapped["QuestionVersion | None"] = relationship(
        foreign_keys=[current_version_id], lazy="raise", post_update=True
    )
    versions: Mapped[list["QuestionVersion"]] = relationship(
        foreign_keys="QuestionVersion.question_id",
        back_populates="question",
        lazy="raise",
        order_by="QuestionVersion.number",
    )

    @property
    def visible_to_candidates(self) -> bool:
        return self.status == QuestionStatus.published and self.retired_at is None


class QuestionVersion(Base):
    """One immutable state of a question's content, exactly as validated (the file format).
    Answers point at the version they were asked, so later edits never change history."""

    __tablename__ = "question_versions"
    __table_args__ = (UniqueConstraint("question_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    origin: Mapped[VersionOrigin] = mapped_column(
        Enum(VersionOrigin, name="version_origin", native_enum=False, create_constraint=True, length=10)
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    question: Mapped[Question] = relationship(
        foreign_keys=[question_id], back_populates="versions", lazy="raise"
    )
    author: Mapped["User | None"] = relationship(lazy="raise")  # who saved it in the editor
