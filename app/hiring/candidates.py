"""The invited candidate's side: opening a link, agreeing to the assessment's terms (and choosing
whether the AI scores them), answering in a session under the assessment's settings, submitting.
The candidate sees no score and no model answer; after the assessment closes, and only if it
allows feedback, they see how the AI scored each answer."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.errors import Conflict, Gone, InvalidInput, NotFound
from app.hiring import webhook_events
from app.hiring.invitations import check_link, hash_token
from app.hiring.service import status_now, with_extra_time
from app.interviews import service as interviews
from app.models import (
    AnswerMode,
    Assessment,
    AssessmentQuestion,
    InterviewSession,
    Invitation,
    InvitationStatus,
    TakeScore,
    User,
)


@dataclass(frozen=True)
class LinkPreview:
    """What the invitation page shows before anyone signs in: to what, from whom."""

    invitation: Invitation
    assessment: Assessment
    inviter: str


def preview_link(db: Session, token: str, account: User | None, now: datetime) -> LinkPreview:
    """The invitation a link opens, checked as far as who is asking allows: anyone learns whether
    the link works; a signed-in account also whether another account already used it."""
    found = db.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token)))
    if account is not None:
        invitation = check_link(found, token, account.id, now)
    elif found is None:
        raise NotFound("This invitation link is not valid. Check that you copied all of it.")
    elif status_now(found, now) == InvitationStatus.expired:
        raise Gone("This invitation has expired. Ask the person who invited you for an extension.")
    else:
        invitation = found
    assessment = db.get_one(Assessment, invitation.assessment_id)
    owner = db.get_one(User, assessment.owner_id)
    return LinkPreview(invitation, assessment, owner.display_name)


@dataclass(frozen=True)
class CandidateView:
    invitation: Invitation
    assessment: Assessment
    questions: list[AssessmentQuestion]
    session: InterviewSession | None
    status: InvitationStatus

    @property
    def modes(self) -> list[AnswerMode]:
        return allowed_modes(self.assessment)

    def answer_seconds(self, question: AssessmentQuestion) -> int:
        return with_extra_time(question.answer_seconds, self.invitation.extra_time_percent)


def allowed_modes(assessment: Assessment) -> list[AnswerMode]:
    allowed = {
        AnswerMode.video: assessment.allow_video,
        AnswerMode.audio: assessment.allow_audio,
        AnswerMode.typed: assessment.allow_typed,
    }
    return [mode for mode, yes in allowed.items() if yes]


def candidate_view(db: Session, user: User, invitation_id: int, now: datetime) -> CandidateView:
    """The candidate's own invitation (the account that opened its link); anyone else is told
    it does not exist."""
    invitation = db.get(Invitation, invitation_id)
    if invitation is None or invitation.used_by_id != user.id:
        raise NotFound("There is no such interview.")
    assessment = db.get_one(Assessment, invitation.assessment_id)
    pinned = db.scalars(
        select(AssessmentQuestion)
        .options(selectinload(AssessmentQuestion.question_version))
        .where(AssessmentQuestion.assessment_id == assessment.id)
        .order_by(AssessmentQuestion.position)
    )
    session = interviews.session_for_invitation(db, invitation.id)
    return CandidateView(invitation, assessment, list(pinned), session, status_now(invitation, now))


def _open(view: CandidateView) -> None:
    if view.status == InvitationStatus.submitted:
        raise Conflict("You have already submitted this interview.")
    if view.status == InvitationStatus.expired:
        raise Gone("This interview's deadline has passed. Ask the person who invited you for an extension.")


def consent(
    db: Session, user: User, invitation_id: int, *, declined_ai_scoring: bool, now: datetime
) -> Invitation:
    """The candidate agreed to this assessment's terms, with or without automatic scoring. The
    choice can change until the first question is begun, not after."""
    view = candidate_view(db, user, invitation_id, now)
    _open(view)
    if view.session is not None:
        raise Conflict("You have started answering; the choice about automatic scoring is made.")
    view.invitation.consented_at = now
    view.invitation.declined_ai_scoring = declined_ai_scoring and view.assessment.ai_scoring
    db.flush()
    return view.invitation


def _plan(view: CandidateView, mode: AnswerMode) -> interviews.AssessmentSessionPlan:
    invitation, assessment = view.invitation, view.assessment
    return interviews.AssessmentSessionPlan(
        invitation_id=invitation.id,
        mode=mode,
        retakes_allowed=assessment.retakes_allowed,
        ai_scoring=assessment.ai_scoring and not invitation.declined_ai_scoring,
        closes_at=invitation.expires_at,
        questions=[
            interviews.PinnedQuestion(q.question_version_id, q.prep_seconds, view.answer_seconds(q))
            for q in view.questions
        ],
    )


def start(db: Session, user: User, invitation_id: int, mode: AnswerMode, now: datetime) -> InterviewSession:
    """Begin answering in `mode` (one the assessment allows), or change the mode before the
    first take. The session carries the assessment's questions, times and retakes."""
    view = candidate_view(db, user, invitation_id, now)
    _open(view)
    if view.invitation.consented_at is None:
        raise Conflict("Read and accept the terms of this interview first.")
    if mode not in view.modes:
        raise InvalidInput(f"This interview does not take {mode.value} answers.")
    if view.session is not None:
        if view.session.mode != mode:
            interviews.change_mode(view.session, mode)
        return view.session
    session = interviews.start_assessment_session(db, user, _plan(view, mode), now)
    view.invitation.status = InvitationStatus.started
    db.flush()
    return session


def submit(db: Session, user: User, invitation_id: int, now: datetime) -> Invitation:
    """Hand the interview in: no more takes begin, and the reviewers see it as submitted."""
    view = candidate_view(db, user, invitation_id, now)
    _open(view)
    if view.session is None or not any(t.state.submitted for q in view.session.questions for t in q.takes):
        raise Conflict("Answer at least one question before you submit.")
    interviews.close_session(view.session, now)
    view.invitation.status = InvitationStatus.submitted
    view.invitation.submitted_at = now
    db.flush()
    webhook_events.emit(db, view.invitation, webhook_events.SUBMITTED, now)
    return view.invitation


@dataclass(frozen=True)
class Feedback:
    title: str
    overall: float | None  # None: not scored by the AI


def feedback(db: Session, view: CandidateView, now: datetime) -> list[Feedback] | None:
    """Scores for the candidate, only once the assessment has closed and only if it allows
    feedback and the AI scored them; otherwise None."""
    allowed = view.assessment.feedback_after_close and now >= view.assessment.deadline_at
    if not allowed or view.session is None or not view.session.ai_scoring:
        return None
    chosen = interviews.chosen_takes(view.session)
    ids = [t.id for t in chosen if t is not None]
    scores = {s.take_id: s.overall for s in db.scalars(select(TakeScore).where(TakeScore.take_id.in_(ids)))}
    return [
        Feedback(q.question_version.content["title"], scores.get(t.id) if t is not None else None)
        for q, t in zip(view.session.questions, chosen, strict=True)
    ]
