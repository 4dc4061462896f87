"""Voluntary self-identification for adverse-impact reporting, kept apart from everything the
scorer and reviewers read: its own table, read only by the candidate, the aggregate report,
erasure and the candidate's data download. What outlives retention is counts per group only."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class SelfIdentification(Base):
    """A candidate's optional answers about sex and race/ethnicity (the EEO-1 / NYC LL144
    categories) for one interview. None: not answered; "declined": "I prefer not to say"."""

    __tablename__ = "self_identifications"
    __table_args__ = (UniqueConstraint("invitation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"))
    sex: Mapped[str | None] = mapped_column(String(40))
    race: Mapped[str | None] = mapped_column(String(60))
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)


class RetainedImpact(Base):
    """What the adverse-impact report keeps of an assessment past its retention period: for one
    group (sex and race/ethnicity, "unknown" where not given) only counts, with no candidate,
    score or answer behind them."""

    __tablename__ = "retained_impact"
    __table_args__ = (UniqueConstraint("assessment_id", "sex", "race"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    sex: Mapped[str] = mapped_column(String(40))
    race: Mapped[str] = mapped_column(String(60))
    candidates: Mapped[int]
    selected: Mapped[int]  # advanced by a person
    human_scored: Mapped[int]
    human_above: Mapped[int]  # people's mean level above the assessment's median
    ai_scored: Mapped[int]
    ai_above: Mapped[int]
