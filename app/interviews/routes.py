"""Interview pages and the recorder's JSON API. Thin: parse, call, render."""

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Header, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.orm import Session

from app.accounts.deps import CurrentUser, signed_in_user_id
from app.config import SettingsDep
from app.db import DbDep, writes_on_get
from app.errors import InvalidInput, NotAuthenticated, NotFound, TooManyRequests
from app.interviews import history, service, takes, uploads
from app.interviews.processing import measured_speeds, processing, seconds_left
from app.interviews.schemas import (
    BeginTake,
    FinishUpload,
    KeepTake,
    QuestionStatus,
    Submitted,
    SubmittedTake,
    TakeStatus,
    TypedAnswer,
)
from app.limits import PerKeyLimit, read_body
from app.markdown import render_markdown
from app.media.storage import StorageDep
from app.media.streaming import recording_response
from app.metrics import UPLOAD_BYTES
from app.models import AnswerMode, InterviewSession, SessionKind, Take, User
from app.models.base import utcnow
from app.questions import service as questions
from app.questions.schemas import CATEGORIES
from app.web import RowId, redirect, render, safe_next

router = APIRouter()
CHUNK_PATH = re.compile(r"/api/takes/[0-9]+/chunks/[0-9]+")  # the one route with large bodies
Position = Annotated[int, Path(ge=1, le=service.MAX_QUESTIONS)]


# --- consent and starting -------------------------------------------------------------------------


@router.get("/consent", response_class=HTMLResponse)
def consent_page(request: Request, db: DbDep, user: CurrentUser, next: str = "/practice") -> Response:
    given = service.has_consent(db, user)
    return render(request, "interviews/consent.html", {"given": given, "next": safe_next(next)})


