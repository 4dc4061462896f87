"""Interview sessions: consent, choosing questions, takes, timing and resumable uploads.

The server is the authority on time: it records when a take's answer started and ended, accepts
the tail of an upload within a grace period, and marks takes that ran over. Every function takes
`now`, so tests control the clock. Work and storage per user are bounded: sessions per day,
megabytes of recordings per account, and unfinished takes are cleaned up after a while."""

import enum
import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.config import Settings
from app.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    TooManyRequests,
    UnsupportedMedia,
)
from app.interviews import lifecycle
from app.models import (
    AnswerMode,
    ConsentRecord,
    InterviewSession,
    Question,
    SessionKind,
    SessionQuestion,
    Take,
    TakeState,
    TakeTranscript,
    TakeVideoReport,
    UploadChunk,
    User,
)
from app.models.base import utcnow
from app.questions import service as questions
from app.questions.schemas import CATEGORIES
from app.storage import EXTENSIONS, MediaStorage, new_media_key

CONSENT_VERSION = "2026-11"
GRACE_SECONDS = 10  # the tail of a recording may arrive this long after the limit
TAIL_SECONDS = 120  # chunks recorded before the stop may upload this long after it
RESCORE_INTERVAL_SECONDS = 30  # transcript corrections of one take: at most one per interval
CHUNK_LIMIT_BYTES = 8 * 1024 * 1024
MAX_CHUNKS = 2000
MOCK_QUESTIONS = 5
MAX_QUESTIONS = 10


# --- consent ------------------------------------------------------------------------------------


def has_consent(session: Session, user: User) -> bool:
    query = select(ConsentRecord.id).where(
        ConsentRecord.user_id == user.id, ConsentRecord.version == CONSENT_VERSION
    )
    return session.scalar(query) is not None


def give_consent(session: Session, user: User, now: datetime) -> None:
    if not has_consent(session, user):
        session.add(ConsentRecord(user_id=user.id, version=CONSENT_VERSION, given_at=now))
        session.flush()


def _require_consent(session: Session, user: User) -> None:
    if not has_consent(session, user):
        raise Forbidden("Please read and accept how answers are recorded and scored before answering.")


# --- sessions -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionRequest:
    kind: SessionKind
    mode: AnswerMode
    category: str = ""
    difficulty: str = ""
    count: int = 3
    question: str = ""  # the slug, for a single-question session
    retakes: int = 1


def chosen_kind(wanted: SessionRequest) -> SessionKind:
    """Picking a question means practising that one question, whichever kind was ticked,
    except for a mock interview, which never takes a chosen question."""
    return SessionKind.single if wanted.question and wanted.kind == SessionKind.practice else wanted.kind


def _pick_questions(session: Session, wanted: SessionRequest, rng: random.Random) -> list[Question]:
    if wanted.kind == SessionKind.single:
        return [questions.get_published(session, wanted.question)]
    if wanted.kind == SessionKind.mock:
        pool = questions.list_published(session)
        picked = [rng.choice(group) for c in CATEGORIES if (group := [q for q in pool if q.category == c])]
        rest = [q for q in pool if q not in picked]
        return picked + rng.sample(rest, min(len(rest), MOCK_QUESTIONS - len(picked)))
    if not 1 <= wanted.count <= MAX_QUESTIONS:
        raise InvalidInput(f"Choose between 1 and {MAX_QUESTIONS} questions.")
    pool = questions.list_published(session, wanted.category, wanted.difficulty)
    if not pool:
        raise InvalidInput("No published questions match that category and difficulty; try a wider choice.")
    return rng.sample(pool, min(wanted.count, len(pool)))


