"""Blind human review: a reviewer rates each answer per competency (1-5) and recommends, sees no
one else's ratings until they submit their own, and after that changes a rating only by a
revision with a reason, which keeps what they rated blind."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.errors import Conflict, InvalidInput
from app.hiring import access, webhook_events
from app.hiring.access import Action
from app.hiring.service import open_invitation, reason_text, record, standing_in
from app.models import (
    Assessment,
    AssessmentQuestion,
    CandidateReview,
    Invitation,
    InvitationStatus,
    Rating,
    Recommendation,
    RecommendationRating,
    User,
)
from app.models.hiring import Revised

MAX_NOTES = 10_000
Pair = tuple[int, str]  # (assessment question id, competency id)


@dataclass(frozen=True)
class LevelGiven:
    assessment_question_id: int
    competency_id: str
    level: int

    @property
    def pair(self) -> Pair:
        return self.assessment_question_id, self.competency_id


def pairs_to_rate(db: Session, assessment_id: int) -> list[Pair]:
    """Every (question, competency) of an assessment, in order: the competencies each pinned
    question version names."""
    questions = db.scalars(
        select(AssessmentQuestion)
        .options(selectinload(AssessmentQuestion.question_version))
        .where(AssessmentQuestion.assessment_id == assessment_id)
        .order_by(AssessmentQuestion.position)
    )
    return [(q.id, c["id"]) for q in questions for c in q.question_version.content["competencies"]]


def _reviewable(db: Session, reviewer: User, invitation_id: int, now: datetime) -> Invitation:
    invitation = open_invitation(db, reviewer, invitation_id, Action.rate, now)
    if invitation.status != InvitationStatus.submitted:
        raise Conflict("This candidate has not submitted yet; there is nothing to rate.")
    return invitation


def _review(db: Session, reviewer: User, invitation: Invitation, now: datetime) -> CandidateReview:
    review = db.scalar(
        select(CandidateReview).where(
            CandidateReview.invitation_id == invitation.id, CandidateReview.reviewer_id == reviewer.id
        )
    )
    if review is None:
        review = CandidateReview(invitation_id=invitation.id, reviewer_id=reviewer.id, created_at=now)
        db.add(review)
        db.flush()
    return review


def _rating(
    review_id: int, given: LevelGiven, now: datetime, revision: int = 0, reason: str | None = None
) -> Rating:
    return Rating(
        review_id=review_id,
        assessment_question_id=given.assessment_question_id,
        competency_id=given.competency_id,
        level=given.level,
        revision=revision,
        reason=reason,
        created_at=now,
    )


def current_ratings(db: Session, review_id: int) -> dict[Pair, Rating]:
    rows = db.scalars(select(Rating).where(Rating.review_id == review_id, Rating.superseded_at.is_(None)))
    return {(r.assessment_question_id, r.competency_id): r for r in rows}


def current_recommendation(db: Session, review_id: int) -> RecommendationRating | None:
    return db.scalar(
        select(RecommendationRating).where(
            RecommendationRating.review_id == review_id, RecommendationRating.superseded_at.is_(None)
        )
    )


def _check_levels(levels: Sequence[LevelGiven], allowed: Sequence[Pair]) -> None:
    for given in levels:
        if given.pair not in allowed:
            raise InvalidInput(f"{given.competency_id!r} is not rated on that question of this assessment.")
        if not 1 <= given.level <= 5:
            raise InvalidInput("Rate each competency with a level from 1 to 5.")


def save_draft(
    db: Session,
    reviewer: User,
    invitation_id: int,
    levels: Sequence[LevelGiven],
    recommendation: Recommendation | None,
    notes: str,
    now: datetime,
) -> CandidateReview:
    """Keep a reviewer's ratings before they submit. Until then no one has seen anything, so a
    draft is simply overwritten."""
    invitation = _reviewable(db, reviewer, invitation_id, now)
    _check_levels(levels, pairs_to_rate(db, invitation.assessment_id))
    if len(notes) > MAX_NOTES:
        raise InvalidInput(f"Keep the notes under {MAX_NOTES} characters.")
    review = _review(db, reviewer, invitation, now)
    if review.submitted_at is not None:
        raise Conflict("You have submitted this review; change a rating by revising it, with a reason.")
    existing = current_ratings(db, review.id)
    for given in levels:
        if given.pair in existing:
            existing[given.pair].level = given.level
        else:
            db.add(_rating(review.id, given, now))
    if recommendation is not None:
        current = current_recommendation(db, review.id)
        if current is None:
            db.add(RecommendationRating(review_id=review.id, recommendation=recommendation, created_at=now))
        else:
            current.recommendation = recommendation
    review.notes = notes
    db.flush()
    return review


def submit_review(db: Session, reviewer: User, invitation_id: int, now: datetime) -> CandidateReview:
    """Hand in a complete review: every competency of every question rated, and a recommendation.
    From now on this reviewer sees the others' ratings, and their own revision 0 is fixed."""
    invitation = _reviewable(db, reviewer, invitation_id, now)
    review = _review(db, reviewer, invitation, now)
    if review.submitted_at is not None:
        raise Conflict("You have already submitted this review.")
    missing = [
        p for p in pairs_to_rate(db, invitation.assessment_id) if p not in current_ratings(db, review.id)
    ]
    if missing:
        raise InvalidInput(f"Rate every competency first: {len(missing)} still without a level.")
    if current_recommendation(db, review.id) is None:
        raise InvalidInput("Give your overall recommendation first.")
    review.submitted_at = now
    record(db, reviewer, "review.submit", "invitation", invitation.id, now)
    db.flush()
    webhook_events.emit(db, invitation, webhook_events.RATED, now, reviewer_id=reviewer.id)
    return review


