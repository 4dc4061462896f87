"""The audit record: who looked at or changed a candidate's data, and when. Appended only; each
event carries the digest of the one before it, so an edited or deleted row breaks the chain."""

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow

DIGEST_CHARS = 64  # SHA-256 in hex


class AuditEvent(Base):
    """A member of staff (or the system, or the shell) looked at or changed someone's data. The
    actor's id and role are copied and no foreign key is kept, so the record outlives accounts;
    it holds ids, never names, emails or answers."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_target", "target_type", "target_id"),
        Index("ix_audit_events_assessment", "assessment_id"),
        Index("ix_audit_events_subject", "subject_id"),
        Index("ix_audit_events_actor", "actor_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None]  # None: the system (a scheduled job) or the shell
    actor_role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[int]
    assessment_id: Mapped[int | None]  # the assessment the target belongs to, for its page
    subject_id: Mapped[int | None]  # the person whose data it is (a candidate's account id)
    detail: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    previous: Mapped[str] = mapped_column(String(DIGEST_CHARS))
    digest: Mapped[str] = mapped_column(String(DIGEST_CHARS), unique=True)


class AuditHead(Base):
    """The chain's last digest, in one row that every append locks: appends queue, never fork."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="ck_audit_head_single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(DIGEST_CHARS))
    events: Mapped[int] = mapped_column(default=0)
