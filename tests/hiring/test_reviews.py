"""Blind human review: draft, submit, reveal, revise with a reason; the blind rating is kept."""

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.hiring import reviews, service
from app.hiring.reviews import LevelGiven
from app.models import (
    Assessment,
    AuditEvent,
    Invitation,
    Rating,
    Recommendation,
    RecommendationRating,
    Role,
    User,
)
from tests.factories import create_user
from tests.hiring.conftest import NOW, invited, new_assessment, owner_of, row_counts, submitted

LATER = NOW + timedelta(hours=2)


def _every_level(db: Session, assessment: Assessment, level: int) -> list[LevelGiven]:
    return [LevelGiven(q, c, level) for q, c in reviews.pairs_to_rate(db, assessment.id)]


def _rated(db: Session, reviewer: User, invitation: Invitation, level: int) -> None:
    assessment = db.get_one(Assessment, invitation.assessment_id)
    levels = _every_level(db, assessment, level)
    reviews.save_draft(db, reviewer, invitation.id, levels, Recommendation.yes, "clear on drift", NOW)
    reviews.submit_review(db, reviewer, invitation.id, NOW)


Team = tuple[
    Assessment, User, User, Invitation
]  # the assessment, its owner, a colleague, a submitted invitation


@pytest.fixture
def team(db: Session, bank: list[str]) -> Team:  # noqa: ARG001 the questions must exist
    assessment = new_assessment(db)
    owner, colleague = owner_of(db, assessment), create_user(db, Role.reviewer)
    service.add_member(db, owner, assessment.id, colleague.id, NOW)
    return assessment, owner, colleague, submitted(db, assessment)


def test_each_question_is_rated_on_the_competencies_its_version_names(db: Session, team: Team) -> None:
    assessment = team[0]
    pairs = reviews.pairs_to_rate(db, assessment.id)
    assert [c for _q, c in pairs] == [
        "drift-reconciliation",
        "argocd-flux",
        "argocd-flux",
        "production-mindset",
    ]


def test_a_reviewer_sees_only_their_own_review_until_they_submit_it(db: Session, team: Team) -> None:
    assessment, owner, colleague, invitation = team
    _rated(db, owner, invitation, 4)
    reviews.save_draft(db, colleague, invitation.id, _every_level(db, assessment, 2)[:1], None, "", NOW)
    [own] = reviews.visible_reviews(db, colleague, invitation.id, NOW)
    assert own.reviewer_id == colleague.id
    assert own.submitted_at is None
    reviews.save_draft(
        db, colleague, invitation.id, _every_level(db, assessment, 2), Recommendation.no, "", NOW
    )
    reviews.submit_review(db, colleague, invitation.id, LATER)
    assert {r.reviewer_id for r in reviews.visible_reviews(db, colleague, invitation.id, LATER)} == {
        owner.id,
        colleague.id,
    }


def test_an_owner_who_has_not_rated_sees_no_one_elses_ratings(db: Session, team: Team) -> None:
    _assessment, owner, colleague, invitation = team
    _rated(db, colleague, invitation, 3)
    assert reviews.visible_reviews(db, owner, invitation.id, NOW) == []


def test_an_admin_who_does_not_rate_sees_the_submitted_reviews(db: Session, team: Team) -> None:
    _assessment, _owner, colleague, invitation = team
    _rated(db, colleague, invitation, 3)
    admin = create_user(db, Role.admin)
    assert [r.reviewer_id for r in reviews.visible_reviews(db, admin, invitation.id, NOW)] == [colleague.id]
    db.flush()
    event = db.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event is not None
    assert (event.actor_id, event.actor_role, event.action, event.target_type, event.target_id) == (
        admin.id,
        "admin",
        "assessment.view",
        "invitation",
        invitation.id,
    )


def test_submitting_needs_every_competency_and_a_recommendation(db: Session, team: Team) -> None:
    assessment, owner, _colleague, invitation = team
    levels = _every_level(db, assessment, 3)
    reviews.save_draft(db, owner, invitation.id, levels[:-1], None, "", NOW)
    with pytest.raises(InvalidInput, match="1 still without a level"):
        reviews.submit_review(db, owner, invitation.id, NOW)
    reviews.save_draft(db, owner, invitation.id, levels[-1:], None, "", NOW)
    with pytest.raises(InvalidInput, match="recommendation"):
        reviews.submit_review(db, owner, invitation.id, NOW)
    reviews.save_draft(db, owner, invitation.id, [], Recommendation.strong_yes, "", NOW)
    assert reviews.submit_review(db, owner, invitation.id, NOW).submitted_at == NOW


def test_a_draft_is_overwritten_but_a_submitted_rating_changes_only_by_revision(
    db: Session, team: Team
) -> None:
    assessment, owner, _colleague, invitation = team
    first = _every_level(db, assessment, 2)
    reviews.save_draft(db, owner, invitation.id, first, Recommendation.no, "", NOW)
    reviews.save_draft(db, owner, invitation.id, _every_level(db, assessment, 3), Recommendation.yes, "", NOW)
    assert {r.level for r in db.scalars(select(Rating))} == {3}
    assert db.scalar(select(RecommendationRating.recommendation)) == Recommendation.yes
    reviews.submit_review(db, owner, invitation.id, NOW)
    with pytest.raises(Conflict, match="revising it"):
        reviews.save_draft(db, owner, invitation.id, first, None, "", NOW)


