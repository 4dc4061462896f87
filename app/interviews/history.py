"""What a candidate has answered so far: the question page unlocks the model answer from it and
the progress page suggests unanswered questions first."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    InterviewSession,
    Question,
    QuestionVersion,
    Role,
    SessionQuestion,
    Take,
    TakeState,
    User,
)


def answered_question_ids(db: Session, user: User) -> set[int]:
    """The questions (any version) this user has submitted an answer to in practice. Answers to
    an assessment do not count: its retakes must not follow a look at the model answer."""
    answered = (
        select(QuestionVersion.question_id)
        .join(SessionQuestion, SessionQuestion.question_version_id == QuestionVersion.id)
        .join(InterviewSession, SessionQuestion.session_id == InterviewSession.id)
        .join(Take, Take.session_question_id == SessionQuestion.id)
        .where(
            InterviewSession.user_id == user.id,
            InterviewSession.invitation_id.is_(None),
            Take.state.in_(TakeState.answered_states()),
        )
        .distinct()
    )
    return set(db.scalars(answered))


def model_answer_unlocked(db: Session, user: User, question: Question) -> bool:
    """Editors, reviewers and admins always see the model answer. A candidate sees it only after
    answering the question once (any version of it), so it cannot shape a first attempt."""
    return user.role != Role.candidate or question.id in answered_question_ids(db, user)
