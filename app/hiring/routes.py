"""Hiring pages: a reviewer's assessments, their candidates and invitations, and the invited
candidate's way from the link to a submitted interview. Thin: parse, call, render. (Reviewing
answers is in `review_routes`.)"""

import random
from datetime import date, datetime
from typing import Annotated, get_args

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.accounts.deps import (
    REVIEWERS_ONLY,
    VIEWER_KNOWN,
    AdminUser,
    CurrentUser,
    OptionalUser,
    ReviewerUser,
)
from app.config import Settings, SettingsDep
from app.db import DbDep, writes_on_get
from app.errors import InvalidInput
from app.hiring import audit_view, candidates, public_link, self_id, service, webhook_events, webhooks
from app.hiring.access import Action
from app.hiring.candidate_list import SortBy, arranged, listed_candidates
from app.hiring.invitations import MAX_LIST_BYTES, CandidateListError, candidate
from app.hiring.schemas import MAX_QUESTIONS, RETENTION_DAYS, AssessmentSpec
from app.markdown import render_markdown
from app.models import AnswerMode, Assessment, InvitationStatus, User
from app.models.base import utcnow
from app.questions import service as bank
from app.questions.schemas import Difficulty
from app.web import RowId, csv_download, redirect, render

router = APIRouter()
TIME_ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Kolkata",
)


# --- a reviewer's assessments ----------------------------------------------------------------------


@router.get("/hiring", response_class=HTMLResponse)
def assessments_page(request: Request, db: DbDep, user: ReviewerUser) -> Response:
    context = {
        "assessments": service.my_assessments(db, user),
        "others": service.other_assessments(db, user),
    }
    return render(request, "hiring/assessments.html", context)


def _form_page(request: Request, db: Session, form: dict[str, object], error: str | None) -> Response:
    context = {
        "form": form,
        "error": error,
        "questions": bank.list_published(db),
        "competencies": bank.list_competencies(db),
        "difficulties": get_args(Difficulty),
        "modes": list(AnswerMode),
        "time_zones": TIME_ZONES,
        "max_questions": MAX_QUESTIONS,
        "retention": RETENTION_DAYS,
    }
    return render(request, "hiring/new_assessment.html", context, 422 if error else 200)


@router.get("/hiring/assessments/new", response_class=HTMLResponse, dependencies=[REVIEWERS_ONLY])
def new_assessment_page(request: Request, db: DbDep) -> Response:
    return _form_page(request, db, {"time_zone": "UTC", "retention_days": 365, "ai_scoring": "yes"}, None)


def _problems(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'form'}: {e['msg']}" for e in error.errors())


@router.post("/hiring/assessments")
def create_assessment(
    request: Request,
    db: DbDep,
    user: ReviewerUser,
    title: Annotated[str, Form()],
    role: Annotated[str, Form()],
    level: Annotated[str, Form()],
    deadline_local: Annotated[str, Form()],
    time_zone: Annotated[str, Form()],
    retention_days: Annotated[str, Form()],
    instructions: Annotated[str, Form()] = "",
    question: Annotated[list[str] | None, Form()] = None,
    draw_count: Annotated[str, Form()] = "",
    draw_competency: Annotated[str, Form()] = "",
    draw_difficulty: Annotated[str, Form()] = "",
    prep_seconds: Annotated[str, Form()] = "",
    answer_seconds: Annotated[str, Form()] = "",
    retakes_allowed: Annotated[str, Form()] = "0",
    mode: Annotated[list[str] | None, Form()] = None,
    ai_scoring: Annotated[str, Form()] = "",
    feedback_after_close: Annotated[str, Form()] = "",
) -> Response:
    form = {k: v for k, v in locals().items() if k not in ("request", "session", "user")}  # to show again
    picked = question or []
    try:
        drawn = (
            service.draw_questions(
                db,
                draw_competency,
                draw_difficulty,
                int(draw_count),
                picked,
                random.Random(),  # noqa: S311
            )
            if draw_count.strip()
            else []
        )
        spec = AssessmentSpec(
            title=title,
            role=role,
            level=level,
            instructions=instructions,
            question_slugs=picked + drawn,
            prep_seconds=prep_seconds or None,
            answer_seconds=answer_seconds or None,
            retakes_allowed=retakes_allowed,
            answer_modes=mode or [],
            deadline_local=deadline_local,
            time_zone=time_zone,
            ai_scoring=ai_scoring == "yes",
            feedback_after_close=feedback_after_close == "yes",
            retention_days=retention_days,
        )
        assessment = service.create_assessment(db, user, spec, utcnow())
    except ValidationError as error:
        return _form_page(request, db, form, f"Please check the form: {_problems(error)}.")
    except ValueError:
        return _form_page(request, db, form, "Give the number of questions to draw as a whole number.")
    except InvalidInput as error:
        return _form_page(request, db, form, error.message)
    return redirect(f"/hiring/assessments/{assessment.id}", "assessment-created")


