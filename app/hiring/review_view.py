"""One candidate's review page, as one member of staff may see it: the answers, the rating form
with each competency's anchors, and, only once this reviewer has submitted (or for an admin, who
does not rate), the AI's scores and the other reviewers' ratings beside their own."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import InvalidInput, NotFound
from app.hiring import access, reviews, service
from app.hiring.access import Action
from app.hiring.answers import CandidateAnswer, ai_allowed, answer_take, candidate_answers
from app.hiring.reviews import LevelGiven, Pair
from app.models import (
    Assessment,
    CandidateReview,
    CandidateStage,
    Competency,
    Invitation,
    InvitationStatus,
    Rating,
    Recommendation,
    RecommendationRating,
    Stage,
    Take,
    User,
)

FAR_APART = 2  # levels: a difference this wide is marked as well as shown


@dataclass(frozen=True)
class ReviewColumn:
    """One reviewer's review as shown beside the others."""

    review: CandidateReview
    reviewer: str
    levels: dict[Pair, int]
    recommendation: Recommendation | None
    changes: list[Rating | RecommendationRating]  # revisions after the reveal, with their reasons


@dataclass
class ReviewPage:
    assessment: Assessment
    invitation: Invitation
    answers: list[CandidateAnswer]
    competencies: dict[str, Competency]
    may_rate: bool
    may_decide: bool
    revealed: bool  # the AI's scores and other reviewers' ratings are shown
    ai_declined: bool  # the candidate declined automatic scoring, or the assessment does not use it
    own: ReviewColumn | None
    others: list[ReviewColumn] = field(default_factory=list)
    originals: dict[Pair, int] = field(default_factory=dict)  # own blind levels since revised
    stages: list[CandidateStage] = field(default_factory=list)

    @property
    def stage(self) -> Stage:
        return service.current_stage(self.stages)

    def ai_level(self, answer: CandidateAnswer, competency: str) -> int | None:
        if answer.ai is None:
            return None
        return next((c.score for c in answer.ai.criteria if c.competency == competency), None)

    def difference(self, pair: Pair, level: int | None) -> str:
        """How a level shown beside this reviewer's compares with theirs: '', 'differs' or 'far'."""
        own = self.own.levels.get(pair) if self.own else None
        if own is None or level is None or level == own:
            return ""
        return "far" if abs(level - own) >= FAR_APART else "differs"


def _column(db: Session, review: CandidateReview, names: Mapping[int, str]) -> ReviewColumn:
    ratings = list(db.scalars(select(Rating).where(Rating.review_id == review.id).order_by(Rating.id)))
    recommendations = list(
        db.scalars(
            select(RecommendationRating)
            .where(RecommendationRating.review_id == review.id)
            .order_by(RecommendationRating.id)
        )
    )
    current = next((r.recommendation for r in recommendations if r.superseded_at is None), None)
    changes: list[Rating | RecommendationRating] = [r for r in ratings if r.revision > 0]
    changes += [r for r in recommendations if r.revision > 0]
    return ReviewColumn(
        review,
        names.get(review.reviewer_id, "A former reviewer"),
        {(r.assessment_question_id, r.competency_id): r.level for r in ratings if r.superseded_at is None},
        current,
        sorted(changes, key=lambda r: r.created_at),
    )


def _originals(db: Session, review: CandidateReview) -> dict[Pair, int]:
    blind = db.scalars(select(Rating).where(Rating.review_id == review.id, Rating.revision == 0))
    return {
        (r.assessment_question_id, r.competency_id): r.level for r in blind if r.superseded_at is not None
    }


def in_assessment(db: Session, assessment_id: int, invitation_id: int) -> None:
    """A candidate's address names their assessment: with another assessment's id it finds nothing
    (the same answer as for no candidate at all, so it tells nobody anything)."""
    invitation = db.get(Invitation, invitation_id)
    if invitation is not None and invitation.assessment_id != assessment_id:
        raise NotFound("There is no such candidate in this assessment.")


