"""The adverse-impact report: rates and impact ratios per self-identified group, four-fifths
flags, small groups withheld; per assessment for its owner and admins, across the installation
for admins; counts kept past retention; every reading recorded; never a person."""

import ast
import csv
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

import app
from app.hiring import adverse_impact, service
from app.hiring.adverse_impact import (
    UNKNOWN,
    UNKNOWN_LABEL,
    Cell,
    GroupLine,
    Outcome,
    cells_of,
    group_lines,
    tables,
)
from app.media.storage import get_storage
from app.models import (
    Assessment,
    AuditEvent,
    RetainedImpact,
    Role,
    SelfIdentification,
    Stage,
    User,
)
from app.privacy.retention import purge
from tests.factories import create_user, sign_in
from tests.hiring.answered import rate_all, team
from tests.hiring.conftest import NOW, new_assessment, submitted

# --- the rules ------------------------------------------------------------------------------------


def test_impact_ratios_are_against_the_best_known_group_large_enough_and_flag_under_four_fifths() -> None:
    lines = {
        line.label: line
        for line in group_lines(
            [
                ("A", 10, 6, False),
                ("B", 10, 4, False),
                ("C", 10, 2, False),
                ("D", 3, 3, False),  # every one of them selected, but three people conclude nothing
                (UNKNOWN_LABEL, 20, 20, True),  # the highest rate, yet never the reference
            ]
        )
    }
    assert (lines["A"].rate, lines["A"].impact_ratio, lines["A"].reference) == (0.6, 1.0, True)
    assert (lines["B"].impact_ratio, lines["B"].below_four_fifths) == (0.6667, True)
    assert lines["B"].one_person_decides  # 5 of 10 would be 0.83 of A's rate
    assert (lines["C"].impact_ratio, lines["C"].below_four_fifths) == (0.3333, True)
    assert not lines["C"].one_person_decides  # 3 of 10 is still half of A's rate
    assert lines["D"].too_few
    assert (lines["D"].rate, lines["D"].impact_ratio, lines["D"].below_four_fifths) == (None, None, False)
    unknown = lines[UNKNOWN_LABEL]
    assert (unknown.impact_ratio, unknown.reference, unknown.below_four_fifths) == (1.6667, False, False)


def test_without_a_known_group_large_enough_there_is_no_impact_ratio() -> None:
    lines = group_lines([("A", 4, 1, False), (UNKNOWN_LABEL, 9, 3, True)])
    assert [(line.rate, line.impact_ratio) for line in lines] == [(None, None), (0.3333, None)]


def test_scoring_rate_counts_scores_strictly_above_the_median_and_ai_only_where_given() -> None:
    outcomes = [
        Outcome("female", "asian", True, 1.0, 2.0),
        Outcome("female", "asian", False, 2.0, None),  # declined automatic scoring
        Outcome("male", "white", False, 3.0, 4.0),  # the people's median: not above it
        Outcome("male", "white", True, 4.0, 5.0),
        Outcome(UNKNOWN, UNKNOWN, False, 5.0, None),
        Outcome(UNKNOWN, UNKNOWN, False, None, None),  # nobody has reviewed them yet
    ]
    assert cells_of(outcomes) == [
        Cell(
            "female",
            "asian",
            candidates=2,
            selected=1,
            human_scored=2,
            human_above=0,
            ai_scored=1,
            ai_above=0,
        ),
        Cell(
            "male", "white", candidates=2, selected=1, human_scored=2, human_above=1, ai_scored=2, ai_above=1
        ),
        Cell(
            UNKNOWN, UNKNOWN, candidates=2, selected=0, human_scored=1, human_above=1, ai_scored=0, ai_above=0
        ),
    ]


def test_every_category_is_listed_and_an_unknown_half_makes_the_intersection_unknown() -> None:
    cells = [Cell("female", UNKNOWN, candidates=7, selected=2), Cell("male", "asian", candidates=1)]
    found = {(t.dimension, t.measure): t.lines for t in tables(cells)}
    both = found["Sex and race/ethnicity", "Selection rate (advanced by a person)"]
    assert len(both) == 2 * 7 + 1
    counts = {line.label: line.count for line in both if line.count}
    assert counts == {"Male, Asian": 1, UNKNOWN_LABEL: 7}
    by_sex = {line.label: line for line in found["Sex", "Selection rate (advanced by a person)"]}
    assert (by_sex["Female"].count, by_sex["Female"].rate) == (7, 0.2857)


# --- from the database ----------------------------------------------------------------------------

SEXES = ["female"] * 6 + ["male"] * 5 + [None]


def _assessment_of_twelve(db: Session) -> tuple[User, Assessment]:
    """An assessment with twelve submitted candidates: six women (three advanced, rated 4), five
    men (one advanced, rated 2), one who gave nothing; and its owner."""
    owner = create_user(db, Role.reviewer)
    assessment = new_assessment(db, owner)
    for n, sex in enumerate(SEXES):
        invitation = submitted(db, assessment, f"c{n}@example.com")
        if sex is not None:
            db.add(SelfIdentification(invitation_id=invitation.id, sex=sex, race="white"))
        advanced = (sex == "female" and n < 3) or n == 6
        if advanced:
            service.set_stage(db, owner, invitation.id, Stage.advance, "", NOW)
        rate_all(db, owner, invitation, 4 if sex == "female" else 2)
    db.commit()
    return owner, assessment


