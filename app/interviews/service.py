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


def has_consent(db: Session, user: User) -> bool:
    query = select(ConsentRecord.id).where(
        ConsentRecord.user_id == user.id, ConsentRecord.version == CONSENT_VERSION
    )
    return db.scalar(query) is not None


def give_consent(db: Session, user: User, now: datetime) -> None:
    if not has_consent(db, user):
        db.add(ConsentRecord(user_id=user.id, version=CONSENT_VERSION, given_at=now))
        db.flush()


def require_consent(db: Session, user: User, interview: InterviewSession) -> None:
    """Practice needs the practice consent; an assessment's session exists only once its
    candidate agreed to that assessment's own terms."""
    if interview.invitation_id is None and not has_consent(db, user):
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


def _pick_questions(db: Session, wanted: SessionRequest, rng: random.Random) -> list[Question]:
    if wanted.kind == SessionKind.single:
        return [questions.get_published(db, wanted.question)]
    if wanted.kind == SessionKind.mock:
        pool = questions.list_published(db)
        picked = [rng.choice(group) for c in CATEGORIES if (group := [q for q in pool if q.category == c])]
        rest = [q for q in pool if q not in picked]
        return picked + rng.sample(rest, min(len(rest), MOCK_QUESTIONS - len(picked)))
    if not 1 <= wanted.count <= MAX_QUESTIONS:
        raise InvalidInput(f"Choose between 1 and {MAX_QUESTIONS} questions.")
    pool = questions.list_published(db, wanted.category, wanted.difficulty)
    if not pool:
        raise InvalidInput("No published questions match that category and difficulty; try a wider choice.")
    return rng.sample(pool, min(wanted.count, len(pool)))


def start_session(
    db: Session,
    user: User,
    wanted: SessionRequest,
    settings: Settings,
    now: datetime,
    rng: random.Random | None = None,
) -> InterviewSession:
    """A new session whose questions are pinned to the versions current right now."""
    if not has_consent(db, user):
        raise Forbidden("Please read and accept how answers are recorded and scored before answering.")
    _check_sessions_per_day(db, user, settings.sessions_per_day, now)
    wanted = replace(wanted, kind=chosen_kind(wanted))
    picked = _pick_questions(db, wanted, rng or random.Random())  # noqa: S311 - not security
    interview = InterviewSession(
        user_id=user.id, kind=wanted.kind, mode=wanted.mode, retakes_allowed=wanted.retakes, created_at=now
    )
    db.add(interview)
    db.flush()
    for position, question in enumerate(picked, start=1):
        assert question.current_version_id is not None
        db.add(
            SessionQuestion(
                session_id=interview.id, position=position, question_version_id=question.current_version_id
            )
        )
    db.flush()
    return interview


@dataclass(frozen=True)
class PinnedQuestion:
    question_version_id: int
    prep_seconds: int
    answer_seconds: int


@dataclass(frozen=True)
class AssessmentSessionPlan:
    """How one invited candidate answers: the assessment's questions and times (with the
    candidate's extra time), retakes, the mode they chose, whether the AI scores, the deadline."""

    invitation_id: int
    mode: AnswerMode
    retakes_allowed: int
    ai_scoring: bool
    closes_at: datetime
    questions: Sequence[PinnedQuestion]


def start_assessment_session(
    db: Session, user: User, plan: AssessmentSessionPlan, now: datetime
) -> InterviewSession:
    """The session in which `user` answers an invitation; the caller has checked the invitation."""
    interview = InterviewSession(
        user_id=user.id,
        kind=SessionKind.practice,
        mode=plan.mode,
        retakes_allowed=plan.retakes_allowed,
        created_at=now,
        invitation_id=plan.invitation_id,
        ai_scoring=plan.ai_scoring,
        closes_at=plan.closes_at,
    )
    db.add(interview)
    db.flush()
    for position, pinned in enumerate(plan.questions, start=1):
        db.add(
            SessionQuestion(
                session_id=interview.id,
                position=position,
                question_version_id=pinned.question_version_id,
                prep_seconds=pinned.prep_seconds,
                answer_seconds=pinned.answer_seconds,
            )
        )
    db.flush()
    loaded = _load_session(db, interview.id)
    assert loaded is not None
    return loaded


