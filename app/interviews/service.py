"""Interview sessions: consent, choosing questions, and the session as a whole (its questions,
which are settled, deleting it with its recordings). A question's takes and timing are in
`takes.py`; resumable uploads of recordings in `uploads.py`. Work per user is bounded: sessions
per day here, storage per account in uploads, and unfinished takes are cleaned up after a while."""

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from app.config import Settings
from app.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests
from app.media.storage import MediaStorage
from app.models import (
    AnswerMode,
    ConsentRecord,
    InterviewSession,
    Question,
    SessionKind,
    SessionQuestion,
    Take,
    User,
)
from app.questions import service as questions
from app.questions.schemas import CATEGORIES

CONSENT_VERSION = "2026-11"
MOCK_QUESTIONS = 5
MAX_QUESTIONS = 10


def has_consent(session: Session, user: User) -> bool:
    query = select(ConsentRecord.id).where(
        ConsentRecord.user_id == user.id, ConsentRecord.version == CONSENT_VERSION
    )
    return session.scalar(query) is not None


def give_consent(session: Session, user: User, now: datetime) -> None:
    if not has_consent(session, user):
        session.add(ConsentRecord(user_id=user.id, version=CONSENT_VERSION, given_at=now))
        session.flush()


def require_consent(session: Session, user: User) -> None:
    if not has_consent(session, user):
        raise Forbidden("Please read and accept how answers are recorded and scored before answering.")


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
    require_consent(session, user)
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


def finish_if_complete(interview: InterviewSession, now: datetime) -> None:
    if interview.finished_at is None and next_position(interview) is None:
        interview.finished_at = now


def chosen_takes(interview: InterviewSession) -> Sequence[Take | None]:
    return [next((t for t in q.takes if t.id == q.chosen_take_id), None) for q in interview.questions]
