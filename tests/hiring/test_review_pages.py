"""The review pages as a reviewer uses them: blind rating, the reveal with differences marked,
changing a rating with a reason, the stage, a candidate who declined AI scoring, and a CSV that
says what the compare page says."""

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.hiring import reviews
from app.hiring.answers import assessment_questions
from app.models import CandidateReview, CandidateStage, Competency, Rating, Role, User
from tests.factories import create_user, post_form, sign_in
from tests.hiring.answered import AI_RATIONALE, Team, rate_all, team
from tests.hiring.conftest import row_counts


def _page(t: Team, invitation_id: int) -> str:
    return f"/hiring/assessments/{t.assessment.id}/candidates/{invitation_id}"


def _rating_form(db: Session, t: Team, level: int) -> dict[str, str]:
    pairs = reviews.pairs_to_rate(db, t.assessment.id)
    return {f"level-{q}-{c}": str(level) for q, c in pairs} | {"recommendation": "yes", "notes": "solid"}


def _signed_in(client: TestClient, db: Session, user: User) -> TestClient:
    db.commit()
    sign_in(client, user)
    return client


@pytest.mark.usefixtures("bank")
def test_ratings_stay_blind_until_the_reviewer_submits_then_differences_are_marked(
    client: TestClient, db: Session
) -> None:
    t = team(db)
    rate_all(db, t.colleague, t.strong, 2)
    _signed_in(client, db, t.owner)
    blind = client.get(_page(t, t.strong.id)).text
    assert "Blind review." in blind
    assert 'name="level-' in blind
    assert "Argo CD compares the live state" in blind  # the transcript
    assert AI_RATIONALE not in blind
    assert "Carl Colleague" not in blind
    assert "notes by" not in blind

    submitted = post_form(
        client, _page(t, t.strong.id) + "/review", {**_rating_form(db, t, 4), "action": "submit"}
    )
    assert submitted.status_code == 303
    shown = client.get(_page(t, t.strong.id)).text
    assert "Blind review." not in shown
    assert 'name="level-' not in shown
    assert AI_RATIONALE in shown
    assert "Carl Colleague" in shown
    assert "notes by Carl Colleague" in shown
    assert re.search(r'<td class="level far">2', shown)  # the colleague's 2 beside my 4
    assert re.search(r'<td class="level ai differs">\s*5', shown)  # the AI's 5 beside my 4


@pytest.mark.usefixtures("bank")
def test_the_anchors_of_each_level_are_beside_it(client: TestClient, db: Session) -> None:
    t = team(db)
    html = _signed_in(client, db, t.owner).get(_page(t, t.strong.id)).text
    question = assessment_questions(db, t.assessment.id)[0].id
    drift = db.get_one(Competency, "drift-reconciliation")
    for level in range(1, 6):
        radio = f'name="level-{question}-drift-reconciliation" value="{level}">'
        beside = html[html.index(radio) :][:2000]
        assert f"<strong>{level}</strong> <span>{escape(drift.anchors[str(level)])}</span>" in beside
    assert escape(db.get_one(Competency, "pull-vs-push").anchors["3"]) not in html  # not asked here


@pytest.mark.usefixtures("bank")
def test_submitting_an_incomplete_review_says_what_is_missing_and_keeps_the_draft(
    client: TestClient, db: Session
) -> None:
    t = team(db)
    _signed_in(client, db, t.owner)
    form = _rating_form(db, t, 3)
    missing = next(iter(form))
    form.pop(missing)
    response = post_form(client, _page(t, t.strong.id) + "/review", {**form, "action": "submit"})
    assert response.status_code == 422
    assert "Not submitted." in response.text
    assert "1 still without a level" in response.text
    assert f'name="{missing}" value="3">' in response.text  # still unrated on the form shown again
    assert 'name="level-' in response.text
    assert AI_RATIONALE not in response.text
    db.expire_all()
    [review] = db.scalars(select(CandidateReview)).all()
    assert review.submitted_at is None
    assert review.notes == "solid"
    assert (
        len(db.scalars(select(Rating)).all()) == len(form) - 2
    )  # all but the missing one (not notes, recommendation)


@pytest.mark.usefixtures("bank")
def test_a_rating_changed_after_the_reveal_needs_a_reason_and_keeps_the_blind_one(
    client: TestClient, db: Session
) -> None:
    t = team(db)
    rate_all(db, t.owner, t.strong, 3)
    _signed_in(client, db, t.owner)
    question = assessment_questions(db, t.assessment.id)[0].id
    change = {"question_id": str(question), "competency": "drift-reconciliation", "level": "5"}
    before = row_counts(db)
    refused = post_form(client, _page(t, t.strong.id) + "/ratings/revise", change | {"reason": "  "})
    assert refused.status_code == 422
    assert "Say why" in refused.text
    assert row_counts(db) == before
    changed = post_form(client, _page(t, t.strong.id) + "/ratings/revise", change | {"reason": "re-listened"})
    assert changed.status_code == 303
    html = client.get(_page(t, t.strong.id)).text
    assert "(blind: 3)" in html
    assert "Reason: re-listened" in html
    db.expire_all()
    levels = db.scalars(
        select(Rating.level)
        .where(Rating.competency_id == "drift-reconciliation", Rating.assessment_question_id == question)
        .order_by(Rating.revision)
    ).all()
    assert levels == [3, 5]


