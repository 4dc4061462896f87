"""Reviewing an assessment's candidates: the review page's blind rule, agreement measured on blind
ratings, compare, the CSV export, the editors' view of the bank, and the record of staff views.

The AI's levels are `answered.AI_LEVELS`: question 1 drift-reconciliation 5 and argocd-flux 5;
question 2 argocd-flux not assessed and production-mindset 2."""

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import InvalidInput
from app.hiring import agreement, results, reviews
from app.hiring.answers import assessment_questions
from app.hiring.export import COLUMNS, assessment_csv
from app.hiring.review_view import record_playback, review_page
from app.models import AuditEvent, Recommendation, Role, User
from tests.factories import create_user
from tests.hiring.answered import Team, rate_all, team
from tests.hiring.conftest import NOW, new_assessment

LATER = NOW + timedelta(hours=1)
OWNER_LEVELS = {"drift-reconciliation": 4, "argocd-flux": 3, "production-mindset": 2}


@pytest.fixture
def rated(db: Session, bank: list[str]) -> Team:  # noqa: ARG001 the questions must exist
    """Both reviewers rated both candidates blind: the owner with OWNER_LEVELS and 2, the colleague 3 and 2."""
    found = team(db)
    rate_all(db, found.owner, found.strong, OWNER_LEVELS)
    rate_all(db, found.colleague, found.strong, 3, Recommendation.no)
    rate_all(db, found.owner, found.declined, 2, Recommendation.strong_no)
    rate_all(db, found.colleague, found.declined, 2, Recommendation.no)
    return found


def _question(db: Session, t: Team, position: int) -> int:
    return assessment_questions(db, t.assessment.id)[position - 1].id


def test_the_ai_is_paired_with_each_blind_rating_and_a_declined_candidate_is_left_out(
    db: Session, rated: Team
) -> None:
    found = results.assessment_results(db, rated.owner, rated.assessment.id, NOW, "agreement")
    assert {unit[0] for unit in found.ai} == {rated.strong.id}  # nothing of the candidate who declined
    report = results.agreement_report(found)
    # pairs (AI, person): owner (5,4) (5,3) (2,2); colleague (5,3) (5,3) (2,3)
    overall = report.overall.ai_vs_people
    assert overall is not None
    assert (overall.pairs, round(overall.exact, 3), overall.adjacent, overall.mean_difference) == (
        6,
        0.167,
        0.5,
        1.0,
    )
    assert overall.warning is not None
    assert "too few" in overall.warning
    by_competency = {row.label: row.ai_vs_people for row in report.by_competency}
    production = by_competency["Production mindset"]
    assert production is not None
    assert (production.pairs, production.exact, production.adjacent, production.mean_difference) == (
        2,
        0.5,
        1.0,
        -0.5,
    )
    # people among themselves: every answer and competency of both candidates, rated twice
    units = [[4, 3], [3, 3], [3, 3], [2, 3]] + [[2, 2]] * 4
    assert report.overall.people.units == 8
    assert report.overall.people.alpha == pytest.approx(agreement.krippendorff_alpha(units))
    assert [row.ai_vs_people.pairs if row.ai_vs_people else 0 for row in report.by_question] == [4, 2]


def test_a_rating_changed_after_the_reveal_moves_the_levels_shown_not_the_agreement(
    db: Session, rated: Team
) -> None:
    before = results.agreement_report(
        results.assessment_results(db, rated.owner, rated.assessment.id, NOW, "agreement")
    )
    given = reviews.LevelGiven(_question(db, rated, 1), "drift-reconciliation", 5)
    reviews.revise_rating(db, rated.owner, rated.strong.id, given, "I missed the self-heal point", LATER)
    found = results.assessment_results(db, rated.owner, rated.assessment.id, LATER, "agreement")
    assert results.agreement_report(found) == before  # measured on the blind ratings
    [_a, ana] = results.compare(found, [rated.declined.id, rated.strong.id])
    drift = next(line for line in ana.competencies if line.competency == "drift-reconciliation")
    assert (drift.human, drift.human_ratings, drift.ai) == (4.0, 2, 5.0)  # (5 + 3) / 2 now, not (4 + 3) / 2