def _assessment_page(
    request: Request,
    db: Session,
    user: User,
    assessment_id: int,
    extra: dict[str, object],
    status: int = 200,
    sort: SortBy = SortBy.name,
    only: InvitationStatus | None = None,
) -> Response:
    view = service.assessment_view(db, user, assessment_id, utcnow())
    listed = listed_candidates(db, user, view.assessment, view.candidates)
    context = {
        "view": view,
        "candidates": arranged(listed, sort, only),
        "sort": sort,
        "only": only,
        "statuses": list(InvitationStatus),
        "instructions_html": render_markdown(view.assessment.instructions),
        "staff": service.staff_to_add(db, view.assessment) if view.may("manage-members") else [],
        "public_joined": public_link.joined(db, assessment_id),
        "webhooks": webhooks.of_assessment(db, assessment_id) if view.may("edit") else [],
        "webhook_events": webhook_events.EVENTS,
        **extra,
    }
    return render(request, "hiring/assessment.html", context, status)


@router.get("/hiring/assessments/{assessment_id}", response_class=HTMLResponse)
@writes_on_get  # an admin's look is recorded
def assessment_page(
    request: Request,
    db: DbDep,
    user: CurrentUser,
    assessment_id: RowId,
    sort: SortBy = SortBy.name,
    status: Annotated[InvitationStatus | None, Query()] = None,
) -> Response:
    """The assessment with its candidates, sorted by `sort` and shown for one `status` or all."""
    return _assessment_page(request, db, user, assessment_id, {}, sort=sort, only=status)


@router.post("/hiring/assessments/{assessment_id}/members")
def add_member(
    db: DbDep,
    user: CurrentUser,
    assessment_id: RowId,
    member_id: Annotated[int, Form(ge=1, le=2**63 - 1)],
) -> Response:
    service.add_member(db, user, assessment_id, member_id, utcnow())
    return redirect(f"/hiring/assessments/{assessment_id}", "member-added")


# --- invitations ------------------------------------------------------------------------------------


def _invited_page(
    request: Request, db: Session, settings: Settings, assessment_id: int, batch: service.InvitationBatch
) -> Response:
    emailed = service.mail_invitations(db, settings, batch.issued)
    site = str(request.base_url)  # a link to copy is the address the reviewer reached the app at
    links = (
        []
        if emailed
        else [(one.invitation, service.invitation_link(site, one.token)) for one in batch.issued]
    )
    context = {"assessment_id": assessment_id, "batch": batch, "emailed": emailed, "links": links}
    return render(request, "hiring/invited.html", context)


@router.post("/hiring/assessments/{assessment_id}/invitations", response_class=HTMLResponse)
def invite_one(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    user: CurrentUser,
    assessment_id: RowId,
    name: Annotated[str, Form(max_length=200)],
    email: Annotated[str, Form(max_length=300)],
) -> Response:
    batch = service.invite(db, user, assessment_id, [candidate(name, email)], utcnow())
    return _invited_page(request, db, settings, assessment_id, batch)


