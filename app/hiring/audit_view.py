"""The audit record as its owner and admins read it: every event filed under one assessment, or
under one of its candidates, newest first, with the actor's name where the account still exists;
and, for admins, the whole installation's, filtered by actor, action and dates, page by page.
Reading it, and exporting it, is itself recorded."""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from app.errors import InvalidInput, NotFound
from app.hiring.access import Action
from app.hiring.export import spreadsheet_safe
from app.hiring.service import open_assessment, open_invitation, record
from app.models import Assessment, AuditEvent, Role, User

MAX_EVENTS = 5000  # per page or export: bounded work; the shell's `audit verify` reads them all
PAGE_SIZE = 100  # events per page of the installation's record
COLUMNS = [
    "at",
    "actor",
    "actor_role",
    "action",
    "target_type",
    "target_id",
    "assessment_id",
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
    lines = _named(db, events[:MAX_EVENTS])
    target = ("invitation", invitation_id) if invitation_id is not None else ("assessment", assessment.id)
    record(db, user, "audit.export" if export else "audit.view", *target, now)
    return AuditRecord(assessment, invitation_id, lines, len(events) > MAX_EVENTS)


def _named(db: Session, events: Sequence[AuditEvent]) -> list[AuditLine]:
    actor_ids = {e.actor_id for e in events if e.actor_id}
    names = {
        row.id: row.display_name
        for row in db.execute(select(User.id, User.display_name).where(User.id.in_(actor_ids)))
    }
    return [AuditLine(e, _actor(e, names)) for e in events]


def _actor(event: AuditEvent, names: dict[int, str]) -> str:
    if event.actor_id is None:
        return event.actor_role
    return names.get(event.actor_id, f"account {event.actor_id} (deleted)")


def record_csv(lines: Sequence[AuditLine]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for line in lines:
        e = line.event
        writer.writerow(
            [
                e.at.isoformat(),
                spreadsheet_safe(line.actor),
                e.actor_role,
                e.action,
                e.target_type,
                e.target_id,
                e.assessment_id or "",
                e.subject_id or "",
                spreadsheet_safe(e.detail),
                e.digest,
            ]
        )
    return out.getvalue()


# --- the installation's record, for admins --------------------------------------------------------


Query = TypeVar("Query", bound=Select[Any])  # of events, or of their count


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""  # "" anyone, "account:<id>", or "role:<role>" (system, shell, share-link, ...)
    action: str = ""
    since: date | None = None  # UTC days, both ends included
    until: date | None = None

    def where(self, query: Query) -> Query:
        kind, _, value = self.actor.partition(":")
        if kind == "account":
            query = query.where(AuditEvent.actor_id == _account_id(value))
        elif kind == "role":
            query = query.where(AuditEvent.actor_id.is_(None), AuditEvent.actor_role == value)
        elif self.actor:
            raise InvalidInput("Choose the actor from the list.")
        if self.action:
            query = query.where(AuditEvent.action == self.action)
        if self.since is not None:
            query = query.where(AuditEvent.at >= datetime.combine(self.since, time(), UTC))
        if self.until is not None:
            query = query.where(AuditEvent.at < datetime.combine(self.until + timedelta(days=1), time(), UTC))
        return query

    def describe(self) -> str:
        parts = [f"actor={self.actor}", f"action={self.action}", f"since={self.since}", f"until={self.until}"]
        return ", ".join(p for p in parts if not p.endswith(("=", "=None")))


def _account_id(value: str) -> int:
    if not value.isdigit() or len(value) > 18:
        raise InvalidInput("Choose the actor from the list.")
    return int(value)


@dataclass(frozen=True)
class InstallationRecord:
    lines: list[AuditLine]
    filters: AuditFilter
    page: int
    pages: int
    total: int
    actions: list[str]  # every action recorded, for the filter
    actors: list[tuple[str, str]]  # (filter value, label): staff accounts and the roles without one


def _choices(db: Session) -> tuple[list[str], list[tuple[str, str]]]:
    actions = list(db.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
    roles = db.scalars(
        select(AuditEvent.actor_role)
        .where(AuditEvent.actor_id.is_(None))
        .distinct()
        .order_by(AuditEvent.actor_role)
    )
    staff = db.execute(
        select(User.id, User.display_name, User.role)
        .where(User.role != Role.candidate)
        .order_by(User.display_name)
    )
    actors = [(f"role:{r}", r) for r in roles] + [
        (f"account:{row.id}", f"{row.display_name} ({row.role.value})") for row in staff
    ]
    return actions, actors


def installation_record(
    db: Session, admin: User, filters: AuditFilter, page: int, now: datetime
) -> InstallationRecord:
    """One page of every event in the installation matching the filters, newest first. The route
    admits admins only; the reading is recorded with the filters used."""
    total = db.scalar(filters.where(select(func.count(AuditEvent.id)))) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    events = db.scalars(
        filters.where(select(AuditEvent))
        .order_by(AuditEvent.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    lines = _named(db, list(events))
    record(db, admin, "audit.view-all", "installation", 0, now, detail=filters.describe())
    return InstallationRecord(lines, filters, page, pages, total, *_choices(db))


def installation_export(db: Session, admin: User, filters: AuditFilter, now: datetime) -> list[AuditLine]:
    """The latest MAX_EVENTS events matching the filters, for CSV; the export is recorded."""
    events = db.scalars(filters.where(select(AuditEvent)).order_by(AuditEvent.id.desc()).limit(MAX_EVENTS))
    lines = _named(db, list(events))
    record(db, admin, "audit.export-all", "installation", 0, now, detail=filters.describe())
    return lines