def start_session(
    session: Session,
    user: User,
    wanted: SessionRequest,
    settings: Settings,
    now: datetime,
    rng: random.Random | None = None,
) -> InterviewSession:
    """A new session whose questions are pinned to the versions current right now."""
    _require_consent(session, user)
    _check_sessions_per_day(session, user, settings.sessions_per_day, now)
    wanted = replace(wanted, kind=chosen_kind(wanted))
    picked = _pick_questions(session, wanted, rng or random.Random())  # noqa: S311 - not security
    interview = InterviewSession(
        user_id=user.id, kind=wanted.kind, mode=wanted.mode, retakes_allowed=wanted.retakes, created_at=now
    )
    session.add(interview)
    session.flush()
    for position, question in enumerate(picked, start=1):
        assert question.current_version_id is not None
        session.add(
            SessionQuestion(
                session_id=interview.id, position=position, question_version_id=question.current_version_id
            )
        )
    session.flush()
    return interview


def _check_sessions_per_day(session: Session, user: User, limit: int, now: datetime) -> None:
    """At most `limit` sessions started in any 24 hours; the refusal says when the next one is possible."""
    since = now - timedelta(days=1)
    started = list(
        session.scalars(
            select(InterviewSession.created_at)
            .where(InterviewSession.user_id == user.id, InterviewSession.created_at > since)
            .order_by(InterviewSession.created_at.desc())
            .limit(limit)
        )
    )
    if len(started) >= limit:
        next_at = started[-1] + timedelta(days=1)
        raise TooManyRequests(
            f"You have started {limit} sessions in the last 24 hours, the most allowed. You can start "
            f"another at {next_at:%H:%M} UTC on {next_at:%d %B}; until then, continue one you have started."
        )


def delete_session(session: Session, storage: MediaStorage, user: User, session_id: int) -> None:
    """Delete a session with every answer, transcript, score and recording file of it, as the
    consent text promises. The database cascades the rows; the files are removed here."""
    interview = get_session(session, user, session_id)
    keys = [take.media_key for question in interview.questions for take in question.takes]
    session.expunge(interview)
    session.execute(delete(InterviewSession).where(InterviewSession.id == session_id))
    for key in keys:
        storage.remove(key)


def change_mode(interview: InterviewSession, mode: AnswerMode) -> None:
    """Switch to audio-only or typed answers (a camera that will not work), before any take."""
    if any(q.takes for q in interview.questions):
        raise Conflict("This session has answers already; start a new session to answer another way.")
    interview.mode = mode


def _load_session(session: Session, session_id: int) -> InterviewSession | None:
    return session.scalar(
        select(InterviewSession)
        .where(InterviewSession.id == session_id)
        .options(
            selectinload(InterviewSession.questions).selectinload(SessionQuestion.question_version),
            selectinload(InterviewSession.questions)
            .selectinload(SessionQuestion.takes)
            .selectinload(Take.chunks),
            selectinload(InterviewSession.questions)
            .selectinload(SessionQuestion.takes)
            .selectinload(Take.session_question),
            selectinload(InterviewSession.questions).selectinload(SessionQuestion.session),
        )
    )


def get_session(session: Session, user: User, session_id: int) -> InterviewSession:
    """The user's own session; another user's is reported as not found, not as forbidden."""
    interview = _load_session(session, session_id)
    if interview is None or interview.user_id != user.id:
        raise NotFound("There is no such session.")
    return interview


def list_sessions(session: Session, user: User) -> list[InterviewSession]:
    query = (
        select(InterviewSession)
        .where(InterviewSession.user_id == user.id)
        .options(selectinload(InterviewSession.questions).selectinload(SessionQuestion.takes))
        .order_by(InterviewSession.created_at.desc(), InterviewSession.id.desc())
    )
    return list(session.scalars(query))


def session_question(interview: InterviewSession, position: int) -> SessionQuestion:
    found = next((q for q in interview.questions if q.position == position), None)
    if found is None:
        raise NotFound("This session has no such question.")
    return found


def is_settled(question: SessionQuestion) -> bool:
    """Answered (a take is kept) or explicitly skipped: nothing more is asked of the candidate."""
    return question.chosen_take_id is not None or question.skipped_at is not None