def test_a_revision_after_the_reveal_keeps_the_blind_rating_and_its_reason(db: Session, team: Team) -> None:
    assessment, owner, _colleague, invitation = team
    _rated(db, owner, invitation, 3)
    target = _every_level(db, assessment, 5)[0]
    reviews.revise_rating(db, owner, invitation.id, target, "I missed the selfHeal point", LATER)
    reviews.revise_rating(db, owner, invitation.id, LevelGiven(*target.pair, 4), "on reflection", LATER)
    history = list(
        db.scalars(
            select(Rating)
            .where(Rating.assessment_question_id == target.pair[0], Rating.competency_id == target.pair[1])
            .order_by(Rating.revision)
        )
    )
    assert [(r.revision, r.level, r.reason, r.superseded_at) for r in history] == [
        (0, 3, None, LATER),
        (1, 5, "I missed the selfHeal point", LATER),
        (2, 4, "on reflection", None),
    ]
    review_id = history[0].review_id
    assert reviews.current_ratings(db, review_id)[target.pair].level == 4


def test_a_revision_needs_a_reason_and_a_change(db: Session, team: Team) -> None:
    assessment, owner, _colleague, invitation = team
    _rated(db, owner, invitation, 3)
    before = row_counts(db)
    target = _every_level(db, assessment, 5)[0]
    with pytest.raises(InvalidInput, match="Say why"):
        reviews.revise_rating(db, owner, invitation.id, target, "   ", LATER)
    with pytest.raises(Conflict, match="already your rating"):
        reviews.revise_rating(db, owner, invitation.id, LevelGiven(*target.pair, 3), "same", LATER)
    with pytest.raises(Conflict, match="already your recommendation"):
        reviews.revise_recommendation(db, owner, invitation.id, Recommendation.yes, "same", LATER)
    assert row_counts(db) == before


def test_the_recommendation_is_revised_the_same_way(db: Session, team: Team) -> None:
    _assessment, owner, _colleague, invitation = team
    _rated(db, owner, invitation, 3)
    reviews.revise_recommendation(
        db, owner, invitation.id, Recommendation.strong_no, "the debrief showed gaps", LATER
    )
    rows = db.scalars(select(RecommendationRating).order_by(RecommendationRating.revision)).all()
    assert [(r.recommendation, r.reason, r.superseded_at) for r in rows] == [
        (Recommendation.yes, None, LATER),
        (Recommendation.strong_no, "the debrief showed gaps", None),
    ]


def test_before_submitting_there_is_nothing_to_revise(db: Session, team: Team) -> None:
    assessment, owner, _colleague, invitation = team
    reviews.save_draft(db, owner, invitation.id, _every_level(db, assessment, 3), None, "", NOW)
    with pytest.raises(Conflict, match="Until you submit"):
        reviews.revise_rating(db, owner, invitation.id, _every_level(db, assessment, 4)[0], "why", LATER)


def test_levels_outside_1_to_5_or_competencies_the_question_lacks_are_refused(
    db: Session, team: Team
) -> None:
    assessment, owner, _colleague, invitation = team
    question_id = reviews.pairs_to_rate(db, assessment.id)[0][0]
    before = row_counts(db)
    for bad in (
        LevelGiven(question_id, "drift-reconciliation", 6),
        LevelGiven(question_id, "policy-as-code", 3),
    ):
        with pytest.raises(InvalidInput):
            reviews.save_draft(db, owner, invitation.id, [bad], None, "", NOW)
    assert row_counts(db) == before


def test_nobody_rates_a_candidate_who_has_not_submitted(db: Session, team: Team) -> None:
    assessment, owner, _colleague, _invitation = team
    waiting = invited(db, assessment, "bo@example.com").invitation
    with pytest.raises(Conflict, match="not submitted"):
        reviews.save_draft(db, owner, waiting.id, [], Recommendation.yes, "", NOW)


def test_strangers_and_admins_cannot_rate_and_nothing_changes(db: Session, team: Team) -> None:
    assessment, _owner, _colleague, invitation = team
    stranger, admin, editor = (
        create_user(db, Role.reviewer),
        create_user(db, Role.admin),
        create_user(db, Role.editor),
    )
    levels = _every_level(db, assessment, 3)
    before = row_counts(db)
    for outsider in (stranger, editor):  # told the candidate does not exist
        with pytest.raises(NotFound):
            reviews.save_draft(db, outsider, invitation.id, levels, Recommendation.yes, "", NOW)
        with pytest.raises(NotFound):
            reviews.visible_reviews(db, outsider, invitation.id, NOW)
    with pytest.raises(Forbidden):  # an admin looks, and does not rate
        reviews.save_draft(db, admin, invitation.id, levels, Recommendation.yes, "", NOW)
    with pytest.raises(Forbidden):
        reviews.submit_review(db, admin, invitation.id, NOW)
    assert row_counts(db) == before


def test_the_database_keeps_a_revision_from_losing_its_reason(db: Session, team: Team) -> None:
    _assessment, owner, _colleague, invitation = team
    _rated(db, owner, invitation, 3)
    rating = db.scalars(select(Rating)).first()
    assert rating is not None
    db.add(Rating(review_id=rating.review_id, assessment_question_id=rating.assessment_question_id,
                  competency_id=rating.competency_id, level=2, revision=1, reason=None))  # fmt: skip
    with pytest.raises(IntegrityError), db.begin_nested():
        db.flush()