def review_page(
    db: Session, viewer: User, assessment_id: int, invitation_id: int, now: datetime
) -> ReviewPage:
    """Open a candidate's answers for review; the view is recorded as staff access."""
    in_assessment(db, assessment_id, invitation_id)
    visible = reviews.visible_reviews(db, viewer, invitation_id, now)  # refuses anyone without access
    invitation = db.get_one(Invitation, invitation_id)
    assessment = db.get_one(Assessment, assessment_id)
    standing = service.standing_in(db, viewer, assessment)
    assert standing is not None
    allowed = access.ALLOWED[standing]
    reviewers = db.execute(
        select(User.id, User.display_name).where(User.id.in_([r.reviewer_id for r in visible]))
    )
    names = {user_id: name for user_id, name in reviewers}  # noqa: C416 dict() reads a Result as a mapping
    columns = [_column(db, review, names) for review in visible]
    own = next((c for c in columns if c.review.reviewer_id == viewer.id), None)
    revealed = Action.rate not in allowed or (own is not None and own.review.submitted_at is not None)
    service.record(db, viewer, "candidate.view", "invitation", invitation.id, now)
    return ReviewPage(
        assessment=assessment,
        invitation=invitation,
        answers=candidate_answers(db, assessment, invitation, with_ai=revealed),
        competencies={c.id: c for c in db.scalars(select(Competency))},
        may_rate=Action.rate in allowed and invitation.status == InvitationStatus.submitted,
        may_decide=Action.decide in allowed,
        revealed=revealed,
        ai_declined=not ai_allowed(assessment, invitation),
        own=own,
        others=[c for c in columns if c is not own] if revealed else [],
        originals=_originals(db, own.review) if own else {},
        stages=service.stage_history(db, invitation.id),
    )


# --- what the rating form posts ---------------------------------------------------------------------


def levels_from_form(form: Mapping[str, str], pairs: Sequence[Pair]) -> list[LevelGiven]:
    """The levels chosen on the form (fields `level-<question id>-<competency id>`); unrated
    pairs are simply absent, which a draft allows and submitting does not."""
    levels = []
    for question_id, competency in pairs:
        value = form.get(f"level-{question_id}-{competency}", "")
        if value:
            if not value.isdigit():
                raise InvalidInput("Rate each competency with a level from 1 to 5.")
            levels.append(LevelGiven(question_id, competency, int(value)))
    return levels


def recommendation_from_form(value: str, *, required: bool = False) -> Recommendation | None:
    if not value and not required:
        return None
    try:
        return Recommendation(value)
    except ValueError:
        raise InvalidInput("Recommend strong no, no, yes or strong yes.") from None


def save_review(
    db: Session,
    reviewer: User,
    invitation_id: int,
    form: Mapping[str, str],
    *,
    submit: bool,
    now: datetime,
) -> str | None:
    """Keep the form as a draft and, when asked, submit it (which reveals the others). Returns
    why it could not be submitted (a level or the recommendation missing); the draft is kept."""
    invitation = service.open_invitation(db, reviewer, invitation_id, Action.rate, now)
    levels = levels_from_form(form, reviews.pairs_to_rate(db, invitation.assessment_id))
    recommendation = recommendation_from_form(form.get("recommendation", ""))
    reviews.save_draft(db, reviewer, invitation_id, levels, recommendation, form.get("notes", ""), now)
    if submit:
        try:
            with db.begin_nested():
                reviews.submit_review(db, reviewer, invitation_id, now)
        except InvalidInput as incomplete:
            return incomplete.message
    return None


def stage_from_form(value: str) -> Stage:
    try:
        return Stage(value)
    except ValueError:
        raise InvalidInput("Choose a stage: new, in review, advance, hold or decline.") from None


def open_answer(
    db: Session, viewer: User, assessment_id: int, invitation_id: int, take_id: int, now: datetime
) -> Take:
    """A take a candidate kept for this assessment, for staff who may view the candidate."""
    in_assessment(db, assessment_id, invitation_id)
    invitation = service.open_invitation(db, viewer, invitation_id, Action.view, now)
    take = answer_take(db, assessment_id, invitation.id, take_id)
    if take is None:
        raise NotFound("This candidate has no such answer.")
    return take


def record_playback(db: Session, viewer: User, take: Take, range_header: str | None, now: datetime) -> None:
    """A player fetches a recording in many ranges; one that starts at the beginning is a view."""
    if range_header is None or range_header.strip().startswith("bytes=0-"):
        service.record(db, viewer, "recording.view", "take", take.id, now)
