"""The assessment page's candidate list: people's and the AI's mean levels, blind until the viewer
has submitted their own review, sorted and filtered."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.hiring import service
from app.hiring.candidate_list import ListedCandidate, SortBy, arranged
from app.hiring.invitations import Candidate
from app.models import Invitation, InvitationStatus, Role, Stage
from tests.factories import create_user, sign_in
from tests.hiring.answered import rate_all, team
from tests.hiring.conftest import NOW


def cells(page: str, name: str) -> dict[str, str]:
    """The people and AI cells of one candidate's row, as text."""
    row = next(r for r in page.split("<tr data-invitation=")[1:] if name in r)
    found = {}
    for kind in ("people", "ai"):
        cell = re.search(rf'<td class="{kind}-level">(.*?)</td>', row, re.S)
        assert cell is not None
        found[kind] = re.sub(r"<[^>]+>", "", cell.group(1)).strip()
    return found


@pytest.mark.usefixtures("bank")
def test_levels_stay_blind_until_the_viewer_reviews_then_people_and_ai_show(
    client: TestClient, db: Session
) -> None:
    crew = team(db)  # Ana allowed AI scoring, Ben declined it; the AI's levels are 5, 5 and 2
    db.commit()
    sign_in(client, crew.owner)
    page = client.get(f"/hiring/assessments/{crew.assessment.id}").text
    assert cells(page, "Ana") == {"people": "after your review", "ai": "after your review"}
    assert cells(page, "Ben")["ai"] == "none"  # declined: no AI level ever

    rate_all(db, crew.owner, crew.strong, 4)
    rate_all(db, crew.colleague, crew.strong, 2)
    db.commit()
    page = client.get(f"/hiring/assessments/{crew.assessment.id}").text
    assert cells(page, "Ana") == {"people": "3.0", "ai": "4.0"}
    assert cells(page, "Ben") == {"people": "after your review", "ai": "none"}

    admin = create_user(db, Role.admin)  # an admin does not rate, so nothing is blind to them
    db.commit()
    sign_in(client, admin)
    assert (
        cells(client.get(f"/hiring/assessments/{crew.assessment.id}").text, "Ben")["people"] == "\N{EN DASH}"
    )


@pytest.mark.usefixtures("bank")
def test_the_list_sorts_and_filters(client: TestClient, db: Session) -> None:
    crew = team(db)
    service.invite(db, crew.owner, crew.assessment.id, [Candidate("Cy Waiting", "cy@example.com")], NOW)
    db.commit()
    sign_in(client, crew.owner)
    url = f"/hiring/assessments/{crew.assessment.id}"
    only_invited = client.get(url, params={"status": "invited"}).text
    assert "Cy Waiting" in only_invited
    assert "Ana" not in only_invited
    by_submission = client.get(url, params={"sort": "submitted"}).text.split('<table id="candidate-list">')[1]
    assert by_submission.index("Ana") < by_submission.index("Cy Waiting")  # not submitted: last
    assert client.get(url, params={"sort": "height"}).status_code == 422


def listed(
    name: str, people: float | None, status: InvitationStatus = InvitationStatus.submitted
) -> ListedCandidate:
    invitation = Invitation(name=name, email=f"{name}@example.com", status=status)
    return ListedCandidate(service.CandidateRow(invitation, status, Stage.new), True, True, people, None)


def test_highest_level_first_and_candidates_without_one_last() -> None:
    candidates = [
        listed("a", None),
        listed("b", 2.0),
        listed("c", 4.5),
        listed("d", 3.0, InvitationStatus.invited),
    ]
    assert [c.name for c in arranged(candidates, SortBy.people, None)] == ["c", "d", "b", "a"]
    assert [c.name for c in arranged(candidates, SortBy.name, InvitationStatus.invited)] == ["d"]
