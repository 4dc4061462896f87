"""The JSON API for an applicant tracking system: read-only, with a personal access token
(`Authorization: Bearer gic_...`, scope `read:assessments`). A token sees what its user sees on
the pages, blind review included, and every read of candidates is in the audit record."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from app.accounts import api_tokens
from app.db import DbDep, writes_on_get
from app.hiring import service
from app.hiring.candidate_list import listed_candidates
from app.models import Assessment, User
from app.models.base import utcnow
from app.web import RowId

router = APIRouter(prefix="/api/v1")


def _token_user(request: Request, db: DbDep) -> User:
    return api_tokens.user_for(db, request.headers.get("authorization"), api_tokens.READ_ASSESSMENTS)


TokenUser = Annotated[User, Depends(_token_user)]


def _assessment(assessment: Assessment) -> dict[str, Any]:
    return {
        "id": assessment.id,
        "title": assessment.title,
        "role": assessment.role,
        "level": assessment.level,
        "deadline": assessment.deadline_at.isoformat(),
        "ai_scoring": assessment.ai_scoring,
    }


@router.get("/assessments")
def assessments(db: DbDep, user: TokenUser) -> dict[str, Any]:
    """The assessments the token's user owns or was added to (an admin: every one)."""
    found = service.my_assessments(db, user) + service.other_assessments(db, user)
    return {"assessments": [_assessment(a) for a in found]}


@router.get("/assessments/{assessment_id}/candidates")
@writes_on_get  # the read is recorded
def candidates(db: DbDep, user: TokenUser, assessment_id: RowId) -> dict[str, Any]:
    """Each candidate's status, stage and mean levels: people's and the AI's, both null until the
    token's user has submitted their own review of that candidate (blind review), the AI's also
    null when the candidate declined automatic scoring."""
    now = utcnow()
    view = service.assessment_view(db, user, assessment_id, now)
    service.record(db, user, "api.candidates", "assessment", assessment_id, now)
    rows = listed_candidates(db, user, view.assessment, view.candidates)
    return {
        "assessment": _assessment(view.assessment),
        "candidates": [
            {
                "invitation_id": c.row.invitation.id,
                "name": c.row.invitation.name,
                "email": c.row.invitation.email,
                "status": c.row.status.value,
                "submitted_at": c.row.invitation.submitted_at.isoformat()
                if c.row.invitation.submitted_at
                else None,
                "stage": c.row.stage.value,
                "levels_visible": c.revealed,
                "ai_scoring": c.ai_allowed,
                "people_level": c.people,
                "ai_level": c.ai,
            }
            for c in rows
        ],
    }
