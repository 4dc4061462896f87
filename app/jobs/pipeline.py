"""The answer pipeline: uploaded -> transcribed -> analysed -> scored.

Each step is idempotent and recorded in the database, which is the source of truth. Slow work
(decoding, speech recognition, video analysis) happens outside any transaction; its result is
written in a short one that also moves the take to its next state. Media steps run in a child
process with memory and time limits, on only the allowed part of the recording (the answer
limit plus grace). A worker holds a lease on the take while it works, renewed while a long step
runs, so two workers never process the same take; a killed worker's take is picked up again by
the reconciler once its lease runs out, and a stopped worker's take at once."""

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from app.config import get_settings
from app.db import get_sessionmaker
from app.interviews import lifecycle
from app.interviews.takes import GRACE_SECONDS, limits
from app.jobs import media_process
from app.jobs.media_process import Limits, StepFailed, WorkInterrupted
from app.jobs.queue import enqueue_after_commit, job
from app.media.errors import MediaError
from app.media.storage import get_storage
from app.media.transcript_text import WordTiming
from app.media.transcription import Transcript, transcribe_recording
from app.media.video import VideoAnalysis, analyse_video
from app.metrics import STEP_FAILURES, STEP_SECONDS
from app.models import (
    AnswerMode,
    Competency,
    InterviewSession,
    QuestionVersion,
    SessionQuestion,
    Take,
    TakeScore,
    TakeState,
    TakeTranscript,
    TakeVideoReport,
)
from app.models.base import utcnow
from app.questions import service as questions
from app.questions.schemas import QuestionFile
from app.scoring.schemas import ScoringInput
from app.scoring.service import Scorer, build_scorer

log = logging.getLogger(__name__)
FRAME_EVERY_SECONDS = 1.0  # video analysis samples one frame per second of recording
T = TypeVar("T")


class TakeGone(Exception):
    """The take was deleted (with its session) while it was being processed."""


def _take(db: Session, take_id: int) -> Take:
    take = db.scalar(
        select(Take)
        .where(Take.id == take_id)
        .options(selectinload(Take.session_question).selectinload(SessionQuestion.question_version))
    )
    if take is None:
        raise TakeGone(take_id)
    return take


def _allowed_seconds(take: Take) -> float:
    """How much of a recording is processed: the answer limit plus the grace period."""
    return limits(take.session_question)[1] + GRACE_SECONDS


def _isolated(what: str, take_id: int, function: Callable[..., T], *args: Any) -> T:
    """Run a media function in the limited child process, renewing the take's lease meanwhile."""
    settings = get_settings()
    return media_process.run_limited(
        function,
        *args,
        what=what,
        limits=Limits(seconds=settings.media_step_seconds, memory_mb=settings.media_memory_mb),
        heartbeat=lambda: _renew(take_id),
        heartbeat_seconds=settings.pipeline_lease_seconds / 3,
    )


# --- leases -------------------------------------------------------------------------------------


