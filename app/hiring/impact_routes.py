"""Adverse impact: the candidate's voluntary self-identification after submitting, and the
report per assessment (owner, admins) and across the installation (admins), each as a page and
as CSV for a bias audit. Thin: parse, call, render."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.accounts.deps import AdminUser, CurrentUser
from app.db import DbDep, writes_on_get
from app.hiring import adverse_impact, self_id
from app.models.base import utcnow
from app.web import RowId, csv_download, redirect, render

router = APIRouter()
Choice = Annotated[str, Form(max_length=40)]


@router.post("/interview/{invitation_id}/self-id")
def answer_self_id(
    db: DbDep, user: CurrentUser, invitation_id: RowId, sex: Choice = "", race: Choice = ""
) -> Response:
    self_id.answer(db, user, invitation_id, sex, race, utcnow())
    return redirect(f"/interview/{invitation_id}", "self-id-saved")


@router.post("/interview/{invitation_id}/self-id/erase")
def erase_self_id(db: DbDep, user: CurrentUser, invitation_id: RowId) -> Response:
    self_id.erase(db, user, invitation_id, utcnow())
    return redirect(f"/interview/{invitation_id}", "self-id-erased")


def _page(request: Request, report: adverse_impact.ImpactReport, csv_url: str) -> Response:
    context = {
        "report": report,
        "csv_url": csv_url,
        "min_group": adverse_impact.MIN_GROUP,
        "four_fifths": adverse_impact.FOUR_FIFTHS,
    }
    return render(request, "hiring/impact.html", context)


@router.get("/hiring/assessments/{assessment_id}/impact", response_class=HTMLResponse)
@writes_on_get  # the reading is recorded
def assessment_impact(request: Request, db: DbDep, user: CurrentUser, assessment_id: RowId) -> Response:
    report = adverse_impact.assessment_report(db, user, assessment_id, utcnow(), export=False)
    return _page(request, report, f"/hiring/assessments/{assessment_id}/impact.csv")


@router.get("/hiring/assessments/{assessment_id}/impact.csv")
@writes_on_get
def assessment_impact_csv(db: DbDep, user: CurrentUser, assessment_id: RowId) -> Response:
    report = adverse_impact.assessment_report(db, user, assessment_id, utcnow(), export=True)
    return csv_download(adverse_impact.report_csv(report), f"assessment-{assessment_id}-adverse-impact.csv")


@router.get("/admin/impact", response_class=HTMLResponse)
@writes_on_get
def installation_impact(request: Request, db: DbDep, admin: AdminUser) -> Response:
    report = adverse_impact.installation_report(db, admin, utcnow(), export=False)
    return _page(request, report, "/admin/impact.csv")


@router.get("/admin/impact.csv")
@writes_on_get
def installation_impact_csv(db: DbDep, admin: AdminUser) -> Response:
    report = adverse_impact.installation_report(db, admin, utcnow(), export=True)
    return csv_download(adverse_impact.report_csv(report), "adverse-impact.csv")
