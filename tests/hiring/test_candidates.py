"""The invited candidate's side, on the real database: terms, the session under the assessment's
settings, submitting, extensions and extra time, and declining automatic scoring all the way
through the pipeline."""

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict, Gone, InvalidInput, NotFound
from app.hiring import candidates, service
from app.interviews import history, takes
from app.interviews import service as interviews
from app.jobs import pipeline
from app.models import (
    AnswerMode,
    Assessment,
    Invitation,
    InvitationStatus,
    Question,
    Role,
    TakeScore,
    TakeState,
    User,
)
from tests.factories import create_user
from tests.hiring.conftest import NOW, invited, new_assessment, owner_of

ANSWER = "Argo CD compares the live state in the cluster with the desired state in Git and syncs it."


def claimed(db: Session, assessment: Assessment, email: str = "ana@example.com") -> tuple[User, Invitation]:
    issued = invited(db, assessment, email)
    user = create_user(db, email=email)
    return user, service.claim_invitation(db, issued.token, user, NOW)


def started(
    db: Session, mode: AnswerMode = AnswerMode.typed, *, declined: bool = False, **changes: Any
) -> tuple[User, Invitation]:
    assessment = new_assessment(db, **changes)
    user, invitation = claimed(db, assessment)
    candidates.consent(db, user, invitation.id, declined_ai_scoring=declined, now=NOW)
    candidates.start(db, user, invitation.id, mode, NOW)
    return user, invitation


def answer_typed(db: Session, user: User, invitation: Invitation, position: int = 1) -> int:
    interview = interviews.session_for_invitation(db, invitation.id)
    assert interview is not None
    take = takes.begin_take(db, user, interview, position, NOW)
    takes.start_answer(take, NOW)
    takes.submit_typed(take, ANSWER, NOW + timedelta(seconds=30))
    takes.choose_take(interview, position, take.id)
    db.flush()
    return take.id


@pytest.mark.usefixtures("bank")
def test_the_session_carries_the_assessments_questions_times_retakes_and_deadline(db: Session) -> None:
    user, invitation = started(db, retakes_allowed=2, prep_seconds=20, answer_seconds=100)
    interview = interviews.session_for_invitation(db, invitation.id)
    assert interview is not None
    assert interview.user_id == user.id
    pinned = service.assessment_view(
        db, owner_of(db, db.get_one(Assessment, invitation.assessment_id)), invitation.assessment_id, NOW
    ).questions
    assert [q.question_version_id for q in interview.questions] == [q.question_version_id for q in pinned]
    assert [takes.limits(q) for q in interview.questions] == [(20, 100), (20, 100)]
    assert interview.retakes_allowed == 2
    assert interview.mode == AnswerMode.typed
    assert interview.closes_at == invitation.expires_at
    assert interview.ai_scoring
    assert invitation.status == InvitationStatus.started


@pytest.mark.usefixtures("bank")
def test_extra_time_lengthens_every_answer_and_a_later_grant_reaches_questions_not_begun(db: Session) -> None:
    assessment = new_assessment(db, answer_seconds=100)
    owner = owner_of(db, assessment)
    user, invitation = claimed(db, assessment)
    service.accommodate(db, owner, invitation.id, NOW, extra_time_percent=50)
    candidates.consent(db, user, invitation.id, declined_ai_scoring=False, now=NOW)
    interview = candidates.start(db, user, invitation.id, AnswerMode.typed, NOW)
    assert [takes.limits(q)[1] for q in interview.questions] == [150, 150]

    answer_typed(db, user, invitation, 1)
    later = invitation.expires_at + timedelta(days=2)
    service.accommodate(db, owner, invitation.id, NOW, expires_at=later, extra_time_percent=100)
    assert [takes.limits(q)[1] for q in interview.questions] == [150, 200]  # the first was answered
    assert interview.closes_at == later


@pytest.mark.usefixtures("bank")
def test_nothing_starts_before_the_terms_are_accepted_nor_in_a_mode_the_assessment_refuses(
    db: Session,
) -> None:
    assessment = new_assessment(db, answer_modes={AnswerMode.typed})
    user, invitation = claimed(db, assessment)
    with pytest.raises(Conflict, match="terms"):
        candidates.start(db, user, invitation.id, AnswerMode.typed, NOW)
    candidates.consent(db, user, invitation.id, declined_ai_scoring=False, now=NOW)
    with pytest.raises(InvalidInput, match="does not take video answers"):
        candidates.start(db, user, invitation.id, AnswerMode.video, NOW)
    assert interviews.session_for_invitation(db, invitation.id) is None


