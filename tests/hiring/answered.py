"""Candidates who answered an assessment through their invitation, with typed answers that went
through the real pipeline (transcript and the offline scorer), and reviewers who rated them."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.hiring import candidates, reviews, service
from app.hiring.answers import assessment_questions, kept_takes
from app.hiring.invitations import Candidate
from app.hiring.reviews import LevelGiven
from app.interviews import takes
from app.jobs import pipeline
from app.media.storage import get_storage
from app.models import (
    AnswerMode,
    Assessment,
    InterviewSession,
    Invitation,
    InvitationStatus,
    Recommendation,
    Role,
    Take,
    TakeScore,
    User,
)
from app.models.base import utcnow
from app.scoring.schemas import ScoreReport
from tests.factories import consenting_candidate, create_user, submit_recording
from tests.hiring.conftest import NOW, new_assessment

STRONG = (
    "Argo CD compares the live state with the desired state in Git and marks the application out of sync. Only "
    "automated sync with self heal reverts the kubectl edit, prune only deletes resources removed from Git. So I "
    "would raise the memory limit with a pull request and keep humans on read only access with break glass."
)
WEAK = "Prune will revert the edit. I would turn off self heal so the engineer's fix sticks."
# The AI's level per (question position, competency), fixed on every answer after the real scorer
# ran, so these tests do not move when the scorer is tuned; None is "not assessed".
AI_LEVELS: dict[tuple[int, str], int | None] = {
    (1, "drift-reconciliation"): 5,
    (1, "argocd-flux"): 5,
    (2, "argocd-flux"): None,
    (2, "production-mindset"): 2,
}
AI_RATIONALE = "The AI reason fixed for the test"


@dataclass(frozen=True)
class Answered:
    invitation: Invitation
    candidate: User
    session_id: int


def _claimed_session(
    db: Session, assessment: Assessment, email: str, mode: AnswerMode, declined_ai: bool
) -> tuple[User, Invitation, InterviewSession]:
    """A candidate who opened their link, agreed to the terms and began answering in `mode`."""
    candidate = consenting_candidate(db)
    name = email.split("@")[0].title()  # ana@example.com is Ana
    owner = db.get_one(User, assessment.owner_id)
    [issued] = service.invite(db, owner, assessment.id, [Candidate(name, email)], NOW).issued
    invitation = service.claim_invitation(db, issued.token, candidate, NOW)
    candidates.consent(db, candidate, invitation.id, declined_ai_scoring=declined_ai, now=NOW)
    interview = candidates.start(db, candidate, invitation.id, mode, NOW)
    return candidate, invitation, interview


def _submitted(invitation: Invitation) -> None:
    invitation.status = InvitationStatus.submitted
    invitation.submitted_at = NOW


def answered(
    db: Session, assessment: Assessment, email: str, text: str = STRONG, declined_ai: bool = False
) -> Answered:
    """A candidate who answered every question in writing and submitted; the pipeline has run."""
    candidate, invitation, interview = _claimed_session(db, assessment, email, AnswerMode.typed, declined_ai)
    chosen = []
    for question in interview.questions:
        take = takes.begin_take(db, candidate, interview, question.position, utcnow())
        takes.start_answer(take, utcnow())
        takes.submit_typed(take, text, utcnow())
        chosen.append(take.id)
    _submitted(invitation)
    db.commit()
    for take_id in chosen:
        pipeline.process_take(take_id)
    db.expire_all()
    if not declined_ai:  # a candidate who declined has no score to pin
        _pin_ai_levels(db, assessment, invitation)
    return Answered(invitation, candidate, interview.id)


def _pin_ai_levels(db: Session, assessment: Assessment, invitation: Invitation) -> None:
    positions = {q.id: q.position for q in assessment_questions(db, assessment.id)}
    for (_, question_id), take in kept_takes(db, assessment.id, [invitation.id]).items():
        score = db.scalars(select(TakeScore).where(TakeScore.take_id == take.id)).one()
        report = ScoreReport.model_validate(score.report)
        for criterion in report.criteria:
            criterion.score = AI_LEVELS[positions[question_id], criterion.competency]
            criterion.rationale = AI_RATIONALE
        score.report = report.model_dump(mode="json")
    db.commit()


def recorded(db: Session, assessment: Assessment, email: str, media: bytes) -> tuple[Answered, Take]:
    """A candidate who answered on camera (the first question; the recording not yet processed),
    with a poster frame, and submitted."""
    candidate, invitation, interview = _claimed_session(db, assessment, email, AnswerMode.video, False)
    take = submit_recording(db, candidate, interview, 1, media)
    get_storage().write_poster(take.media_key, b"\xff\xd8\xff\xe0 a poster frame")
    _submitted(invitation)
    db.flush()
    return Answered(invitation, candidate, interview.id), take


def rate_all(
    db: Session,
    reviewer: User,
    invitation: Invitation,
    levels: dict[str, int] | int,
    recommendation: Recommendation = Recommendation.yes,
    submit: bool = True,
) -> None:
    """Rate every competency of every answer (one level, or a level per competency id)."""
    pairs = reviews.pairs_to_rate(db, invitation.assessment_id)
    given = [LevelGiven(q, c, levels if isinstance(levels, int) else levels[c]) for q, c in pairs]
    reviews.save_draft(
        db, reviewer, invitation.id, given, recommendation, f"notes by {reviewer.display_name}", NOW
    )
    if submit:
        reviews.submit_review(db, reviewer, invitation.id, NOW)


@dataclass(frozen=True)
class Team:
    """An assessment with its owner and an added reviewer, and two candidates who answered:
    `strong` allowed automatic scoring, `declined` declined it."""

    assessment: Assessment
    owner: User
    colleague: User
    strong: Invitation
    declined: Invitation


def team(db: Session) -> Team:
    owner = create_user(db, Role.reviewer, name="Olga Owner")
    assessment = new_assessment(db, owner)
    colleague = create_user(db, Role.reviewer, name="Carl Colleague")
    service.add_member(db, owner, assessment.id, colleague.id, NOW)
    strong = answered(db, assessment, "ana@example.com").invitation
    declined = answered(db, assessment, "ben@example.com", WEAK, declined_ai=True).invitation
    return Team(assessment, owner, colleague, strong, declined)
