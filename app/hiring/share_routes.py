"""Sharing one candidate's packet with someone who has no account, and the packet they open."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.accounts.deps import CurrentUser
from app.db import DbDep, writes_on_get
from app.errors import NotFound
from app.hiring import share_links
from app.media.storage import StorageDep
from app.media.streaming import recording_response
from app.models.base import utcnow
from app.web import RowId, redirect, render

router = APIRouter()


@router.post("/hiring/invitations/{invitation_id}/share", response_class=HTMLResponse)
def share(
    request: Request,
    db: DbDep,
    user: CurrentUser,
    invitation_id: RowId,
    question: Annotated[list[int], Form()],
    days: Annotated[int, Form(ge=1, le=share_links.MAX_DAYS)] = 7,
    show_name: Annotated[bool, Form()] = False,
) -> Response:
    link, token = share_links.create(db, user, invitation_id, question, not show_name, days, utcnow())
    address = f"{str(request.base_url).rstrip('/')}/share/{token}"
    return render(request, "hiring/share_created.html", {"link": link, "address": address})


@router.post("/hiring/share-links/{share_link_id}/revoke")
def revoke(db: DbDep, user: CurrentUser, share_link_id: RowId) -> Response:
    assessment_id = share_links.revoke(db, user, share_link_id, utcnow())
    return redirect(f"/hiring/assessments/{assessment_id}", "share-revoked")


@router.get("/share/{share_token}", response_class=HTMLResponse)
@writes_on_get  # every opening is recorded
def packet(request: Request, db: DbDep, share_token: str) -> Response:
    return render(
        request,
        "hiring/share_packet.html",
        {"packet": share_links.open_packet(db, share_token, utcnow()), "token": share_token},
    )


@router.get("/share/{share_token}/answers/{take_id}/recording")
@writes_on_get
def shared_recording(
    request: Request, db: DbDep, storage: StorageDep, share_token: str, take_id: RowId
) -> Response:
    take = share_links.shared_take(db, share_token, take_id, utcnow())
    size = storage.recording_size(take.media_key, take.media_type) if take.media_type else None
    if take.media_type is None or size is None:
        raise NotFound("This answer has no recording.")
    return recording_response(storage, take.media_key, take.media_type, size, request.headers.get("range"))