def _submitted_review(db: Session, reviewer: User, invitation_id: int, now: datetime) -> CandidateReview:
    invitation = _reviewable(db, reviewer, invitation_id, now)
    review = _review(db, reviewer, invitation, now)
    if review.submitted_at is None:
        raise Conflict("Until you submit, just change the rating: no revision is needed.")
    return review


def _supersede(db: Session, current: Revised, revised: Revised, now: datetime) -> None:
    current.superseded_at = now
    db.flush()  # the old row is marked before the new one joins it
    db.add(revised)
    db.flush()


def revise_rating(
    db: Session, reviewer: User, invitation_id: int, given: LevelGiven, reason: str, now: datetime
) -> Rating:
    """Change a submitted rating: a new revision with its reason; the earlier ones stay."""
    review = _submitted_review(db, reviewer, invitation_id, now)
    current = current_ratings(db, review.id).get(given.pair)
    if current is None:
        raise InvalidInput(f"{given.competency_id!r} is not rated on that question of this assessment.")
    _check_levels([given], [given.pair])
    if current.level == given.level:
        raise Conflict("That is already your rating.")
    revised = _rating(review.id, given, now, current.revision + 1, reason_text(reason, required=True))
    _supersede(db, current, revised, now)
    record(db, reviewer, "rating.revise", "invitation", invitation_id, now)
    return revised


def revise_recommendation(
    db: Session,
    reviewer: User,
    invitation_id: int,
    recommendation: Recommendation,
    reason: str,
    now: datetime,
) -> RecommendationRating:
    review = _submitted_review(db, reviewer, invitation_id, now)
    current = current_recommendation(db, review.id)
    assert current is not None  # a submitted review has one
    if current.recommendation == recommendation:
        raise Conflict("That is already your recommendation.")
    revised = RecommendationRating(
        review_id=review.id,
        recommendation=recommendation,
        revision=current.revision + 1,
        reason=reason_text(reason, required=True),
        created_at=now,
    )
    _supersede(db, current, revised, now)
    record(db, reviewer, "recommendation.revise", "invitation", invitation_id, now)
    return revised


def visible_reviews(db: Session, viewer: User, invitation_id: int, now: datetime) -> list[CandidateReview]:
    """The reviews of a candidate this viewer may see. Someone who rates sees only their own until
    they submit it (blind rating); then every submitted review. An admin, who does not rate, sees
    every submitted review, and that access is recorded."""
    invitation = open_invitation(db, viewer, invitation_id, Action.view, now)
    reviews = list(
        db.scalars(
            select(CandidateReview)
            .where(CandidateReview.invitation_id == invitation.id)
            .order_by(CandidateReview.submitted_at, CandidateReview.id)
        )
    )
    own = [r for r in reviews if r.reviewer_id == viewer.id]
    assessment = db.get(Assessment, invitation.assessment_id)
    assert assessment is not None
    standing = standing_in(db, viewer, assessment)
    rates = standing is not None and Action.rate in access.ALLOWED[standing]
    if rates and not (own and own[0].submitted_at is not None):
        return own
    return [r for r in reviews if r.submitted_at is not None or r.reviewer_id == viewer.id]
