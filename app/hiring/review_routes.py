"""Reviewing an assessment's candidates: one candidate's answers and the blind rating form, their
recordings, the stage, agreement between raters, candidates side by side and the CSV export.
Thin: parse, call, render; who may do what is decided in the hiring services."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.accounts.deps import EDITORS_ONLY, CurrentUser
from app.db import DbDep, writes_on_get
from app.errors import NotFound
from app.hiring import reviews, service, share_links
from app.hiring.access import ALLOWED, Action
from app.hiring.export import assessment_csv
from app.hiring.results import (
    MAX_COMPARED,
    agreement_report,
    assessment_results,
    bank_disagreements,
    compare_candidates,
    disagreements,
)
from app.hiring.review_view import (
    in_assessment,
    open_answer,
    recommendation_from_form,
    record_playback,
    review_page,
    save_review,
    stage_from_form,
)
from app.media.storage import StorageDep
from app.media.streaming import recording_response
from app.models import Recommendation, Stage
from app.models.base import utcnow
from app.web import RowId, csv_download, redirect, render

router = APIRouter()
CANDIDATE = "/hiring/assessments/{assessment_id}/candidates/{invitation_id}"
RECOMMENDATIONS = {
    Recommendation.strong_no: "Strong no",
    Recommendation.no: "No",
    Recommendation.yes: "Yes",
    Recommendation.strong_yes: "Strong yes",
}
STAGES = {
    Stage.new: "New",
    Stage.in_review: "In review",
    Stage.advance: "Advance",
    Stage.hold: "Hold",
    Stage.decline: "Decline",
}
LABELS = {"recommendations": RECOMMENDATIONS, "stages": STAGES}


async def _form_fields(request: Request) -> dict[str, str]:
    """The rating form's fields (one per question and competency), read before the route's transaction."""
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str) and key != "csrf_token"}


FormFields = Annotated[dict[str, str], Depends(_form_fields)]


def _candidate_path(assessment_id: int, invitation_id: int, anchor: str = "") -> str:
    return CANDIDATE.format(assessment_id=assessment_id, invitation_id=invitation_id) + anchor


@router.get(CANDIDATE, response_class=HTMLResponse)
@writes_on_get
def candidate_review(
    request: Request, db: DbDep, user: CurrentUser, assessment_id: RowId, invitation_id: RowId
) -> Response:
    page = review_page(db, user, assessment_id, invitation_id, utcnow())
    standing = service.standing_in(db, user, page.assessment)
    may_share = standing is not None and Action.edit in ALLOWED[standing]
    shares = share_links.of_invitation(db, invitation_id) if may_share else []
    context = {"page": page, "may_share": may_share, "shares": shares, "now": utcnow(), **LABELS}
    return render(request, "hiring/review/candidate.html", context)


@router.post(CANDIDATE + "/review")
def save(
    request: Request,
    db: DbDep,
    user: CurrentUser,
    assessment_id: RowId,
    invitation_id: RowId,
    form: FormFields,
) -> Response:
    in_assessment(db, assessment_id, invitation_id)
    submit = form.get("action") == "submit"
    incomplete = save_review(db, user, invitation_id, form, submit=submit, now=utcnow())
    if incomplete is not None:
        page = review_page(db, user, assessment_id, invitation_id, utcnow())
        context = {"page": page, "incomplete": incomplete, **LABELS}
        return render(request, "hiring/review/candidate.html", context, status_code=422)
    return redirect(_candidate_path(assessment_id, invitation_id, "#compared" if submit else "#rating"))


@router.post(CANDIDATE + "/ratings/revise")
def revise_rating(
    db: DbDep,
    user: CurrentUser,
    assessment_id: RowId,
    invitation_id: RowId,
    question_id: Annotated[int, Form()],
    competency: Annotated[str, Form(max_length=40)],
    level: Annotated[int, Form()],
    reason: Annotated[str, Form()] = "",
) -> Response:
    in_assessment(db, assessment_id, invitation_id)
    given = reviews.LevelGiven(question_id, competency, level)
    reviews.revise_rating(db, user, invitation_id, given, reason, utcnow())
    return redirect(_candidate_path(assessment_id, invitation_id, "#compared"))


@router.post(CANDIDATE + "/recommendation/revise")
def revise_recommendation(
    db: DbDep,
    user: CurrentUser,
    assessment_id: RowId,
    invitation_id: RowId,
    recommendation: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
) -> Response:
    in_assessment(db, assessment_id, invitation_id)
    chosen = recommendation_from_form(recommendation, required=True)
    assert chosen is not None
    reviews.revise_recommendation(db, user, invitation_id, chosen, reason, utcnow())
    return redirect(_candidate_path(assessment_id, invitation_id, "#compared"))


@router.post(CANDIDATE + "/stage")
def set_stage(
    db: DbDep,
    user: CurrentUser,
    assessment_id: RowId,
    invitation_id: RowId,
    stage: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
) -> Response:
    in_assessment(db, assessment_id, invitation_id)
    service.set_stage(db, user, invitation_id, stage_from_form(stage), reason, utcnow())
    return redirect(_candidate_path(assessment_id, invitation_id, "#stage"))


@router.get(CANDIDATE + "/answers/{take_id}/recording")
@writes_on_get
def recording(
    request: Request,
    db: DbDep,
    storage: StorageDep,
    user: CurrentUser,
    assessment_id: RowId,
    invitation_id: RowId,
    take_id: RowId,
) -> Response:
    take = open_answer(db, user, assessment_id, invitation_id, take_id, utcnow())
    size = storage.recording_size(take.media_key, take.media_type) if take.media_type else None
    if take.media_type is None or size is None:
        raise NotFound("This answer has no recording.")
    range_header = request.headers.get("range")
    record_playback(db, user, take, range_header, utcnow())
    return recording_response(storage, take.media_key, take.media_type, size, range_header)


@router.get(CANDIDATE + "/answers/{take_id}/poster")
@writes_on_get  # an admin's access is recorded
def poster(
    db: DbDep,
    storage: StorageDep,
    user: CurrentUser,
    assessment_id: RowId,
    invitation_id: RowId,
    take_id: RowId,
) -> Response:
    take = open_answer(db, user, assessment_id, invitation_id, take_id, utcnow())
    jpeg = storage.read_poster(take.media_key)
    if jpeg is None:
        raise NotFound("This answer has no poster frame.")
    return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "private, no-store"})


@router.get("/hiring/assessments/{assessment_id}/agreement", response_class=HTMLResponse)
@writes_on_get
def agreement(request: Request, db: DbDep, user: CurrentUser, assessment_id: RowId) -> Response:
    results = assessment_results(db, user, assessment_id, utcnow(), "agreement")
    context = {
        "results": results,
        "report": agreement_report(results),
        "disagreements": disagreements(results),
    }
    return render(request, "hiring/review/agreement.html", context)


@router.get("/hiring/assessments/{assessment_id}/compare", response_class=HTMLResponse)
@writes_on_get
def compare(
    request: Request,
    db: DbDep,
    user: CurrentUser,
    assessment_id: RowId,
    candidate: Annotated[list[int], Query(max_length=MAX_COMPARED + 1)],
) -> Response:
    compared = compare_candidates(db, user, assessment_id, candidate, utcnow())
    context = {"compared": compared, "assessment_id": assessment_id, **LABELS}
    return render(request, "hiring/review/compare.html", context)


@router.get("/hiring/assessments/{assessment_id}/export.csv")
@writes_on_get
def export(db: DbDep, user: CurrentUser, assessment_id: RowId) -> Response:
    results = assessment_results(db, user, assessment_id, utcnow(), "export")
    return csv_download(assessment_csv(results), f"assessment-{assessment_id}.csv")


@router.get("/editor/disagreements", response_class=HTMLResponse, dependencies=[EDITORS_ONLY])
def bank_disagreement(request: Request, db: DbDep) -> Response:
    """Which questions the AI and people score most differently, over every assessment: numbers
    per question only, never a candidate."""
    return render(request, "hiring/review/disagreements.html", {"rows": bank_disagreements(db)})