@pytest.mark.usefixtures("bank")
def test_a_person_sets_the_stage_with_a_reason_and_the_history_shows_it(
    client: TestClient, db: Session
) -> None:
    t = team(db)
    _signed_in(client, db, t.colleague)
    response = post_form(
        client, _page(t, t.strong.id) + "/stage", {"stage": "hold", "reason": "waiting for the panel"}
    )
    assert response.status_code == 303
    html = client.get(_page(t, t.strong.id)).text
    assert 'id="current-stage">Hold<' in html
    assert "Hold: waiting for the panel" in html
    bad = post_form(client, _page(t, t.strong.id) + "/stage", {"stage": "hired"})
    assert bad.status_code == 422
    db.expire_all()
    assert [s.stage.value for s in db.scalars(select(CandidateStage))] == ["hold"]


@pytest.mark.usefixtures("bank")
def test_a_candidate_who_declined_ai_scoring_has_no_ai_score_on_any_page(
    client: TestClient, db: Session
) -> None:
    t = team(db)
    for invitation in (t.strong, t.declined):
        rate_all(db, t.owner, invitation, 3)
    _signed_in(client, db, t.owner)
    review = client.get(_page(t, t.declined.id)).text
    assert "declined automatic scoring" in review
    assert AI_RATIONALE not in review
    assert ">AI<" not in review
    compare = client.get(
        f"/hiring/assessments/{t.assessment.id}/compare", params={"candidate": [t.strong.id, t.declined.id]}
    ).text
    declined_cells = re.findall(r'<td class="ai">([^<]*)</td>', compare)
    assert declined_cells.count("declined") == 3 + 2  # every competency and question of Ben
    rows = list(
        csv.DictReader(io.StringIO(client.get(f"/hiring/assessments/{t.assessment.id}/export.csv").text))
    )
    assert {r["ai_level"] for r in rows if r["email"] == "ben@example.com"} == {""}


@pytest.mark.usefixtures("bank")
def test_the_csv_says_what_the_compare_and_agreement_pages_say(client: TestClient, db: Session) -> None:
    t = team(db)
    for invitation in (t.strong, t.declined):
        rate_all(
            db, t.owner, invitation, {"drift-reconciliation": 4, "argocd-flux": 3, "production-mindset": 2}
        )
    _signed_in(client, db, t.owner)
    export = client.get(f"/hiring/assessments/{t.assessment.id}/export.csv")
    assert export.headers["content-type"].startswith("text/csv")
    assert "attachment" in export.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(export.text)))
    compare = client.get(
        f"/hiring/assessments/{t.assessment.id}/compare", params={"candidate": [t.strong.id, t.declined.id]}
    ).text
    for row in rows:
        invitation = t.strong if row["email"] == "ana@example.com" else t.declined
        cell = re.search(
            rf'data-candidate="{invitation.id}" data-competency="{row["competency_id"]}" class="human">([^<]*)<',
            compare,
        )
        assert cell is not None
        assert float(cell.group(1)) == float(row["human_level"])
    agreement = client.get(f"/hiring/assessments/{t.assessment.id}/agreement").text
    # Ana's pairs: (AI 5, 4) (5, 3) (2, 2): one exact of three, adjacent two of three
    assert re.search(
        r"All answers</th>\s*<td>3</td><td>[^<]*</td><td>33%</td><td>67%</td><td>\+1\.00</td>", agreement
    )
    exact = {r["competency_id"]: r["exact_agreement"] for r in rows if r["email"] == "ana@example.com"}
    assert exact == {"drift-reconciliation": "0.0", "argocd-flux": "0.0", "production-mindset": "1.0"}
    assert "too few to judge agreement" in agreement
    assert f'/candidates/{t.strong.id}#q1">Ana' in agreement  # the largest disagreement links to the answer


@pytest.mark.usefixtures("bank")
def test_the_editors_view_lists_questions_by_disagreement_and_no_candidate(
    client: TestClient, db: Session
) -> None:
    t = team(db)
    rate_all(db, t.owner, t.strong, 1)
    editor = create_user(db, Role.editor)
    assert 'href="/editor/disagreements"' in _signed_in(client, db, editor).get("/editor/questions").text
    html = client.get("/editor/disagreements").text
    assert "A manual kubectl edit" in html
    assert ">Ana<" not in html
    assert "ana@example.com" not in html
