"""Appending to the audit record and proving it untouched.

Every event's digest is SHA-256 over the previous event's digest and the event's own fields, so
changing or deleting a row, or cutting the tail off, breaks the chain where it happened. Appends
lock the one head row, so two requests recording at once queue instead of forking the chain.
The application never updates or deletes an event: the ORM refuses to (`_refuse_rewriting`)."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Delete, Update, event, select
from sqlalchemy.orm import ORMExecuteState, Session

from app.db import CoachSession
from app.models import AuditEvent, AuditHead

GENESIS = "0" * 64  # the "previous digest" of the first event
SYSTEM = "system"  # the actor role of scheduled jobs
SHELL = "shell"  # and of `gitops-coach` commands run on the server
VERIFY_BATCH = 1000


class AuditRewriteRefused(RuntimeError):
    """Something tried to change or delete an audit event."""


@dataclass(frozen=True)
class Actor:
    id: int | None
    role: str


def digest_of(previous: str, audit: AuditEvent) -> str:
    fields = [
        previous,
        audit.actor_id,
        audit.actor_role,
        audit.action,
        audit.target_type,
        audit.target_id,
        audit.assessment_id,
        audit.subject_id,
        audit.detail,
        audit.at.astimezone(UTC).isoformat(),
    ]
    return hashlib.sha256(json.dumps(fields, separators=(",", ":")).encode()).hexdigest()


def append(
    db: Session,
    actor: Actor,
    action: str,
    target: tuple[str, int],
    now: datetime,
    *,
    assessment_id: int | None = None,
    subject_id: int | None = None,
    detail: str = "",
) -> AuditEvent:
    """Add one event to the chain, in the caller's transaction (it commits or rolls back with it)."""
    head = db.scalars(select(AuditHead).where(AuditHead.id == 1).with_for_update()).one_or_none()
    if head is None:
        head = AuditHead(id=1, digest=GENESIS, events=0)
        db.add(head)
    audit = AuditEvent(
        actor_id=actor.id,
        actor_role=actor.role,
        action=action,
        target_type=target[0],
        target_id=target[1],
        assessment_id=assessment_id,
        subject_id=subject_id,
        detail=detail[:200],
        at=now,
        previous=head.digest,
    )
    audit.digest = digest_of(head.digest, audit)
    head.digest, head.events = audit.digest, head.events + 1
    db.add(audit)
    return audit


@dataclass(frozen=True)
class Verification:
    events: int
    broken_at: int | None = None  # the id of the first event that does not follow from the one before
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None and not self.reason


def verify(db: Session) -> Verification:
    """Recompute the chain from the first event; the head must name the last one."""
    previous, count = GENESIS, 0
    for audit in db.scalars(
        select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=VERIFY_BATCH)
    ):
        if audit.previous != previous:
            return Verification(count, audit.id, "an event before it was changed or deleted")
        if digest_of(previous, audit) != audit.digest:
            return Verification(count, audit.id, "its own fields were changed")
        previous, count = audit.digest, count + 1
    head = db.get(AuditHead, 1)
    expected = (head.digest, head.events) if head else (GENESIS, 0)
    if expected != (previous, count):
        return Verification(
            count, None, f"the record ends early: {expected[1] - count} event(s) missing at the end"
        )
    return Verification(count)


@event.listens_for(CoachSession, "before_flush")
def _refuse_rewriting(db: Session, _context: Any, _instances: Any) -> None:
    if any(isinstance(o, AuditEvent) for o in db.deleted) or any(
        isinstance(o, AuditEvent) and db.is_modified(o) for o in db.dirty
    ):
        raise AuditRewriteRefused("audit events are never changed or deleted")


@event.listens_for(CoachSession, "do_orm_execute")
def _refuse_bulk_rewriting(state: ORMExecuteState) -> None:
    statement = state.statement
    if (
        isinstance(statement, Update | Delete)
        and getattr(statement.table, "name", None) == AuditEvent.__tablename__
    ):
        raise AuditRewriteRefused("audit events are never changed or deleted")