def next_position(interview: InterviewSession, after: int = 0) -> int | None:
    """The first question after `after` still waiting for an answer or a skip, wrapping round
    to earlier ones; None when every question is answered or skipped."""
    waiting = [q.position for q in interview.questions if not is_settled(q)]
    return next((p for p in waiting if p > after), waiting[0] if waiting else None)


def _finish_if_complete(interview: InterviewSession, now: datetime) -> None:
    if interview.finished_at is None and next_position(interview) is None:
        interview.finished_at = now


# --- takes and timing ---------------------------------------------------------------------------


def limits(question: SessionQuestion) -> tuple[int, int]:
    content = question.question_version.content
    return int(content["prep_seconds"]), int(content["answer_seconds"])


def takes_left(interview: InterviewSession, question: SessionQuestion) -> int:
    """Takes still to begin: every take begun counts, including one in progress or one whose
    time ran out with nothing saved (so waiting out the clock never buys a fresh preparation)."""
    return 1 + interview.retakes_allowed - len(question.takes)


def current_take(question: SessionQuestion) -> Take | None:
    return next((t for t in question.takes if t.state.unfinished), None)


def begin_take(
    session: Session,
    user: User,
    interview: InterviewSession,
    position: int,
    now: datetime,
    retake: bool = False,
) -> Take:
    """A take ready for its preparation countdown. Reopening the page returns the same
    unfinished take, so a reload never burns a retake; a question that already has a take gets
    another only when the candidate asks for it (`retake`), so Back never starts one."""
    _require_consent(session, user)
    question = session_question(interview, position)
    unfinished = current_take(question)
    if unfinished is not None and settle(unfinished, now).unfinished:
        return unfinished
    if question.takes and not retake:
        raise Conflict("This question has a take already; choose Record again to use another.")
    if takes_left(interview, question) <= 0:
        raise Conflict("You have used every take for this question.")
    question.skipped_at = None
    take = Take(
        session_question=question,
        number=len(question.takes) + 1,
        mode=interview.mode,
        state=TakeState.preparing,
        prep_started_at=now,
        media_key=new_media_key(),
    )
    session.add(take)
    session.flush()
    set_committed_value(take, "chunks", [])
    return take


def get_take(session: Session, user: User, take_id: int, *, lock: bool = False) -> Take:
    """The user's own take. `lock` holds its row until the transaction ends (PostgreSQL), so
    parallel chunk uploads of one take are checked one after another against its size cap."""
    query = select(Take).where(Take.id == take_id)
    take = session.scalar(
        (query.with_for_update(of=Take) if lock else query).options(
            selectinload(Take.session_question)
            .selectinload(SessionQuestion.session)
            .selectinload(InterviewSession.questions),
            selectinload(Take.session_question).selectinload(SessionQuestion.question_version),
            selectinload(Take.session_question).selectinload(SessionQuestion.takes),
            selectinload(Take.chunks),
        )
    )
    if take is None or take.session_question.session.user_id != user.id:
        raise NotFound("There is no such answer.")
    return take


def deadline(take: Take) -> datetime | None:
    if take.answer_started_at is None:
        return None
    return take.answer_started_at + timedelta(seconds=limits(take.session_question)[1])


def start_answer(take: Take, now: datetime) -> datetime:
    """Recording begins now, or when preparation time ran out if that was earlier (so waiting
    does not buy extra thinking time). Calling again changes nothing."""
    if not take.state.unfinished:
        raise Conflict("This answer is already submitted, or its time ran out.")
    if take.answer_started_at is None:
        lifecycle.start_recording(take, min(now, prep_end(take)))
    end = deadline(take)
    assert end is not None
    return end


def stop_answer(take: Take, now: datetime) -> None:
    """Recording stopped now; the upload may still be catching up."""
    if take.state == TakeState.recording:
        _close(take, now)


