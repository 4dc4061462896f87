"""Takes and timing: beginning a take, the answer clock, handing an answer in, choosing or
skipping, where a question stands, corrections and retries, and the clean-up of takes never finished.

The server is the authority on time: it records when a take's answer started and ended and
marks takes that ran over. Every function takes `now`, so tests control the clock. State
changes go through `lifecycle`."""

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.errors import Conflict, Gone, InvalidInput, NotFound, TooManyRequests
from app.interviews import lifecycle
from app.interviews.service import finish_if_complete, next_position, require_consent, session_question
from app.media.storage import MediaStorage, new_media_key
from app.models import (
    AnswerMode,
    InterviewSession,
    SessionQuestion,
    Take,
    TakeState,
    TakeTranscript,
    TakeVideoReport,
    User,
)

GRACE_SECONDS = 10  # the tail of a recording may arrive this long after the limit
RESCORE_INTERVAL_SECONDS = 30  # transcript corrections of one take: at most one per interval


def limits(question: SessionQuestion) -> tuple[int, int]:
    """Preparation and answer seconds: an assessment's for its candidate, else the question's own."""
    content = question.question_version.content
    prep = question.prep_seconds if question.prep_seconds is not None else int(content["prep_seconds"])
    answer = (
        question.answer_seconds if question.answer_seconds is not None else int(content["answer_seconds"])
    )
    return prep, answer


def takes_left(interview: InterviewSession, question: SessionQuestion) -> int:
    """Takes still to begin: every take begun counts, including one in progress or one whose
    time ran out with nothing saved (so waiting out the clock never buys a fresh preparation)."""
    return 1 + interview.retakes_allowed - len(question.takes)


def current_take(question: SessionQuestion) -> Take | None:
    return next((t for t in question.takes if t.state.unfinished), None)


def begin_take(
    db: Session,
    user: User,
    interview: InterviewSession,
    position: int,
    now: datetime,
    retake: bool = False,
) -> Take:
    """A take ready for its preparation countdown. Reopening the page returns the same
    unfinished take, so a reload never burns a retake; a question that already has a take gets
    another only when the candidate asks for it (`retake`), so Back never starts one."""
    require_consent(db, user, interview)
    if interview.closes_at is not None and now >= interview.closes_at:
        raise Gone("This interview is closed: its deadline has passed or it was submitted.")
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
    db.add(take)
    db.flush()
    set_committed_value(take, "chunks", [])
    return take


def get_take(db: Session, user: User, take_id: int) -> Take:
    """The user's own take, with its question, session and chunks."""
    take = db.scalar(
        select(Take)
        .where(Take.id == take_id)
        .options(
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
        close_answer(take, now)


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


def close_answer(take: Take, now: datetime) -> None:
    take.ended_at = take.ended_at or now
    end = deadline(take)
    take.overran = end is not None and take.ended_at > end + timedelta(seconds=GRACE_SECONDS)


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
    hand_in(take, now)
    return take


def hand_in(take: Take, now: datetime) -> None:
    close_answer(take, now)
    lifecycle.submit(take, now)
    question = take.session_question
    question.chosen_take_id = take.id  # the latest take is kept unless the candidate chooses another
    finish_if_complete(question.session, now)


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
    finish_if_complete(interview, now)


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


def correct_transcript(db: Session, take: Take, text: str, now: datetime) -> None:
    """The candidate's correction replaces the words scored; the recognised text is kept."""
    transcript = db.scalar(select(TakeTranscript).where(TakeTranscript.take_id == take.id))
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


def retry_take(db: Session, take: Take, now: datetime) -> None:
    """Send an answer that needs attention through the pipeline again, from its first missing step."""
    if take.state != TakeState.failed:
        raise Conflict("Only an answer that needs attention can be retried.")
    has = {
        model: db.scalar(select(model.id).where(model.take_id == take.id)) is not None
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


def abandon_stale_takes(db: Session, storage: MediaStorage, hours: float, now: datetime) -> list[int]:
    """Takes never finished within `hours` end as expired: what was uploaded of them is deleted
    (freeing the candidate's storage) and the take says so."""
    stale = list(
        db.scalars(
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
    db.flush()
    return [take.id for take in stale]