def _table(report: adverse_impact.ImpactReport, dimension: str, measure: str) -> dict[str, GroupLine]:
    title = adverse_impact.MEASURES[measure][0]
    [table] = [t for t in report.tables if (t.dimension, t.measure) == (dimension, title)]
    return {line.label: line for line in table.lines}


@pytest.mark.usefixtures("bank")
def test_an_assessments_report_gives_rates_per_group_and_is_recorded(db: Session) -> None:
    owner, assessment = _assessment_of_twelve(db)

    report = adverse_impact.assessment_report(db, owner, assessment.id, NOW, export=False)
    assert (report.candidates, report.identified) == (12, 11)
    selection = _table(report, "Sex", "selection")
    women, men, unknown = selection["Female"], selection["Male"], selection[UNKNOWN_LABEL]
    assert (women.rate, women.reference) == (0.5, True)
    assert (men.rate, men.impact_ratio, men.below_four_fifths) == (0.2, 0.4, True)
    assert (unknown.count, unknown.rate) == (1, None)
    people = _table(report, "Sex", "people")  # six rated 4, six rated 2: the median is 3
    assert (people["Female"].rate, people["Male"].rate, people["Male"].below_four_fifths) == (1.0, 0.0, True)
    recorded = db.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert recorded is not None
    assert (recorded.action, recorded.target_type, recorded.target_id) == (
        "impact.view",
        "assessment",
        assessment.id,
    )


@pytest.mark.usefixtures("bank")
def test_the_ai_scoring_rate_counts_only_candidates_who_allowed_automatic_scoring(db: Session) -> None:
    crew = team(db)  # Ana allowed the AI, Ben declined it
    cells = adverse_impact.assessment_cells(db, crew.assessment)
    assert sum(c.candidates for c in cells) == 2
    assert sum(c.ai_scored for c in cells) == 1


@pytest.mark.usefixtures("bank")
def test_the_pages_and_csv_show_groups_to_the_owner_and_admins_only(client: TestClient, db: Session) -> None:
    owner, assessment = _assessment_of_twelve(db)
    admin = create_user(db, Role.admin)
    db.commit()

    sign_in(client, owner)
    page = client.get(f"/hiring/assessments/{assessment.id}/impact").text
    assert "below four-fifths" in page
    assert "c0@example.com" not in page  # groups, never a person
    exported = client.get(f"/hiring/assessments/{assessment.id}/impact.csv")
    assert exported.headers["cache-control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    men = next(
        r for r in rows if r["dimension"] == "Sex" and r["group"] == "Male" and "Selection" in r["measure"]
    )
    assert (men["count"], men["hits"], men["rate"], men["impact_ratio"]) == ("5", "1", "0.2", "0.4")
    assert men["below_four_fifths"] == "yes"
    unknown = next(r for r in rows if r["group"] == UNKNOWN_LABEL)
    assert (unknown["count"], unknown["hits"], unknown["rate"]) == ("1", "", "")  # one person: withheld
    assert client.get("/admin/impact").status_code == 403

    sign_in(client, admin)
    assert "Adverse impact: All assessments" in client.get("/admin/impact").text
    everything = list(csv.DictReader(io.StringIO(client.get("/admin/impact.csv").text)))
    assert {r["scope"] for r in everything} == {"All assessments"}
    actions = db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-4:] == ["impact.view", "impact.export", "impact.view", "impact.export"]


@pytest.mark.usefixtures("bank")
def test_past_retention_the_report_is_the_same_from_counts_alone(db: Session) -> None:
    owner, assessment = _assessment_of_twelve(db)
    before = adverse_impact.assessment_report(db, owner, assessment.id, NOW, export=False)

    purge(db, get_storage(), assessment, NOW)
    db.commit()
    assert db.scalars(select(SelfIdentification)).all() == []  # erased with the candidates
    kept = db.scalars(select(RetainedImpact).where(RetainedImpact.assessment_id == assessment.id)).all()
    assert sorted((k.sex, k.race, k.candidates) for k in kept) == [
        ("female", "white", 6),
        ("male", "white", 5),
        (UNKNOWN, UNKNOWN, 1),
    ]
    after = adverse_impact.assessment_report(db, owner, assessment.id, NOW, export=False)
    assert after.tables == before.tables


def test_only_the_candidate_the_report_and_the_download_read_self_identification() -> None:
    """Kept apart: no review page, scorer, export, API or webhook module names the table (erasure
    reaches it through the invitation it belongs to)."""
    root = Path(app.__file__).parent
    readers = {
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "SelfIdentification"
        in {n.id for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Name)}
    }
    assert readers == {
        "hiring/self_id.py",
        "hiring/adverse_impact.py",
        "privacy/data_export.py",
    }
