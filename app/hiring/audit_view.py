"""The audit record as its owner and admins read it: every event filed under one assessment, or
under one of its candidates, newest first, with the actor's name where the account still exists.
Reading it, and exporting it, is itself recorded."""

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.errors import NotFound
from app.hiring.access import Action
from app.hiring.export import spreadsheet_safe
from app.hiring.service import open_assessment, open_invitation, record
from app.models import Assessment, AuditEvent, User

MAX_EVENTS = 5000  # per page or export: bounded work; the shell's `audit verify` reads them all
COLUMNS = [
    "at",
    "actor",
    "actor_role",
    "action",
    "target_type",
    "target_id",
    "subject_id",
    "detail",
    "digest",
]


@dataclass(frozen=True)
class AuditLine:
    event: AuditEvent
    actor: str  # the name, or "shell", "system", "account 12 (deleted)"


@dataclass(frozen=True)
class AuditRecord:
    assessment: Assessment
    invitation_id: int | None  # None: the whole assessment
    lines: list[AuditLine]
    truncated: bool


def read_record(
    db: Session,
    user: User,
    assessment_id: int,
    now: datetime,
    invitation_id: int | None = None,
    *,
    export: bool,
) -> AuditRecord:
    assessment = open_assessment(db, user, assessment_id, Action.audit, now)
    query = select(AuditEvent).where(AuditEvent.assessment_id == assessment.id)
    if invitation_id is not None:
        invitation = open_invitation(db, user, invitation_id, Action.audit, now)
        if invitation.assessment_id != assessment.id:
            raise NotFound("There is no such candidate in this assessment.")
        about = (AuditEvent.target_type == "invitation") & (AuditEvent.target_id == invitation.id)
        query = query.where(
            or_(about, AuditEvent.subject_id == invitation.used_by_id) if invitation.used_by_id else about
        )
    events = list(db.scalars(query.order_by(AuditEvent.id.desc()).limit(MAX_EVENTS + 1)))
    actor_ids = {e.actor_id for e in events if e.actor_id}
    names = {
        row.id: row.display_name
        for row in db.execute(select(User.id, User.display_name).where(User.id.in_(actor_ids)))
    }
    lines = [AuditLine(e, _actor(e, names)) for e in events[:MAX_EVENTS]]
    target = ("invitation", invitation_id) if invitation_id is not None else ("assessment", assessment.id)
    record(db, user, "audit.export" if export else "audit.view", *target, now)
    return AuditRecord(assessment, invitation_id, lines, len(events) > MAX_EVENTS)


def _actor(event: AuditEvent, names: dict[int, str]) -> str:
    if event.actor_id is None:
        return event.actor_role
    return names.get(event.actor_id, f"account {event.actor_id} (deleted)")


def record_csv(found: AuditRecord) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for line in found.lines:
        e = line.event
        writer.writerow(
            [
                e.at.isoformat(),
                spreadsheet_safe(line.actor),
                e.actor_role,
                e.action,
                e.target_type,
                e.target_id,
                e.subject_id or "",
                spreadsheet_safe(e.detail),
                e.digest,
            ]
        )
    return out.getvalue()
