"""The JSON API with personal access tokens: what an applicant tracking system reads."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import api_tokens
from app.models import ApiToken, AuditEvent, Role
from app.models.base import utcnow
from tests.factories import create_user, csrf_token, sign_in
from tests.hiring.answered import rate_all, team
from tests.hiring.conftest import live_assessment


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_reviewer_makes_a_token_that_is_shown_once_and_kept_only_as_a_hash(
    client: TestClient, db: Session
) -> None:
    reviewer = create_user(db, Role.reviewer)
    db.commit()
    sign_in(client, reviewer)
    page = client.post("/account/tokens", data={"csrf_token": csrf_token(client), "name": "ATS sync"})
    token = page.text.split('id="api-token"')[1].split('value="')[1].split('"')[0]
    assert token.startswith("gic_")
    assert token not in client.get("/account").text
    [row] = db.scalars(select(ApiToken)).all()
    assert token not in (row.token_hash, row.name)
    assert row.scope == api_tokens.READ_ASSESSMENTS
    client.cookies.clear()
    assert client.get("/api/v1/assessments", headers=bearer(token)).json() == {"assessments": []}


@pytest.mark.usefixtures("bank")
def test_the_api_shows_candidates_as_the_pages_do_and_records_each_read(
    client: TestClient, db: Session
) -> None:
    crew = team(db)  # Ana allowed AI scoring, Ben declined it
    live_assessment(db, title="Someone else's")
    _, token = api_tokens.create(db, crew.owner, "ATS", utcnow())
    db.commit()
    listed = client.get("/api/v1/assessments", headers=bearer(token)).json()["assessments"]
    assert [a["id"] for a in listed] == [crew.assessment.id]

    url = f"/api/v1/assessments/{crew.assessment.id}/candidates"
    before = {c["name"]: c for c in client.get(url, headers=bearer(token)).json()["candidates"]}
    assert before["Ana"]["status"] == "submitted"
    assert before["Ana"]["people_level"] is None
    rate_all(db, crew.owner, crew.strong, 4)
    rate_all(db, crew.owner, crew.declined, 2)
    db.commit()
    after = {c["name"]: c for c in client.get(url, headers=bearer(token)).json()["candidates"]}
    assert (after["Ana"]["people_level"], after["Ana"]["ai_level"]) == (4.0, 4.0)
    assert (after["Ben"]["people_level"], after["Ben"]["ai_level"], after["Ben"]["ai_scoring"]) == (
        2.0,
        None,
        False,
    )
    reads = db.scalars(select(AuditEvent).where(AuditEvent.action == "api.candidates")).all()
    assert len(reads) == 2
    assert {r.actor_id for r in reads} == {crew.owner.id}


@pytest.mark.usefixtures("bank")
def test_tokens_are_refused_when_missing_revoked_or_not_the_assessments(
    client: TestClient, db: Session
) -> None:
    assessment = live_assessment(db)
    stranger = create_user(db, Role.reviewer)
    _, theirs = api_tokens.create(db, stranger, "ATS", utcnow())
    row, mine = api_tokens.create(db, db.get_one(type(stranger), assessment.owner_id), "ATS", utcnow())
    db.commit()
    url = f"/api/v1/assessments/{assessment.id}/candidates"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=bearer("gic_made-up")).status_code == 401
    assert client.get(url, headers=bearer(theirs)).status_code == 404
    assert client.get(url, headers=bearer(mine)).status_code == 200
    api_tokens.revoke(db, db.get_one(type(stranger), assessment.owner_id), row.id, utcnow())
    db.commit()
    refused = client.get(url, headers=bearer(mine))
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]