def claim(take_id: int, now: datetime) -> bool:
    """Take the lease on a take that needs work, unless another worker holds it."""
    lease = timedelta(seconds=get_settings().pipeline_lease_seconds)
    with get_sessionmaker().begin() as db:
        result = db.execute(
            update(Take)
            .where(
                Take.id == take_id,
                Take.state.in_(TakeState.processing_states()),
                or_(Take.claimed_until.is_(None), Take.claimed_until < now),
            )
            .values(claimed_until=now + lease)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def release(take_id: int) -> None:
    with get_sessionmaker().begin() as db:
        db.execute(update(Take).where(Take.id == take_id).values(claimed_until=None))


# --- the steps ----------------------------------------------------------------------------------


def transcribe_step(take_id: int) -> None:
    with get_sessionmaker()() as db:
        take = _take(db, take_id)
        typed = take.mode == AnswerMode.typed
        glossary = list(take.session_question.question_version.content["glossary"])
        key, media_type = take.media_key, take.media_type or "video/webm"
        typed_text, allowed = take.typed_text or "", _allowed_seconds(take)
    transcript = None
    if not typed:
        with get_storage().recording_file(key, media_type) as path:
            transcript = _isolated(
                "Transcription", take_id, transcribe_recording, get_settings(), path, glossary, allowed
            )
    with get_sessionmaker().begin() as db:
        take = _take(db, take_id)
        if take.state != TakeState.uploaded:
            return  # already done by an earlier attempt
        db.add(_transcript_row(take_id, transcript, typed_text))
        if transcript is not None:
            take.duration_seconds = transcript.duration_seconds
            take.overran = take.overran or transcript.ran_over
        lifecycle.advance(take, TakeState.transcribed)


def _transcript_row(take_id: int, transcript: Transcript | None, typed_text: str) -> TakeTranscript:
    if transcript is None:
        return TakeTranscript(take_id=take_id, text=typed_text, words=[], model="typed", language=None)
    words = [w.model_dump() for w in transcript.words]
    return TakeTranscript(
        take_id=take_id,
        text=transcript.text,
        words=words,
        model=transcript.model,
        language=transcript.language,
    )


def analyse_step(take_id: int) -> None:
    with get_sessionmaker()() as db:
        take = _take(db, take_id)
        video = take.mode == AnswerMode.video
        key, media_type, allowed = take.media_key, take.media_type or "video/webm", _allowed_seconds(take)
    observed: dict[str, Any] = {"frames_sampled": 0, "notes": ["This answer has no video."]}
    poster = None
    if video:
        with get_storage().recording_file(key, media_type) as path:
            analysis: VideoAnalysis = _isolated(
                "Video analysis", take_id, analyse_video, path, FRAME_EVERY_SECONDS, allowed
            )
        poster = analysis.poster_jpeg
        observed = analysis.model_dump(exclude={"poster_jpeg"})
    if poster:
        get_storage().write_poster(key, poster)
    with get_sessionmaker().begin() as db:
        take = _take(db, take_id)
        if take.state != TakeState.transcribed:
            return
        db.add(TakeVideoReport(take_id=take_id, analysis=observed, has_poster=bool(poster)))
        lifecycle.advance(take, TakeState.analysed)


def score_step(take_id: int) -> None:
    """Score the answer, or (for a session the AI must not score: the candidate declined, or the
    assessment does not use it) finish it unscored: no scorer runs and no score row is written."""
    with get_sessionmaker()() as db:
        take = _take(db, take_id)
        ai_scoring = db.get_one(InterviewSession, take.session_question.session_id).ai_scoring
    if not ai_scoring:
        _finish_unscored(take_id)
        return
    with get_sessionmaker()() as db:
        take = _take(db, take_id)
        transcript = db.scalars(select(TakeTranscript).where(TakeTranscript.take_id == take_id)).one()
        version = take.session_question.question_version
        answer = ScoringInput(
            question=QuestionFile.model_validate(version.content),
            question_version=version.number,
            rubric_version=db.scalar(select(func.max(Competency.rubric_version))) or 1,
            text=transcript.text or "(no words were recognised)",
            duration_seconds=take.duration_seconds,
            # stored words also keep what the recogniser heard before a correction
            words=[
                WordTiming.model_validate({k: w[k] for k in WordTiming.model_fields if k in w})
                for w in transcript.words
            ]
            or None,
        )
    report = _scorer().score(answer)
    with get_sessionmaker().begin() as db:
        take = _take(db, take_id)
        if take.state != TakeState.analysed:
            return
        existing = db.scalar(select(TakeScore).where(TakeScore.take_id == take_id))
        if existing is not None:
            db.delete(existing)
            db.flush()
        values = {"report": report.model_dump(mode="json"), "overall": report.overall}
        db.add(TakeScore(take_id=take_id, scorer=report.scorer, fallback=report.fallback, **values))
        lifecycle.advance(take, TakeState.scored)


def _finish_unscored(take_id: int) -> None:
    with get_sessionmaker().begin() as db:
        take = _take(db, take_id)
        if take.state == TakeState.analysed:
            lifecycle.advance(take, TakeState.scored)


def _scorer() -> Scorer:
    """The configured scorer over the current bank (cached until a question version is added).
    Sessions here are never nested: on SQLite each holds the write lock while it is open."""
    with get_sessionmaker()() as db:
        newest = db.scalar(select(func.max(QuestionVersion.id))) or 0
    return _scorer_for_bank(newest)


@lru_cache(maxsize=1)
def _scorer_for_bank(newest_version_id: int) -> Scorer:  # noqa: ARG001 the cache key
    with get_sessionmaker()() as db:
        bank = questions.current_bank(db)
        competencies = questions.current_competencies(db)
    return build_scorer(get_settings(), bank, competencies)


STEPS = {
    TakeState.uploaded: transcribe_step,
    TakeState.transcribed: analyse_step,
    TakeState.analysed: score_step,
}
STEP_NAMES = {TakeState.uploaded: "transcribe", TakeState.transcribed: "analyse", TakeState.analysed: "score"}


def _run_step(state: TakeState, take_id: int) -> None:
    """One step, timed when it completes and counted when it fails (an interrupted or deleted
    take is neither)."""
    step, started = STEP_NAMES[state], time.perf_counter()
    try:
        STEPS[state](take_id)
    except (TakeGone, WorkInterrupted):
        raise
    except MediaError:
        STEP_FAILURES.labels(step, "media").inc()
        raise
    except Exception:
        STEP_FAILURES.labels(step, "error").inc()
        raise
    STEP_SECONDS.labels(step).observe(time.perf_counter() - started)


# --- running a take through the steps ----------------------------------------------------------


def process_take(take_id: int) -> TakeState | None:
    """Run every remaining step of one take. Returns its final state, or None when another
    worker holds it. A broken recording fails at once with a readable reason; anything else
    is retried up to COACH_PIPELINE_MAX_ATTEMPTS times, then shown as needing attention."""
    if not claim(take_id, utcnow()):
        return None
    try:
        while (state := _state(take_id)) in STEPS:
            if media_process.stopping():
                raise WorkInterrupted(state.value)
            _renew(take_id)
            _run_step(state, take_id)
        return _state(take_id)
    except MediaError as error:
        _fail(take_id, error.message)
        return TakeState.failed
    except TakeGone:
        log.info("take %s was deleted while it was being processed", take_id)
        return None
    except WorkInterrupted:
        log.info("shutting down: take %s is released and will be processed again", take_id)
        _send_again_later(take_id)
        return None
    except Exception as error:
        log.exception("pipeline step failed for take %s", take_id)
        return _record_attempt(take_id, error)
    finally:
        release(take_id)


def _state(take_id: int) -> TakeState:
    with get_sessionmaker()() as db:
        state = db.scalar(select(Take.state).where(Take.id == take_id))
        if state is None:
            raise TakeGone(take_id)
        return state


def _renew(take_id: int) -> None:
    lease = timedelta(seconds=get_settings().pipeline_lease_seconds)
    with get_sessionmaker().begin() as db:
        result = db.execute(update(Take).where(Take.id == take_id).values(claimed_until=utcnow() + lease))
        if not result.rowcount:  # type: ignore[attr-defined]
            raise TakeGone(take_id)


def _send_again_later(take_id: int) -> None:
    """Interrupted work: the next reconciler pass (in any consumer) sends the take again."""
    with get_sessionmaker().begin() as db:
        db.execute(update(Take).where(Take.id == take_id).values(enqueued_at=None))


def _fail(take_id: int, reason: str) -> None:
    with get_sessionmaker().begin() as db:
        take = db.get(Take, take_id)
        if take is not None and take.state.processing:
            lifecycle.fail(take, reason)


def _record_attempt(take_id: int, error: Exception) -> TakeState:
    """Count a failed attempt; after the last one the take needs attention (with a retry button)."""
    reason = (str(error) if isinstance(error, StepFailed) else f"{type(error).__name__}: {error}")[:500]
    with get_sessionmaker().begin() as db:
        take = db.get(Take, take_id)
        if take is None:
            return TakeState.failed
        take.attempts += 1
        take.last_error = reason
        if take.attempts >= get_settings().pipeline_max_attempts and take.state.processing:
            lifecycle.fail(
                take, f"Processing failed {take.attempts} times ({reason}). Try again, or contact us."
            )
        else:
            take.enqueued_at = None  # the reconciler sends it round again
        return take.state


# --- the reconciler -----------------------------------------------------------------------------


def reconcile(now: datetime) -> list[int]:
    """Compare what every answer should have with what it has: re-enqueue each take that needs
    work and is neither queued recently nor leased by a live worker. Returns the takes sent."""
    lease = timedelta(seconds=get_settings().pipeline_lease_seconds)
    with get_sessionmaker().begin() as db:
        due = list(
            db.scalars(
                select(Take.id).where(
                    Take.state.in_(TakeState.processing_states()),
                    or_(Take.claimed_until.is_(None), Take.claimed_until < now),
                    or_(Take.enqueued_at.is_(None), Take.enqueued_at < now - lease),
                )
            )
        )
        if due:
            db.execute(update(Take).where(Take.id.in_(due)).values(enqueued_at=now))
        for take_id in due:
            enqueue_after_commit(db, "process_take", take_id)
    return due


@job("process_take")
def process_take_job(take_id: int) -> None:
    process_take(take_id)