def settle(take: Take, now: datetime) -> TakeState:
    """Apply the server's clock to a take nobody is driving (the page was left or reloaded):
    preparation that ran out has started the answer clock, and an answer clock that ran out
    with nothing received ends the take as expired. Chunks kept in the browser are uploaded
    before the page asks, so nothing the candidate recorded is expired."""
    if take.state == TakeState.preparing and now >= prep_end(take):
        start_answer(take, now)
    end = deadline(take)
    if take.state == TakeState.recording and not take.chunks and end is not None and now >= end:
        lifecycle.expire(take, end)
    return take.state


def prep_end(take: Take) -> datetime:
    return take.prep_started_at + timedelta(seconds=limits(take.session_question)[0])


def _close(take: Take, now: datetime) -> None:
    take.ended_at = take.ended_at or now
    end = deadline(take)
    take.overran = end is not None and take.ended_at > end + timedelta(seconds=GRACE_SECONDS)


# --- uploads ------------------------------------------------------------------------------------


def is_media(data: bytes) -> bool:
    """WebM/Matroska starts with the EBML magic number; MP4 has an `ftyp` box first."""
    return data.startswith(b"\x1a\x45\xdf\xa3") or data[4:8] == b"ftyp"


def received(take: Take) -> list[int]:
    return [chunk.seq for chunk in take.chunks]


def receive_chunk(
    session: Session,
    storage: MediaStorage,
    settings: Settings,
    take: Take,
    seq: int,
    data: bytes,
    sha256: str,
    now: datetime | None = None,
) -> list[int]:
    """Store one chunk. Sending the same chunk again changes nothing; a chunk whose bytes do not
    match their checksum, or that differs from one already stored, is refused. The row goes in
    before the file: when two uploads of one number race, the loser's bytes never reach disk."""
    _check_accepts_chunks(take, now or utcnow())
    if not 0 <= seq < MAX_CHUNKS:
        raise InvalidInput(f"Chunk numbers run from 0 to {MAX_CHUNKS - 1}.")
    if hashlib.sha256(data).hexdigest() != sha256.lower():
        raise InvalidInput(
            "The chunk's checksum does not match its content; it was damaged in transit. Send it again."
        )
    existing = next((c for c in take.chunks if c.seq == seq), None)
    if existing is not None:
        if existing.sha256 != sha256.lower():
            raise Conflict(f"Chunk {seq} was already received with different content.")
        return received(take)
    if (
        len(data) > CHUNK_LIMIT_BYTES
        or sum(c.size for c in take.chunks) + len(data) > settings.max_upload_mb * 2**20
    ):
        raise PayloadTooLarge(f"Recordings are limited to {settings.max_upload_mb} MB.")
    _check_storage_quota(session, take, len(data), settings.storage_quota_mb)
    if seq == 0 and not is_media(data):
        raise UnsupportedMedia("This is not a WebM or MP4 recording.")
    chunk = UploadChunk(take_id=take.id, seq=seq, size=len(data), sha256=sha256.lower())
    try:
        with session.begin_nested():
            session.add(chunk)
    except IntegrityError:
        raise Conflict(f"Chunk {seq} arrived twice at once; ask which chunks arrived, then resend.") from None
    storage.write_chunk(take.media_key, seq, data)
    take.chunks.append(chunk)
    return received(take)


def _check_accepts_chunks(take: Take, now: datetime) -> None:
    """Recorded takes accept chunks while recording, and for TAIL_SECONDS after the recording
    stopped (the upload catching up); typed takes never."""
    if take.mode == AnswerMode.typed:
        raise Conflict("This answer is typed; it takes no recording.")
    if take.state != TakeState.recording:
        raise Conflict("This answer is not recording; start it first, or it was already submitted.")
    if take.ended_at is not None and now > take.ended_at + timedelta(seconds=TAIL_SECONDS):
        raise Conflict("This recording stopped too long ago to take more of it; finish it or start a retake.")


def storage_used(session: Session, user_id: int) -> int:
    """Bytes of every recording a user has uploaded (assembled recordings are their chunks)."""
    used = session.scalar(
        select(func.coalesce(func.sum(UploadChunk.size), 0))
        .join(Take, Take.id == UploadChunk.take_id)
        .join(SessionQuestion, SessionQuestion.id == Take.session_question_id)
        .join(InterviewSession, InterviewSession.id == SessionQuestion.session_id)
        .where(InterviewSession.user_id == user_id)
    )
    return int(used or 0)


