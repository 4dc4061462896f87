"""The audit record's pages: the owner and admins read what happened to an assessment and to each
candidate, and export it; reading is itself recorded."""

import csv
import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.hiring import service
from app.hiring.invitations import Candidate
from app.models import AuditEvent, Role
from app.models.base import utcnow
from tests.factories import create_user, sign_in
from tests.hiring.conftest import live_assessment


def actions(db: Session) -> list[str]:
    return list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.mark.usefixtures("bank")
def test_the_owner_reads_and_exports_the_record_and_each_reading_is_recorded(
    client: TestClient, db: Session
) -> None:
    owner = create_user(db, Role.reviewer, name="Olga Owner")
    assessment = live_assessment(db, owner)
    ana, bo = service.invite(
        db,
        owner,
        assessment.id,
        [Candidate("Ana", "ana@example.com"), Candidate("Bo", "bo@example.com")],
        utcnow(),
    ).issued
    db.commit()
    sign_in(client, owner)

    page = client.get(f"/hiring/assessments/{assessment.id}/audit").text
    rows = page.split('<table id="audit-record">')[1]
    assert rows.count("<tr>") == 1 + 3  # the header; the creation and two invitations, newest first
    assert rows.index("invitation.create") < rows.index("assessment.create")
    assert "Olga Owner" in rows
    assert actions(db)[-1] == "audit.view"

    exported = client.get(f"/hiring/assessments/{assessment.id}/audit.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.headers["cache-control"] == "no-store"
    lines = list(csv.DictReader(io.StringIO(exported.text)))
    assert [line["action"] for line in lines] == [
        "audit.view",
        "invitation.create",
        "invitation.create",
        "assessment.create",
    ]
    stored = {e.digest for e in db.scalars(select(AuditEvent))}
    assert {line["digest"] for line in lines} <= stored
    assert actions(db)[-1] == "audit.export"

    one = client.get(f"/hiring/assessments/{assessment.id}/candidates/{ana.invitation.id}/audit").text
    assert f"invitation {ana.invitation.id}" in one
    assert f"invitation {bo.invitation.id}" not in one


@pytest.mark.usefixtures("bank")
def test_a_reviewer_the_owner_added_may_not_read_the_record(client: TestClient, db: Session) -> None:
    owner = create_user(db, Role.reviewer)
    member = create_user(db, Role.reviewer)
    assessment = live_assessment(db, owner)
    service.add_member(db, owner, assessment.id, member.id, utcnow())
    db.commit()
    before = actions(db)
    sign_in(client, member)
    assert client.get(f"/hiring/assessments/{assessment.id}/audit").status_code == 403
    assert "Audit record" not in client.get(f"/hiring/assessments/{assessment.id}").text
    assert actions(db) == before