@pytest.mark.usefixtures("bank")
def test_someone_who_rates_sees_only_the_candidates_they_have_submitted(db: Session) -> None:
    t = team(db)
    rate_all(db, t.colleague, t.strong, 3)
    rate_all(db, t.owner, t.strong, 4, submit=False)  # a draft reveals nothing
    found = results.assessment_results(db, t.owner, t.assessment.id, NOW, "agreement")
    assert (found.candidates, found.left_out, found.ai) == ([], 2, {})
    with pytest.raises(InvalidInput, match="rated"):
        results.compare(found, [t.strong.id, t.declined.id])
    admin = create_user(db, Role.admin)  # an admin does not rate: nothing to keep blind
    assert len(results.assessment_results(db, admin, t.assessment.id, NOW, "agreement").candidates) == 2


def test_compare_takes_two_to_five_of_the_assessments_candidates(db: Session, rated: Team) -> None:
    found = results.assessment_results(db, rated.owner, rated.assessment.id, NOW, "compare")
    for wrong in (
        [rated.strong.id],
        [rated.strong.id] * 2,
        [rated.strong.id, rated.declined.id, *range(900, 904)],
    ):
        with pytest.raises(InvalidInput, match="between 2 and 5"):
            results.compare(found, wrong)
    other = new_assessment(db, rated.owner)
    with pytest.raises(InvalidInput):
        results.compare(found, [rated.strong.id, other.id + 1000])
    [ana, ben] = results.compare(found, [rated.strong.id, rated.declined.id])
    assert (ana.ai_shown, ben.ai_shown) == (True, False)
    assert [q.ai for q in ana.questions] == [5.0, 2.0]
    assert [q.human for q in ana.questions] == [3.25, 2.75]  # (4 + 3 + 3 + 3) / 4 and (3 + 2 + 3 + 3) / 4
    assert all(line.ai is None and line.exact is None for line in ben.competencies)


def test_the_csv_has_a_row_per_candidate_and_competency_with_the_compare_numbers(
    db: Session, rated: Team
) -> None:
    found = results.assessment_results(db, rated.owner, rated.assessment.id, NOW, "export")
    rows = list(csv.DictReader(io.StringIO(assessment_csv(found))))
    assert list(rows[0]) == COLUMNS
    assert [(r["email"], r["competency_id"]) for r in rows] == [
        (email, competency)
        for email in ("ana@example.com", "ben@example.com")
        for competency in ("drift-reconciliation", "argocd-flux", "production-mindset")
    ]
    compared = {c.candidate.email: c for c in results.compare(found, [rated.strong.id, rated.declined.id])}
    for row in rows:
        line = next(x for x in compared[row["email"]].competencies if x.competency == row["competency_id"])
        assert row["human_level"] == str(line.human)
        assert row["ai_level"] == ("" if line.ai is None else str(line.ai))
    argocd = rows[1]
    # people 3, 3 (owner) and 3, 3 (colleague); the AI 5 on question 1 and "not assessed" on question 2
    assert (argocd["human_level"], argocd["human_ratings"], argocd["ai_level"], argocd["ai_levels"]) == (
        "3",
        "4",
        "5",
        "1",
    )
    assert (argocd["ai_minus_human"], argocd["exact_agreement"], argocd["adjacent_agreement"]) == (
        "2",
        "0.0",
        "0.0",
    )
    assert all(r["ai_level"] == "" and r["exact_agreement"] == "" for r in rows[3:])  # declined


def test_a_name_that_a_spreadsheet_would_run_is_quoted(db: Session, rated: Team) -> None:
    rated.strong.name = "=HYPERLINK(1)"
    found = results.assessment_results(db, rated.owner, rated.assessment.id, NOW, "export")
    assert "'=HYPERLINK(1)" in assessment_csv(found)