def session_for_invitation(db: Session, invitation_id: int) -> InterviewSession | None:
    found = db.scalar(select(InterviewSession.id).where(InterviewSession.invitation_id == invitation_id))
    return _load_session(db, found) if found is not None else None


def close_session(interview: InterviewSession, now: datetime) -> None:
    """No take begins any more (the candidate submitted the assessment)."""
    interview.closes_at = min(interview.closes_at or now, now)
    interview.finished_at = interview.finished_at or now


def retime_session(interview: InterviewSession, closes_at: datetime, answer_seconds: dict[int, int]) -> None:
    """New terms for an assessment's candidate (an extension, extra time): the session closes at
    `closes_at`, and each question not yet begun gets its answer seconds (by position)."""
    interview.closes_at = closes_at if interview.finished_at is None else interview.closes_at
    for question in interview.questions:
        if not question.takes and question.position in answer_seconds:
            question.answer_seconds = answer_seconds[question.position]


def home_url(interview: InterviewSession) -> str:
    """Where the candidate returns from a question: an assessment's own page, or the session's."""
    if interview.invitation_id is not None:
        return f"/interview/{interview.invitation_id}"
    return f"/sessions/{interview.id}"


def home_label(interview: InterviewSession) -> str:
    """What the link to `home_url` says once no question is left."""
    if interview.invitation_id is not None:
        return "Finish: review and submit your interview"
    return "Finish: see your session"


def _check_sessions_per_day(db: Session, user: User, limit: int, now: datetime) -> None:
    """At most `limit` sessions started in any 24 hours; the refusal says when the next one is possible."""
    since = now - timedelta(days=1)
    started = list(
        db.scalars(
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


def delete_session(db: Session, storage: MediaStorage, user: User, session_id: int) -> None:
    """Delete a session with every answer, transcript, score and recording file of it, as the
    consent text promises. The database cascades the rows; the files are removed here."""
    interview = get_session(db, user, session_id)
    keys = [take.media_key for question in interview.questions for take in question.takes]
    db.expunge(interview)
    db.execute(delete(InterviewSession).where(InterviewSession.id == session_id))
    for key in keys:
        storage.remove(key)


def change_mode(interview: InterviewSession, mode: AnswerMode) -> None:
    """Switch to audio-only or typed answers (a camera that will not work), before any take.
    An assessment's candidate changes mode on its own page, among the modes it allows."""
    if any(q.takes for q in interview.questions):
        raise Conflict("This session has answers already; start a new session to answer another way.")
    interview.mode = mode


def _load_session(db: Session, session_id: int) -> InterviewSession | None:
    return db.scalar(
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


def answering_session(db: Session, user: User, session_id: int) -> InterviewSession:
    """The user's own session, practice or assessment, to answer in; another user's is reported
    as not found, not as forbidden."""
    interview = _load_session(db, session_id)
    if interview is None or interview.user_id != user.id:
        raise NotFound("There is no such session.")
    return interview


def get_session(db: Session, user: User, session_id: int) -> InterviewSession:
    """The user's own practice session, with its reports. An assessment's session is answered
    (`answering_session`) but never reported to its candidate: no scores, no model answers."""
    interview = answering_session(db, user, session_id)
    if interview.invitation_id is not None:
        raise NotFound("There is no such session.")
    return interview


def list_sessions(db: Session, user: User) -> list[InterviewSession]:
    """The user's practice sessions, newest first."""
    query = (
        select(InterviewSession)
        .where(InterviewSession.user_id == user.id, InterviewSession.invitation_id.is_(None))
        .options(selectinload(InterviewSession.questions).selectinload(SessionQuestion.takes))
        .order_by(InterviewSession.created_at.desc(), InterviewSession.id.desc())
    )
    return list(db.scalars(query))


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
