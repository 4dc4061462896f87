"""The answer pipeline: uploaded -> transcribed -> analysed -> scored.

Each step is idempotent and recorded in the database, which is the source of truth. Slow work
(decoding, speech recognition, video analysis) happens outside any transaction; its result is
written in a short one that also moves the take to its next state. A worker holds a lease on
the take while it works, so two workers never process the same take, and a killed worker's
take is picked up again by the reconciler once its lease runs out."""

import logging
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from app.config import get_settings
from app.db import get_sessionmaker
from app.interviews.service import GRACE_SECONDS, limits
from app.jobs.queue import enqueue, job
from app.media.errors import MediaError
from app.media.transcription import build_transcriber
from app.media.video import analyse_video
from app.models import (
    AnswerMode,
    Competency,
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
from app.scoring.schemas import ScoringInput, WordTiming
from app.scoring.service import Scorer, build_scorer
from app.storage import get_storage

log = logging.getLogger(__name__)
IN_PROGRESS = (TakeState.uploaded, TakeState.transcribed, TakeState.analysed)


def _take(session: Session, take_id: int) -> Take:
    take = session.scalar(
        select(Take)
        .where(Take.id == take_id)
        .options(selectinload(Take.session_question).selectinload(SessionQuestion.question_version))
    )
    if take is None:
        raise LookupError(f"take {take_id} does not exist")
    return take


# --- leases -------------------------------------------------------------------------------------


def claim(take_id: int, now: datetime) -> bool:
    """Take the lease on a take that needs work, unless another worker holds it."""
    lease = timedelta(seconds=get_settings().pipeline_lease_seconds)
    with get_sessionmaker().begin() as session:
        result = session.execute(
            update(Take)
            .where(
                Take.id == take_id,
                Take.state.in_(IN_PROGRESS),
                or_(Take.claimed_until.is_(None), Take.claimed_until < now),
            )
            .values(claimed_until=now + lease)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def release(take_id: int) -> None:
    with get_sessionmaker().begin() as session:
        session.execute(update(Take).where(Take.id == take_id).values(claimed_until=None))


# --- the steps ----------------------------------------------------------------------------------


def transcribe_step(take_id: int) -> None:
    with get_sessionmaker()() as session:
        take = _take(session, take_id)
        typed = take.mode == AnswerMode.typed
        glossary = list(take.session_question.question_version.content["glossary"])
        path = (
            None if typed else get_storage().recording_path(take.media_key, take.media_type or "video/webm")
        )
        typed_text = take.typed_text or ""
    if typed:
        text, words, model, language, duration = typed_text, [], "typed", None, None
    else:
        assert path is not None
        transcript = build_transcriber(get_settings()).transcribe(path, glossary)
        text, model, language, duration = (
            transcript.text,
            transcript.model,
            transcript.language,
            transcript.duration_seconds,
        )
        words = [w.model_dump() for w in transcript.words]
    with get_sessionmaker().begin() as session:
        take = _take(session, take_id)
        if take.state != TakeState.uploaded:
            return  # already done by an earlier attempt
        session.add(TakeTranscript(take_id=take_id, text=text, words=words, model=model, language=language))
        if duration is not None:
            take.duration_seconds = duration
            _, answer_seconds = limits(take.session_question)
            take.overran = take.overran or duration > answer_seconds + GRACE_SECONDS
        take.state = TakeState.transcribed


def analyse_step(take_id: int) -> None:
    with get_sessionmaker()() as session:
        take = _take(session, take_id)
        video = take.mode == AnswerMode.video
        key, media_type = take.media_key, take.media_type or "video/webm"
    data: dict[str, Any] = {"frames_sampled": 0, "notes": ["This answer has no video."]}
    poster = None
    if video:
        analysis = analyse_video(get_storage().recording_path(key, media_type))
        poster = analysis.poster_jpeg
        data = analysis.model_dump(exclude={"poster_jpeg"})
    if poster:
        get_storage().poster_path(key).write_bytes(poster)
    with get_sessionmaker().begin() as session:
        take = _take(session, take_id)
        if take.state != TakeState.transcribed:
            return
        session.add(TakeVideoReport(take_id=take_id, data=data, has_poster=bool(poster)))
        take.state = TakeState.analysed


def score_step(take_id: int) -> None:
    with get_sessionmaker()() as session:
        take = _take(session, take_id)
        transcript = session.scalars(select(TakeTranscript).where(TakeTranscript.take_id == take_id)).one()
        version = take.session_question.question_version
        answer = ScoringInput(
            question=QuestionFile.model_validate(version.content),
            question_version=version.number,
            rubric_version=session.scalar(select(func.max(Competency.rubric_version))) or 1,
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
    with get_sessionmaker().begin() as session:
        take = _take(session, take_id)
        if take.state != TakeState.analysed:
            return
        existing = session.scalar(select(TakeScore).where(TakeScore.take_id == take_id))
        if existing is not None:
            session.delete(existing)
            session.flush()
        values = {"report": report.model_dump(mode="json"), "overall": report.overall}
        session.add(TakeScore(take_id=take_id, scorer=report.scorer, fallback=report.fallback, **values))
        take.state = TakeState.scored


def _scorer() -> Scorer:
    """The configured scorer over the current bank (cached until a question version is added).
    Sessions here are never nested: on SQLite each holds the write lock while it is open."""
    with get_sessionmaker()() as session:
        newest = session.scalar(select(func.max(QuestionVersion.id))) or 0
    return _scorer_for_bank(newest)


@lru_cache(maxsize=1)
def _scorer_for_bank(newest_version_id: int) -> Scorer:
    with get_sessionmaker()() as session:
        bank = questions.current_bank(session)
    return build_scorer(get_settings(), bank)


STEPS = {
    TakeState.uploaded: transcribe_step,
    TakeState.transcribed: analyse_step,
    TakeState.analysed: score_step,
}


# --- running a take through the steps ----------------------------------------------------------


def process_take(take_id: int) -> TakeState | None:
    """Run every remaining step of one take. Returns its final state, or None when another
    worker holds it. A broken recording fails at once with a readable reason; anything else
    is retried up to COACH_PIPELINE_MAX_ATTEMPTS times, then shown as needing attention."""
    if not claim(take_id, utcnow()):
        return None
    try:
        while (state := _state(take_id)) in STEPS:
            _renew(take_id)
            STEPS[state](take_id)
        return _state(take_id)
    except MediaError as error:
        _fail(take_id, error.message)
        return TakeState.failed
    except LookupError:
        return None  # the candidate deleted the session while it was being processed
    except Exception as error:
        log.exception("pipeline step failed for take %s", take_id)
        return _record_attempt(take_id, error)
    finally:
        release(take_id)


def _state(take_id: int) -> TakeState:
    with get_sessionmaker()() as session:
        state = session.scalar(select(Take.state).where(Take.id == take_id))
        if state is None:
            raise LookupError(f"take {take_id} does not exist")
        return state


def _renew(take_id: int) -> None:
    lease = timedelta(seconds=get_settings().pipeline_lease_seconds)
    with get_sessionmaker().begin() as session:
        session.execute(update(Take).where(Take.id == take_id).values(claimed_until=utcnow() + lease))


def _fail(take_id: int, reason: str) -> None:
    with get_sessionmaker().begin() as session:
        session.execute(
            update(Take).where(Take.id == take_id).values(state=TakeState.failed, failure_reason=reason)
        )


def _record_attempt(take_id: int, error: Exception) -> TakeState:
    """Count a failed attempt; after the last one the take needs attention (with a retry button)."""
    reason = f"{type(error).__name__}: {error}"[:500]
    with get_sessionmaker().begin() as session:
        take = session.get(Take, take_id)
        if take is None:
            return TakeState.failed
        take.attempts += 1
        take.last_error = reason
        if take.attempts >= get_settings().pipeline_max_attempts:
            take.state = TakeState.failed
            take.failure_reason = (
                f"Processing failed {take.attempts} times ({reason}). Try again, or contact us."
            )
        else:
            take.enqueued_at = None  # the reconciler sends it round again
        return take.state


# --- the reconciler -----------------------------------------------------------------------------


def reconcile(now: datetime) -> list[int]:
    """Compare what every answer should have with what it has: re-enqueue each take that needs
    work and is neither queued recently nor leased by a live worker. Returns the takes sent."""
    lease = timedelta(seconds=get_settings().pipeline_lease_seconds)
    with get_sessionmaker().begin() as session:
        due = list(
            session.scalars(
                select(Take.id).where(
                    Take.state.in_(IN_PROGRESS),
                    or_(Take.claimed_until.is_(None), Take.claimed_until < now),
                    or_(Take.enqueued_at.is_(None), Take.enqueued_at < now - lease),
                )
            )
        )
        if due:
            session.execute(update(Take).where(Take.id.in_(due)).values(enqueued_at=now))
    for take_id in due:
        enqueue("process_take", take_id)
    return due


@job("process_take")
def process_take_job(take_id: int) -> None:
    process_take(take_id)