@router.post("/consent")
def consent(
    db: DbDep,
    user: CurrentUser,
    agree: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    if agree != "yes":
        raise InvalidInput("Tick the box to agree, or go back: nothing is recorded without your agreement.")
    service.give_consent(db, user, utcnow())
    return redirect(safe_next(next, "/practice"), "consent-given")


@router.get("/practice", response_class=HTMLResponse)
def practice_page(request: Request, db: DbDep, user: CurrentUser, question: str = "") -> Response:
    if not service.has_consent(db, user):
        return redirect(
            "/consent?next=" + quote(f"/practice?question={question}" if question else "/practice")
        )
    context = {
        "questions": questions.list_published(db),
        "categories": CATEGORIES,
        "chosen": question,
        "max_questions": service.MAX_QUESTIONS,
    }
    return render(request, "interviews/practice.html", context)


@router.post("/sessions")
def create_session(
    db: DbDep,
    settings: SettingsDep,
    user: CurrentUser,
    kind: Annotated[SessionKind, Form()],
    mode: Annotated[AnswerMode, Form()],
    category: Annotated[str, Form()] = "",
    difficulty: Annotated[str, Form()] = "",
    count: Annotated[int, Form()] = 3,
    question: Annotated[str, Form()] = "",
) -> Response:
    wanted = service.SessionRequest(kind, mode, category, difficulty, count, question)
    interview = service.start_session(db, user, wanted, settings, utcnow())
    first = f"/sessions/{interview.id}/questions/1"
    return redirect(first if mode == AnswerMode.typed else f"/sessions/{interview.id}/check")


# --- session pages ------------------------------------------------------------------------------


@router.get("/sessions/{session_id}", response_class=HTMLResponse)
def session_page(request: Request, db: DbDep, user: CurrentUser, session_id: RowId) -> Response:
    interview = service.get_session(db, user, session_id)
    chosen, now, speeds = service.chosen_takes(interview), utcnow(), measured_speeds(db)
    context = {
        "interview": interview,
        "chosen": dict(zip([q.id for q in interview.questions], chosen, strict=True)),
        "next_position": service.next_position(interview),
        "processing": {take.id: processing(take, now, speeds) for take in chosen if take is not None},
        "seconds_left": seconds_left(chosen, now, speeds),
    }
    return render(request, "interviews/session.html", context)


@router.post("/sessions/{session_id}/delete")
def delete_session(db: DbDep, storage: StorageDep, user: CurrentUser, session_id: RowId) -> Response:
    service.delete_session(db, storage, user, session_id)
    return redirect("/sessions", "session-deleted")


@router.get("/sessions/{session_id}/check", response_class=HTMLResponse)
def device_check(request: Request, db: DbDep, user: CurrentUser, session_id: RowId) -> Response:
    interview = service.answering_session(db, user, session_id)
    context = {"interview": interview, "home_url": service.home_url(interview)}
    return render(request, "interviews/device_check.html", context)


@router.post("/sessions/{session_id}/mode")
def change_mode(
    db: DbDep, user: CurrentUser, session_id: RowId, mode: Annotated[AnswerMode, Form()]
) -> Response:
    interview = service.get_session(db, user, session_id)
    service.change_mode(interview, mode)
    first = f"/sessions/{session_id}/questions/1"
    return redirect(first if mode == AnswerMode.typed else f"/sessions/{session_id}/check")


@router.get("/sessions/{session_id}/questions/{position}", response_class=HTMLResponse)
def answer_page(
    request: Request, db: DbDep, user: CurrentUser, session_id: RowId, position: Position
) -> Response:
    interview = service.answering_session(db, user, session_id)
    question = service.session_question(interview, position)
    content = question.question_version.content
    context = {
        "interview": interview,
        "question": question,
        "content": content,
        "prompt_html": render_markdown(content["prompt"]),
        "total": len(interview.questions),
        "home_url": service.home_url(interview),
    }
    return render(request, "interviews/answer.html", context)


@router.post("/sessions/{session_id}/questions/{position}/choose")
def choose_take(
    db: DbDep,
    user: CurrentUser,
    session_id: RowId,
    position: Position,
    take_id: Annotated[int, Form(ge=1, le=2**63 - 1)],
) -> Response:
    interview = service.answering_session(db, user, session_id)
    takes.choose_take(interview, position, take_id)
    return redirect(service.home_url(interview), "take-chosen")


# --- the recorder's API -------------------------------------------------------------------------


# Chunk uploads at once per user (per web process). The recorder sends one at a time per tab and
# retries a refusal with back-off from the chunks it keeps, so nothing is lost.
UPLOADS_AT_ONCE = 3
uploads_in_flight = PerKeyLimit(UPLOADS_AT_ONCE)


@dataclass(frozen=True)
class SentChunk:
    user_id: int  # who sent it, looked up before the body was read
    data: bytes


async def _chunk_body(request: Request) -> AsyncIterator[SentChunk]:
    """Read before any transaction opens (this dependency comes first), within a deadline; nothing
    is read for a client that is not signed in, nor past the user's uploads at once, which stay
    counted until the chunk is stored. The sender found here is the one the chunk is stored for,
    so the route needs no second look-up of the signed-in user."""
    user_id = await signed_in_user_id(request)
    if user_id is None:
        raise NotAuthenticated("Please sign in to continue.")
    refusal = TooManyRequests(
        f"Your account is already sending {UPLOADS_AT_ONCE} recording chunks at once; this one "
        "was not stored. The recorder sends it again in a moment, and nothing is lost."
    )
    with uploads_in_flight.hold(user_id, refusal):
        yield SentChunk(user_id, await read_body(request))


ChunkBody = Annotated[SentChunk, Depends(_chunk_body, scope="function")]


def _question_status(interview: InterviewSession, position: int) -> QuestionStatus:
    state = takes.question_state(interview, position, utcnow())
    question = service.session_question(interview, position)
    submitted = [t for t in question.takes if t.state.submitted]
    return QuestionStatus(
        phase=state.phase,
        position=position,
        total=len(interview.questions),
        mode=interview.mode,
        take=_status(state.take) if state.take is not None else None,
        submitted=[
            SubmittedTake(take_id=t.id, number=t.number, kept=t.id == question.chosen_take_id)
            for t in submitted
        ],
        takes_left=state.takes_left,
        next_position=state.next_position,
        session_url=service.home_url(interview),
        finish_label=service.home_label(interview),
        session_finished=interview.finished_at is not None,
    )


@router.get("/api/sessions/{session_id}/questions/{position}")
@writes_on_get
def question_status(db: DbDep, user: CurrentUser, session_id: RowId, position: Position) -> QuestionStatus:
    """Applies the server's clock to a take nobody is driving, then says where the question is."""
    return _question_status(service.answering_session(db, user, session_id), position)


@router.post("/api/sessions/{session_id}/questions/{position}/skip")
def skip_question(db: DbDep, user: CurrentUser, session_id: RowId, position: Position) -> QuestionStatus:
    interview = service.answering_session(db, user, session_id)
    takes.skip_question(interview, position, utcnow())
    return _question_status(interview, position)


@router.post("/api/sessions/{session_id}/questions/{position}/keep")
def keep_take(
    db: DbDep, user: CurrentUser, session_id: RowId, position: Position, body: KeepTake
) -> QuestionStatus:
    interview = service.answering_session(db, user, session_id)
    takes.choose_take(interview, position, body.take_id)
    return _question_status(interview, position)


def _status(interview_take: Take) -> TakeStatus:
    question = interview_take.session_question
    prep, answer = takes.limits(question)
    return TakeStatus(
        take_id=interview_take.id,
        number=interview_take.number,
        mode=interview_take.mode,
        state=interview_take.state,
        prep_seconds=prep,
        answer_seconds=answer,
        prep_started_at=interview_take.prep_started_at,
        answer_started_at=interview_take.answer_started_at,
        deadline=takes.deadline(interview_take),
        server_now=utcnow(),
        received=uploads.received(interview_take),
        takes_left=takes.takes_left(question.session, question),
        grace_seconds=takes.GRACE_SECONDS,
    )


@router.post("/api/sessions/{session_id}/questions/{position}/takes")
def begin_take(
    db: DbDep,
    user: CurrentUser,
    session_id: RowId,
    position: Position,
    body: BeginTake | None = None,
) -> TakeStatus:
    interview = service.answering_session(db, user, session_id)
    retake = body is not None and body.retake
    take = takes.begin_take(db, user, interview, position, utcnow(), retake=retake)
    return _status(takes.get_take(db, user, take.id))


@router.get("/api/takes/{take_id}")
def take_status(db: DbDep, user: CurrentUser, take_id: RowId) -> TakeStatus:
    return _status(takes.get_take(db, user, take_id))


@router.post("/api/takes/{take_id}/start")
def start_answer(db: DbDep, user: CurrentUser, take_id: RowId) -> TakeStatus:
    take = takes.get_take(db, user, take_id)
    takes.start_answer(take, utcnow())
    return _status(take)


@router.put("/api/takes/{take_id}/chunks/{seq}")
def upload_chunk(
    chunk: ChunkBody,  # first: the body is read before the session dependency opens a transaction
    db: DbDep,
    storage: StorageDep,
    settings: SettingsDep,
    take_id: RowId,
    seq: Annotated[int, Path(ge=0, lt=uploads.MAX_CHUNKS)],
    checksum: Annotated[str, Header(alias="X-Chunk-SHA256", pattern="^[0-9a-fA-F]{64}$")],
) -> JSONResponse:
    take = uploads.take_for_upload(db, chunk.user_id, take_id)
    received = uploads.receive_chunk(db, storage, settings, take, seq, chunk.data, checksum, utcnow())
    UPLOAD_BYTES.labels(take.mode.value).inc(len(chunk.data))
    return JSONResponse({"received": received})


@router.post("/api/takes/{take_id}/stop")
def stop_answer(db: DbDep, user: CurrentUser, take_id: RowId) -> TakeStatus:
    take = takes.get_take(db, user, take_id)
    takes.stop_answer(take, utcnow())
    return _status(take)


def _submitted(take: Take) -> Submitted:
    interview = take.session_question.session
    following = service.next_position(interview, after=take.session_question.position)
    url = f"/sessions/{interview.id}/questions/{following}" if following else service.home_url(interview)
    return Submitted(state=take.state, next_url=url)


@router.post("/api/takes/{take_id}/finish")
def finish_upload(
    db: DbDep, storage: StorageDep, user: CurrentUser, take_id: RowId, body: FinishUpload
) -> Submitted:
    take = takes.get_take(db, user, take_id)
    uploads.finish_upload(storage, take, body.chunks, body.media_type, utcnow(), body.interrupted)
    return _submitted(take)


@router.post("/api/takes/{take_id}/typed")
def submit_typed(db: DbDep, user: CurrentUser, take_id: RowId, body: TypedAnswer) -> Submitted:
    take = takes.get_take(db, user, take_id)
    takes.submit_typed(take, body.text, utcnow())
    return _submitted(take)


def _session_take(db: Session, user: User, session_id: int, take_id: int) -> Take:
    """A take of the user's practice session (an assessment's answers are not corrected by their
    candidate: reviewers judge what was said)."""
    service.get_session(db, user, session_id)
    take = takes.get_take(db, user, take_id)
    if take.session_question.session_id != session_id:
        raise NotFound("There is no such answer in this session.")
    return take


@router.post("/sessions/{session_id}/answers/{take_id}/transcript")
def correct_transcript(
    db: DbDep,
    user: CurrentUser,
    session_id: RowId,
    take_id: RowId,
    text: Annotated[str, Form(max_length=20_000)],
) -> Response:
    take = _session_take(db, user, session_id, take_id)
    takes.correct_transcript(db, take, text, utcnow())
    return redirect(f"/sessions/{session_id}/answers/{take_id}", "transcript-corrected")


@router.post("/sessions/{session_id}/answers/{take_id}/retry")
def retry_take(db: DbDep, user: CurrentUser, session_id: RowId, take_id: RowId) -> Response:
    take = _session_take(db, user, session_id, take_id)
    takes.retry_take(db, take, utcnow())
    return redirect(f"/sessions/{session_id}/answers/{take_id}", "retrying")


@router.get("/media/takes/{take_id}/poster")
def poster(db: DbDep, storage: StorageDep, user: CurrentUser, take_id: RowId) -> Response:
    take = takes.get_take(db, user, take_id)
    jpeg = storage.read_poster(take.media_key)
    if jpeg is None:
        raise NotFound("This answer has no poster frame.")
    return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "private, no-store"})


@router.get("/media/takes/{take_id}")
def recording(
    request: Request, db: DbDep, storage: StorageDep, user: CurrentUser, take_id: RowId
) -> Response:
    """The recording, to its owner only (practice answers are private), in byte ranges for seeking."""
    take = takes.get_take(db, user, take_id)
    size = storage.recording_size(take.media_key, take.media_type) if take.media_type else None
    if take.media_type is None or size is None:
        raise NotFound("This answer has no recording.")
    return recording_response(storage, take.media_key, take.media_type, size, request.headers.get("range"))


# --- a question's page ---------------------------------------------------------------------------


@router.get("/questions/{slug}", response_class=HTMLResponse)
def question_page(request: Request, db: DbDep, user: CurrentUser, slug: str) -> Response:
    """A published question; here, not in questions, because its model answer unlocks once the
    candidate has answered it, which is interview history."""
    question = questions.get_published(db, slug)
    content = questions.current_content(question)
    competencies = {c.id: c for c in questions.list_competencies(db)}
    context = {
        "question": question,
        "content": content,
        "prompt_html": render_markdown(content.prompt),
        "competencies": competencies,
        "model_answer_unlocked": history.model_answer_unlocked(db, user, question),
    }
    return render(request, "questions/question.html", context)
