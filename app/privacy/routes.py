"""Erasure from the pages: a person deletes their account or one interview; an assessment's owner
or an admin carries out a candidate's request; an admin erases an account. Each asks for the
email address typed out, so no stray click erases anything."""

from typing import Annotated

from fastapi import APIRouter, Form, Response
from fastapi.responses import StreamingResponse

from app.accounts.csrf import SESSION_COOKIE
from app.accounts.deps import AdminUser, CurrentUser
from app.accounts.service import normalize_email
from app.audit import log as audit
from app.db import DbDep
from app.errors import InvalidInput, NotFound
from app.hiring.access import Action
from app.hiring.service import open_invitation
from app.media.storage import StorageDep
from app.models import Invitation, User
from app.models.base import utcnow
from app.privacy import data_export, erasure
from app.web import RowId, redirect

router = APIRouter()
ConfirmEmail = Annotated[str, Form(max_length=300)]


def _confirmed(typed: str, email: str) -> None:
    if typed.strip().lower() != normalize_email(email):
        raise InvalidInput(f"To confirm, type the email address {email} exactly.")


def _actor(user: User) -> audit.Actor:
    return audit.Actor(user.id, user.role.value)


@router.get("/account/data.zip")
def download_my_data(db: DbDep, storage: StorageDep, user: CurrentUser) -> Response:
    headers = {
        "Content-Disposition": 'attachment; filename="my-interview-coach-data.zip"',
        "Cache-Control": "no-store",
    }
    return StreamingResponse(
        data_export.zip_stream(db, storage, user), media_type="application/zip", headers=headers
    )


@router.post("/account/erase")
def erase_my_account(
    db: DbDep, storage: StorageDep, user: CurrentUser, confirm_email: ConfirmEmail
) -> Response:
    _confirmed(confirm_email, user.email)
    erasure.erase_person(db, storage, user.email, _actor(user), utcnow())
    response = redirect("/", "account-erased")
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/interview/{invitation_id}/erase")
def erase_my_interview(db: DbDep, storage: StorageDep, user: CurrentUser, invitation_id: RowId) -> Response:
    invitation = db.get(Invitation, invitation_id)
    if invitation is None or invitation.used_by_id != user.id:
        raise NotFound("There is no such interview.")
    erasure.erase_submission(db, storage, invitation, _actor(user), utcnow())
    return redirect("/", "interview-erased")


@router.post("/hiring/invitations/{invitation_id}/erase")
def erase_candidate(
    db: DbDep,
    storage: StorageDep,
    user: CurrentUser,
    invitation_id: RowId,
    confirm_email: ConfirmEmail,
) -> Response:
    now = utcnow()
    invitation = open_invitation(db, user, invitation_id, Action.erase, now)
    _confirmed(confirm_email, invitation.email)
    assessment_id = invitation.assessment_id
    erasure.erase_submission(db, storage, invitation, _actor(user), now)
    return redirect(f"/hiring/assessments/{assessment_id}", "candidate-erased")


@router.post("/admin/users/{user_id}/erase")
def erase_account(
    db: DbDep, storage: StorageDep, admin: AdminUser, user_id: RowId, confirm_email: ConfirmEmail
) -> Response:
    target = db.get(User, user_id)
    if target is None:
        raise NotFound("There is no such user.")
    _confirmed(confirm_email, target.email)
    erasure.erase_person(db, storage, target.email, _actor(admin), utcnow())
    return redirect("/admin/users", "account-erased-by-admin")
