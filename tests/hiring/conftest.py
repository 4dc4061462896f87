"""Hiring fixtures: a small published bank with its competencies, and plain factory functions."""

from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.hiring import service
from app.hiring.invitations import Candidate
from app.hiring.schemas import AssessmentSpec
from app.models import AnswerMode, Assessment, Base, Invitation, InvitationStatus, Role, User
from app.models.base import utcnow
from app.paths import QUESTION_BANK_DIR
from app.questions import sync
from app.questions.bank_files import COMPETENCY_FILE
from app.questions.schemas import CompetencyFile
from tests.factories import create_user, publish_question

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SLUGS = ["drift-manual-edit", "sync-interval"]


@cache
def _competencies() -> CompetencyFile:
    """The shipped competencies only (loading the whole bank validates every question: seconds)."""
    return CompetencyFile.model_validate(yaml.safe_load((QUESTION_BANK_DIR / COMPETENCY_FILE).read_text()))


@pytest.fixture
def bank(db: Session) -> list[str]:
    sync.sync_competencies(db, _competencies())
    for slug in SLUGS:
        publish_question(db, slug)
    return SLUGS


def spec(**changes: Any) -> AssessmentSpec:
    fields: dict[str, Any] = {
        "title": "Platform engineer, GitOps",
        "role": "Platform engineer",
        "level": "senior",
        "question_slugs": SLUGS,
        "answer_modes": {AnswerMode.video, AnswerMode.typed},
        "deadline_local": datetime(2026, 12, 15, 18, 0),
        "time_zone": "Europe/Berlin",
        **changes,
    }
    return AssessmentSpec(**fields)


def new_assessment(db: Session, owner: User | None = None, **changes: Any) -> Assessment:
    owner = owner or create_user(db, Role.reviewer)
    return service.create_assessment(db, owner, spec(**changes), NOW)


def live_assessment(db: Session, owner: User | None = None, **changes: Any) -> Assessment:
    """An assessment open for a month from the real clock, for tests that go through the routes
    (which read the clock)."""
    deadline = (utcnow() + timedelta(days=30)).replace(tzinfo=None, second=0, microsecond=0)
    owner = owner or create_user(db, Role.reviewer)
    return service.create_assessment(
        db, owner, spec(deadline_local=deadline, time_zone="UTC", **changes), utcnow()
    )


def owner_of(db: Session, assessment: Assessment) -> User:
    return db.get_one(User, assessment.owner_id)


def invited(db: Session, assessment: Assessment, email: str = "ana@example.com") -> service.IssuedInvitation:
    [issued] = service.invite(
        db, owner_of(db, assessment), assessment.id, [Candidate("Ana Lima", email)], NOW
    ).issued
    return issued


def submitted(db: Session, assessment: Assessment, email: str = "ana@example.com") -> Invitation:
    """A candidate who answered everything (the answering itself is the interviews domain's)."""
    invitation = invited(db, assessment, email).invitation
    invitation.status = InvitationStatus.submitted
    invitation.submitted_at = NOW
    db.flush()
    return invitation


def row_counts(db: Session) -> dict[str, int]:
    """Rows per table, to show that a refused request changed nothing."""
    db.flush()
    return {
        name: db.scalar(select(func.count()).select_from(table)) or 0
        for name, table in Base.metadata.tables.items()
    }
