"""What the pipeline produced for a take: its transcript, what the camera showed, its score."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class TakeTranscript(Base):
    """The words of a take with their timestamps. When the candidate corrects it, the
    recognised text stays in `original_text` and reviewers are shown that it was edited."""

    __tablename__ = "take_transcripts"

    id: Mapped[int] = mapped_column(primary_key=True)
    take_id: Mapped[int] = mapped_column(ForeignKey("takes.id", ondelete="CASCADE"), unique=True)
    text: Mapped[str] = mapped_column(Text)
    words: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    model: Mapped[str] = mapped_column(String(120))
    language: Mapped[str | None] = mapped_column(String(10))
    original_text: Mapped[str | None] = mapped_column(Text)
    edited_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TakeVideoReport(Base):
    """What the camera showed (face visible, light, framing) and whether there is a poster frame.
    Describes only; it never infers emotion or personality."""

    __tablename__ = "take_video_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    take_id: Mapped[int] = mapped_column(ForeignKey("takes.id", ondelete="CASCADE"), unique=True)
    analysis: Mapped[dict[str, Any]] = mapped_column(JSON)  # app.media.video.VideoAnalysis, as JSON
    has_poster: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TakeScore(Base):
    """The ScoreReport of a take (replaced when the transcript is corrected and rescored)."""

    __tablename__ = "take_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    take_id: Mapped[int] = mapped_column(ForeignKey("takes.id", ondelete="CASCADE"), unique=True)
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
    overall: Mapped[float]
    scorer: Mapped[str] = mapped_column(String(20))
    fallback: Mapped[bool] = mapped_column(default=False)
    scored_at: Mapped[datetime] = mapped_column(default=utcnow)