def _check_storage_quota(session: Session, take: Take, size: int, quota_mb: int) -> None:
    used = storage_used(session, take.session_question.session.user_id)
    if used + size > quota_mb * 2**20:
        raise PayloadTooLarge(
            f"Your recordings use {used / 2**20:.0f} MB of the {quota_mb} MB each account may keep. "
            "Delete a session you no longer need to make room, then record this answer again."
        )


def finish_upload(
    storage: MediaStorage,
    take: Take,
    chunk_count: int,
    media_type: str,
    now: datetime,
    interrupted: bool = False,
) -> Take:
    """Assemble the recording once every chunk 0..count-1 is here, and close the take."""
    if take.state.submitted:
        return take  # finishing twice (a retried request) is not an error
    if take.state != TakeState.recording:
        raise Conflict("This answer was never started.")
    if media_type not in EXTENSIONS:
        raise UnsupportedMedia(f"Recordings must be one of {', '.join(EXTENSIONS)}.")
    missing = sorted(set(range(chunk_count)) - set(received(take)))
    if chunk_count < 1 or missing:
        raise Conflict(f"Chunks still missing: {missing[:20]}; send them, then finish again.")
    path = storage.assemble(take.media_key, chunk_count, media_type)
    take.media_type, take.media_bytes, take.interrupted = media_type, path.stat().st_size, interrupted
    if interrupted and take.ended_at is None:  # the recording ended when its last chunk arrived
        take.ended_at = max(chunk.received_at for chunk in take.chunks)
    _submit(take, now)
    return take


def submit_typed(take: Take, text: str, now: datetime) -> Take:
    if take.mode != AnswerMode.typed:
        raise Conflict("This answer is recorded, not typed.")
    if take.state.submitted:
        return take
    if not text.strip():
        raise InvalidInput("Type an answer before submitting.")
    if take.answer_started_at is None:
        take.answer_started_at = min(now, prep_end(take))
    take.typed_text = text.strip()
    _submit(take, now)
    return take


def _submit(take: Take, now: datetime) -> None:
    _close(take, now)
    lifecycle.submit(take, now)
    question = take.session_question
    question.chosen_take_id = take.id  # the latest take is kept unless the candidate chooses another
    _finish_if_complete(question.session, now)


def choose_take(interview: InterviewSession, position: int, take_id: int) -> None:
    question = session_question(interview, position)
    if not any(t.id == take_id and t.state.submitted for t in question.takes):
        raise NotFound("There is no such submitted take for this question.")
    question.chosen_take_id = take_id


def skip_question(interview: InterviewSession, position: int, now: datetime) -> None:
    """The candidate chose not to answer: a take in progress ends unsaved, and the session can
    finish without this question. Answering it later is still possible while takes are left."""
    question = session_question(interview, position)
    if question.chosen_take_id is not None:
        raise Conflict("This question is answered already; there is nothing to skip.")
    unfinished = current_take(question)
    if unfinished is not None:
        lifecycle.expire(unfinished, now)
    question.skipped_at = question.skipped_at or now
    _finish_if_complete(interview, now)


class Phase(enum.StrEnum):
    """What the answer page shows for one question, decided by the server."""

    new = "new"  # no take yet: the page starts the first preparation
    preparing = "preparing"  # the preparation countdown of the current take
    answering = "answering"  # the answer clock runs and nothing has arrived yet
    interrupted = "interrupted"  # part of a recording arrived, then the page went away
    answered = "answered"  # a submitted take is kept
    expired = "expired"  # the latest take's time ran out with nothing saved
    skipped = "skipped"


@dataclass(frozen=True)
class QuestionState:
    phase: Phase
    take: Take | None  # the take in progress, or the latest one
    takes_left: int
    next_position: int | None  # the next question waiting for the candidate, if any