def test_the_largest_disagreements_come_first_and_name_the_answer(db: Session, rated: Team) -> None:
    found = results.assessment_results(db, rated.owner, rated.assessment.id, NOW, "agreement")
    shown = [
        (d.candidate.id, d.question.position, d.competency, d.ai, d.people, d.gap)
        for d in results.disagreements(found)
    ]
    assert shown == [
        (rated.strong.id, 1, "argocd-flux", 5, [3, 3], 2),
        (rated.strong.id, 1, "drift-reconciliation", 5, [3, 4], 2),
    ]


@pytest.mark.usefixtures("rated")
def test_editors_see_each_question_over_every_assessment_without_declined_candidates(db: Session) -> None:
    rows = {row.slug: row.agreement for row in results.bank_disagreements(db)}
    assert set(rows) == {"drift-manual-edit", "sync-interval"}
    assert rows["drift-manual-edit"].pairs == 4
    assert rows["sync-interval"].pairs == 2
    first = next(iter(results.bank_disagreements(db)))
    assert first.slug == "drift-manual-edit"  # adjacent 1/4 before 2/2


def _events(db: Session, user: User) -> list[tuple[str, str, int]]:
    rows = db.scalars(select(AuditEvent).where(AuditEvent.actor_id == user.id).order_by(AuditEvent.id))
    return [(e.action, e.target_type, e.target_id) for e in rows]


def test_every_staff_view_of_a_candidate_is_recorded(db: Session, rated: Team) -> None:
    owner = rated.owner
    already = len(_events(db, owner))
    review_page(db, owner, rated.assessment.id, rated.strong.id, NOW)
    results.assessment_results(db, owner, rated.assessment.id, NOW, "agreement")
    results.compare_candidates(db, owner, rated.assessment.id, [rated.strong.id, rated.declined.id], NOW)
    page = review_page(db, owner, rated.assessment.id, rated.strong.id, NOW)
    take = page.answers[0].take
    assert take is not None
    for range_header in (None, "bytes=0-", "bytes=5000-"):  # a player's later ranges are the same view
        record_playback(db, owner, take, range_header, NOW)
    assert _events(db, owner)[already:] == [
        ("candidate.view", "invitation", rated.strong.id),
        ("assessment.agreement", "assessment", rated.assessment.id),
        ("assessment.compare", "assessment", rated.assessment.id),
        ("candidate.compare", "invitation", rated.strong.id),
        ("candidate.compare", "invitation", rated.declined.id),
        ("candidate.view", "invitation", rated.strong.id),
        ("recording.view", "take", take.id),
        ("recording.view", "take", take.id),
    ]


@pytest.mark.usefixtures("bank")
def test_the_review_page_shows_no_ai_and_no_other_reviewer_until_this_one_submits(db: Session) -> None:
    t = team(db)
    rate_all(db, t.colleague, t.strong, 3)
    rate_all(db, t.owner, t.strong, OWNER_LEVELS, submit=False)
    page = review_page(db, t.owner, t.assessment.id, t.strong.id, NOW)
    assert (page.revealed, page.others, [a.ai for a in page.answers]) == (False, [], [None, None])
    assert page.own is not None
    assert page.own.levels[(_question(db, t, 1), "drift-reconciliation")] == 4
    reviews.submit_review(db, t.owner, t.strong.id, LATER)
    page = review_page(db, t.owner, t.assessment.id, t.strong.id, LATER)
    assert page.revealed
    assert [o.reviewer for o in page.others] == ["Carl Colleague"]
    assert all(a.ai is not None for a in page.answers)
    pair = (_question(db, t, 1), "drift-reconciliation")
    assert (page.difference(pair, 3), page.difference(pair, 5), page.difference(pair, 2)) == (
        "differs",
        "differs",
        "far",
    )


def test_a_candidate_who_declined_ai_scoring_has_none_on_the_review_page(db: Session, rated: Team) -> None:
    page = review_page(db, rated.owner, rated.assessment.id, rated.declined.id, NOW)
    assert page.revealed
    assert page.ai_declined
    assert [a.ai for a in page.answers] == [None, None]
    assert all(page.ai_level(a, "argocd-flux") is None for a in page.answers)
