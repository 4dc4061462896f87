"""The audit record's pages: the owner and admins read what happened to an assessment and to each
candidate, and export it; reading is itself recorded."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import log as audit
from app.hiring import service
from app.hiring.audit_view import PAGE_SIZE
from app.hiring.invitations import Candidate
from app.models import AuditEvent, Role, User
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


def _events(db: Session, count: int, actor: User, action: str, at: datetime) -> None:
    for n in range(count):
        audit.append(db, audit.Actor(actor.id, actor.role.value), action, ("user", n + 1), at)


def test_an_admin_reads_the_whole_installations_record_filtered_and_paged(
    client: TestClient, db: Session
) -> None:
    admin = create_user(db, Role.admin, name="Ada Admin")
    reviewer = create_user(db, Role.reviewer, name="Rita Reviewer")
    day = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
    _events(db, PAGE_SIZE + 5, reviewer, "candidate.view", day)
    _events(db, 3, admin, "user.disable", day + timedelta(days=3))
    db.commit()
    sign_in(client, admin)

    first = client.get("/admin/audit").text
    assert f"{PAGE_SIZE + 8} events match" in first
    assert "Page 1 of 2" in first
    assert first.split('<table id="audit-record">')[1].count("<tr>") == 1 + PAGE_SIZE
    assert "user.disable" in first.split("<tbody>")[1]  # newest first
    assert actions(db)[-1] == "audit.view-all"

    mine = client.get("/admin/audit", params={"actor": f"account:{reviewer.id}"}).text
    assert f"{PAGE_SIZE + 5} events match" in mine
    second = client.get("/admin/audit", params={"actor": f"account:{reviewer.id}", "page": 2}).text
    assert second.split('<table id="audit-record">')[1].count("<tr>") == 1 + 5
    assert "Rita Reviewer" in second
    dated = client.get("/admin/audit", params={"since": "2026-11-05", "until": "2026-11-05"}).text
    assert "3 events match" in dated
    by_action = client.get("/admin/audit", params={"action": "user.disable"}).text
    assert "3 events match" in by_action

    exported = client.get("/admin/audit.csv", params={"action": "user.disable"})
    assert exported.headers["cache-control"] == "no-store"
    lines = list(csv.DictReader(io.StringIO(exported.text)))
    assert [line["action"] for line in lines] == ["user.disable"] * 3
    recorded = db.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert recorded is not None
    assert (recorded.action, recorded.actor_id, recorded.detail) == (
        "audit.export-all",
        admin.id,
        "action=user.disable",
    )


def test_a_bad_filter_is_refused_with_a_clear_message_and_nothing_recorded(
    client: TestClient, db: Session
) -> None:
    admin = create_user(db, Role.admin)
    db.commit()
    sign_in(client, admin)
    before = actions(db)
    refused = client.get("/admin/audit", params={"actor": "someone"})
    assert refused.status_code == 422
    assert "Choose the actor from the list" in refused.text
    assert client.get("/admin/audit", params={"since": "yesterday"}).status_code == 422
    assert actions(db) == before