def question_state(interview: InterviewSession, position: int, now: datetime) -> QuestionState:
    """Where one question stands right now, after applying the server's clock to a take in
    progress. The answer page follows this in every case: first visit, reload, Back, return."""
    question = session_question(interview, position)
    take = current_take(question)
    if take is not None:
        settle(take, now)
    latest = question.takes[-1] if question.takes else None
    return QuestionState(
        phase=_phase(question, latest),
        take=latest,
        takes_left=takes_left(interview, question),
        next_position=next_position(interview, after=position),
    )


def _phase(question: SessionQuestion, latest: Take | None) -> Phase:
    if latest is not None and latest.state == TakeState.preparing:
        return Phase.preparing
    if latest is not None and latest.state == TakeState.recording:
        return Phase.interrupted if latest.chunks else Phase.answering
    if question.skipped_at is not None:
        return Phase.skipped
    if question.chosen_take_id is not None:
        return Phase.answered
    return Phase.new if latest is None else Phase.expired


def chosen_takes(interview: InterviewSession) -> Sequence[Take | None]:
    return [next((t for t in q.takes if t.id == q.chosen_take_id), None) for q in interview.questions]


# --- after submission: corrections and retries --------------------------------------------------


def correct_transcript(session: Session, take: Take, text: str, now: datetime) -> None:
    """The candidate's correction replaces the words scored; the recognised text is kept."""
    transcript = session.scalar(select(TakeTranscript).where(TakeTranscript.take_id == take.id))
    if transcript is None or not take.state.transcript_correctable:
        raise Conflict("The transcript can be corrected once the answer has been processed.")
    if not text.strip():
        raise InvalidInput("The transcript cannot be empty.")
    if text.strip() == transcript.text:
        return
    _check_rescore_interval(transcript.edited_at, now)
    transcript.original_text = transcript.original_text or transcript.text
    transcript.text, transcript.edited_at = text.strip(), now
    lifecycle.rerun_from(take, TakeState.analysed, now)


def retry_take(session: Session, take: Take, now: datetime) -> None:
    """Send an answer that needs attention through the pipeline again, from its first missing step."""
    if take.state != TakeState.failed:
        raise Conflict("Only an answer that needs attention can be retried.")
    has = {
        model: session.scalar(select(model.id).where(model.take_id == take.id)) is not None
        for model in (TakeTranscript, TakeVideoReport)
    }
    start = TakeState.uploaded if not has[TakeTranscript] else TakeState.transcribed
    lifecycle.rerun_from(take, TakeState.analysed if has[TakeVideoReport] else start, now)


def _check_rescore_interval(last: datetime | None, now: datetime) -> None:
    """Each correction scores the answer again (with an LLM, a paid call). Retries need no limit
    of their own: each needs a failure first, and failing takes a whole pipeline run."""
    if last is not None and now < last + timedelta(seconds=RESCORE_INTERVAL_SECONDS):
        raise TooManyRequests(
            f"This answer was sent for scoring moments ago; wait {RESCORE_INTERVAL_SECONDS} seconds."
        )


# --- clean-up -----------------------------------------------------------------------------------


def abandon_stale_takes(session: Session, storage: MediaStorage, hours: float, now: datetime) -> list[int]:
    """Takes never finished within `hours` end as expired: what was uploaded of them is deleted
    (freeing the candidate's storage) and the take says so."""
    stale = list(
        session.scalars(
            select(Take)
            .where(
                Take.state.in_(TakeState.unfinished_states()),
                Take.prep_started_at < now - timedelta(hours=hours),
            )
            .options(selectinload(Take.chunks))
        )
    )
    for take in stale:
        storage.remove(take.media_key)
        take.chunks.clear()
        lifecycle.expire(
            take,
            take.ended_at or now,
            f"This answer was never finished, so what was uploaded of it was deleted after {hours:g} hours.",
        )
    session.flush()
    return [take.id for take in stale]