@router.post("/hiring/assessments/{assessment_id}/invitations/list", response_class=HTMLResponse)
def invite_list(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    user: CurrentUser,
    assessment_id: RowId,
    text: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """A pasted list, or an uploaded CSV file (which wins when both are given)."""
    uploaded = file.file.read(MAX_LIST_BYTES + 1) if file is not None and file.filename else b""
    try:
        batch = service.invite_list(db, user, assessment_id, uploaded or text, utcnow())
    except CandidateListError as error:  # raised before anything is written
        extra: dict[str, object] = {"list_errors": error.errors, "list_text": text}
        return _assessment_page(request, db, user, assessment_id, extra, error.status_code)
    return _invited_page(request, db, settings, assessment_id, batch)


@router.post("/hiring/invitations/{invitation_id}/accommodation")
def accommodate(
    db: DbDep,
    user: CurrentUser,
    invitation_id: RowId,
    deadline_local: Annotated[str, Form()] = "",
    extra_time_percent: Annotated[str, Form()] = "",
) -> Response:
    """A later deadline (a wall-clock time in the assessment's zone) and/or extra time in percent."""
    now = utcnow()
    invitation = service.open_invitation(db, user, invitation_id, Action.invite, now)
    zone = db.get_one(Assessment, invitation.assessment_id).deadline_zone
    try:
        expires_at = (
            service.deadline_in_utc(datetime.fromisoformat(deadline_local), zone) if deadline_local else None
        )
        extra = int(extra_time_percent) if extra_time_percent.strip() else None
    except ValueError:
        raise InvalidInput(
            "Give the deadline as a date and time, and extra time as a whole percent."
        ) from None
    service.accommodate(db, user, invitation_id, now, expires_at=expires_at, extra_time_percent=extra)
    return redirect(f"/hiring/assessments/{invitation.assessment_id}", "candidate-accommodated")


@router.post("/hiring/invitations/{invitation_id}/link", response_class=HTMLResponse)
def new_link(request: Request, db: DbDep, user: CurrentUser, invitation_id: RowId) -> Response:
    issued = service.new_link(db, user, invitation_id, utcnow())
    batch = service.InvitationBatch([issued], [])
    context = {
        "assessment_id": issued.invitation.assessment_id,
        "batch": batch,
        "emailed": False,
        "links": [(issued.invitation, service.invitation_link(str(request.base_url), issued.token))],
        "replaced": True,
    }
    return render(request, "hiring/invited.html", context)


@router.post("/hiring/assessments/{assessment_id}/public-link", response_class=HTMLResponse)
def open_public_link(
    request: Request,
    db: DbDep,
    user: CurrentUser,
    assessment_id: RowId,
    cap: Annotated[int, Form(ge=1, le=service.MAX_INVITATIONS)],
) -> Response:
    token = public_link.open_link(db, user, assessment_id, cap, utcnow())
    address = public_link.link(str(request.base_url), token)
    return render(
        request, "hiring/public_link.html", {"assessment_id": assessment_id, "link": address, "cap": cap}
    )


@router.post("/hiring/assessments/{assessment_id}/public-link/close")
def close_public_link(db: DbDep, user: CurrentUser, assessment_id: RowId) -> Response:
    public_link.close_link(db, user, assessment_id, utcnow())
    return redirect(f"/hiring/assessments/{assessment_id}", "public-link-closed")


# --- webhooks -------------------------------------------------------------------------------------


@router.post("/hiring/assessments/{assessment_id}/webhooks", response_class=HTMLResponse)
def add_webhook(
    request: Request,
    db: DbDep,
    user: CurrentUser,
    assessment_id: RowId,
    url: Annotated[str, Form(max_length=500)],
    event: Annotated[list[str], Form()],
) -> Response:
    hook, secret = webhooks.add(db, user, assessment_id, url, event, utcnow())
    return render(request, "hiring/webhook_added.html", {"hook": hook, "secret": secret})


@router.get("/hiring/webhooks/{webhook_id}", response_class=HTMLResponse)
def webhook_log(request: Request, db: DbDep, user: CurrentUser, webhook_id: RowId) -> Response:
    return render(
        request, "hiring/webhook_log.html", {"log": webhooks.delivery_log(db, user, webhook_id, utcnow())}
    )


@router.post("/hiring/webhooks/{webhook_id}/delete")
def remove_webhook(db: DbDep, user: CurrentUser, webhook_id: RowId) -> Response:
    assessment_id = webhooks.remove(db, user, webhook_id, utcnow())
    return redirect(f"/hiring/assessments/{assessment_id}", "webhook-removed")


# --- the audit record ------------------------------------------------------------------------------


@router.get("/hiring/assessments/{assessment_id}/audit", response_class=HTMLResponse)
@writes_on_get  # reading the record is recorded
def assessment_audit(request: Request, db: DbDep, user: CurrentUser, assessment_id: RowId) -> Response:
    found = audit_view.read_record(db, user, assessment_id, utcnow(), export=False)
    return render(request, "hiring/audit.html", {"record": found})


@router.get(
    "/hiring/assessments/{assessment_id}/candidates/{invitation_id}/audit", response_class=HTMLResponse
)
@writes_on_get
def candidate_audit(
    request: Request, db: DbDep, user: CurrentUser, assessment_id: RowId, invitation_id: RowId
) -> Response:
    found = audit_view.read_record(db, user, assessment_id, utcnow(), invitation_id, export=False)
    return render(request, "hiring/audit.html", {"record": found})


@router.get("/hiring/assessments/{assessment_id}/audit.csv")
@writes_on_get
def audit_export(db: DbDep, user: CurrentUser, assessment_id: RowId) -> Response:
    found = audit_view.read_record(db, user, assessment_id, utcnow(), export=True)
    return csv_download(audit_view.record_csv(found.lines), f"assessment-{assessment_id}-audit.csv")


def _audit_filter(
    actor: Annotated[str, Query(max_length=60)] = "",
    action: Annotated[str, Query(max_length=60)] = "",
    since: date | None = None,
    until: date | None = None,
) -> audit_view.AuditFilter:
    return audit_view.AuditFilter(actor, action, since, until)


AuditFilterDep = Annotated[audit_view.AuditFilter, Depends(_audit_filter)]


@router.get("/admin/audit", response_class=HTMLResponse)
@writes_on_get
def installation_audit(
    request: Request,
    db: DbDep,
    admin: AdminUser,
    filters: AuditFilterDep,
    page: Annotated[int, Query(ge=1, le=10**6)] = 1,
) -> Response:
    """Every event of the installation, filtered and paged; for admins."""
    found = audit_view.installation_record(db, admin, filters, page, utcnow())
    return render(request, "hiring/audit_all.html", {"record": found})


@router.get("/admin/audit.csv")
@writes_on_get
def installation_audit_export(db: DbDep, admin: AdminUser, filters: AuditFilterDep) -> Response:
    lines = audit_view.installation_export(db, admin, filters, utcnow())
    return csv_download(audit_view.record_csv(lines), "audit.csv")


# --- the invited candidate --------------------------------------------------------------------------


@router.get("/join/{token}", response_class=HTMLResponse, dependencies=[VIEWER_KNOWN])
def public_link_page(request: Request, db: DbDep, token: str) -> Response:
    return render(
        request, "hiring/join.html", {"link": public_link.preview(db, token, utcnow()), "token": token}
    )


@router.post("/join/{token}")
def join(db: DbDep, user: CurrentUser, token: str) -> Response:
    invitation = public_link.join(db, token, user, utcnow())
    return redirect(f"/interview/{invitation.id}")


@router.get("/invite/{token}", response_class=HTMLResponse)
def invitation_page(request: Request, db: DbDep, user: OptionalUser, token: str) -> Response:
    preview = candidates.preview_link(db, token, user, utcnow())
    if user is not None and preview.invitation.used_by_id == user.id:
        return redirect(f"/interview/{preview.invitation.id}")
    return render(request, "hiring/invitation.html", {"preview": preview, "token": token})


@router.post("/invite/{token}")
def claim(db: DbDep, user: CurrentUser, token: str) -> Response:
    invitation = service.claim_invitation(db, token, user, utcnow())
    return redirect(f"/interview/{invitation.id}")


@router.get("/interview/{invitation_id}", response_class=HTMLResponse)
def interview_page(request: Request, db: DbDep, user: CurrentUser, invitation_id: RowId) -> Response:
    """Where the candidate is: the terms to accept, the rules and the start, the questions and
    the submit button, or the submitted page."""
    now = utcnow()
    view = candidates.candidate_view(db, user, invitation_id, now)
    context = {
        "view": view,
        "instructions_html": render_markdown(view.assessment.instructions),
        "feedback": candidates.feedback(db, view, now),
        "self_id": self_id.own(db, view.invitation.id),
        "self_id_sex": self_id.SEX,
        "self_id_race": self_id.RACE,
    }
    return render(request, "hiring/interview.html", context)


@router.post("/interview/{invitation_id}/consent")
def consent(
    db: DbDep,
    user: CurrentUser,
    invitation_id: RowId,
    agree: Annotated[str, Form()] = "",
    ai_scoring: Annotated[str, Form()] = "",
) -> Response:
    if agree != "yes":
        raise InvalidInput("Tick the box to agree, or stop here: nothing is recorded without your agreement.")
    declined = ai_scoring == "decline"
    candidates.consent(db, user, invitation_id, declined_ai_scoring=declined, now=utcnow())
    return redirect(f"/interview/{invitation_id}", "terms-accepted")


@router.post("/interview/{invitation_id}/start")
def start(
    db: DbDep, user: CurrentUser, invitation_id: RowId, mode: Annotated[AnswerMode, Form()]
) -> Response:
    interview = candidates.start(db, user, invitation_id, mode, utcnow())
    first = f"/sessions/{interview.id}/questions/1"
    return redirect(first if mode == AnswerMode.typed else f"/sessions/{interview.id}/check")


@router.post("/interview/{invitation_id}/submit")
def submit(db: DbDep, user: CurrentUser, invitation_id: RowId) -> Response:
    candidates.submit(db, user, invitation_id, utcnow())
    return redirect(f"/interview/{invitation_id}", "interview-submitted")