@pytest.mark.usefixtures("bank")
def test_only_the_account_that_opened_the_link_sees_the_interview(db: Session) -> None:
    assessment = new_assessment(db)
    _, invitation = claimed(db, assessment)
    for stranger in (create_user(db), owner_of(db, assessment), create_user(db, Role.admin)):
        with pytest.raises(NotFound):
            candidates.candidate_view(db, stranger, invitation.id, NOW)


@pytest.mark.usefixtures("bank")
def test_submitting_closes_the_session_and_marks_the_invitation_submitted(db: Session) -> None:
    user, invitation = started(db)
    with pytest.raises(Conflict, match="at least one"):
        candidates.submit(db, user, invitation.id, NOW)
    answer_typed(db, user, invitation)
    later = NOW + timedelta(minutes=5)
    candidates.submit(db, user, invitation.id, later)
    assert invitation.status == InvitationStatus.submitted
    assert invitation.submitted_at == later
    interview = interviews.session_for_invitation(db, invitation.id)
    assert interview is not None
    with pytest.raises(Gone):
        takes.begin_take(db, user, interview, 2, later)
    with pytest.raises(Conflict, match="already submitted"):
        candidates.submit(db, user, invitation.id, later)


@pytest.mark.usefixtures("bank")
def test_after_the_deadline_the_candidate_can_neither_start_nor_answer(db: Session) -> None:
    user, invitation = started(db)
    interview = interviews.session_for_invitation(db, invitation.id)
    assert interview is not None
    after = invitation.expires_at + timedelta(seconds=1)
    with pytest.raises(Gone):
        takes.begin_take(db, user, interview, 1, after)
    with pytest.raises(Gone):
        candidates.submit(db, user, invitation.id, after)
    assert candidates.candidate_view(db, user, invitation.id, after).status == InvitationStatus.expired


@pytest.mark.usefixtures("bank")
def test_the_ai_choice_is_fixed_once_answering_began(db: Session) -> None:
    user, invitation = started(db)
    with pytest.raises(Conflict, match="choice about automatic scoring"):
        candidates.consent(db, user, invitation.id, declined_ai_scoring=True, now=NOW)
    assert not invitation.declined_ai_scoring


def test_an_assessments_session_is_never_reported_to_its_candidate(db: Session, bank: list[str]) -> None:
    """No scores and no model answers in the hiring flow: the practice reports do not find it,
    and answering an assessment question does not unlock its model answer."""
    user, invitation = started(db)
    answer_typed(db, user, invitation)
    interview = interviews.session_for_invitation(db, invitation.id)
    assert interview is not None
    assert interviews.list_sessions(db, user) == []
    with pytest.raises(NotFound):
        interviews.get_session(db, user, interview.id)
    question = db.scalars(select(Question).where(Question.slug == bank[0])).one()
    assert not history.model_answer_unlocked(db, user, question)


@pytest.mark.usefixtures("bank")
def test_declining_ai_scoring_skips_the_scorer_and_leaves_no_score(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    user, invitation = started(db, declined=True)
    take_id = answer_typed(db, user, invitation)
    db.commit()

    def no_scorer() -> None:
        raise AssertionError("the scorer ran for a candidate who declined automatic scoring")

    monkeypatch.setattr(pipeline, "_scorer", no_scorer)
    assert pipeline.process_take(take_id) == TakeState.scored
    assert db.scalar(select(TakeScore).where(TakeScore.take_id == take_id)) is None


@pytest.mark.usefixtures("bank")
def test_an_assessment_without_ai_scoring_never_scores_even_if_the_candidate_accepted(db: Session) -> None:
    _, invitation = started(db, declined=True, ai_scoring=False)
    interview = interviews.session_for_invitation(db, invitation.id)
    assert interview is not None
    assert not interview.ai_scoring
    assert not invitation.declined_ai_scoring  # nothing to decline


@pytest.mark.usefixtures("bank")
def test_feedback_only_after_the_close_and_only_when_the_assessment_allows_it(db: Session) -> None:
    user, invitation = started(db, feedback_after_close=True)
    take_id = answer_typed(db, user, invitation)
    db.add(TakeScore(take_id=take_id, report={}, overall=3.5, scorer="rubric"))
    candidates.submit(db, user, invitation.id, NOW)
    assessment = db.get_one(Assessment, invitation.assessment_id)
    open_view = candidates.candidate_view(db, user, invitation.id, NOW)
    assert candidates.feedback(db, open_view, NOW) is None
    closed = assessment.deadline_at + timedelta(minutes=1)
    feedback = candidates.feedback(db, candidates.candidate_view(db, user, invitation.id, closed), closed)
    assert feedback is not None
    assert [f.overall for f in feedback] == [3.5, None]

    assessment.feedback_after_close = False
    assert candidates.feedback(db, candidates.candidate_view(db, user, invitation.id, closed), closed) is None
