"""A public link: any account may join the assessment through it, up to a cap, until the deadline."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict, Forbidden, Gone, NotFound
from app.hiring import public_link, service
from app.hiring.invitations import Candidate
from app.models import Assessment, AuditEvent, Invitation, InvitationStatus, Role
from app.models.base import utcnow
from tests.factories import create_user, csrf_token, sign_in
from tests.hiring.conftest import NOW, live_assessment, new_assessment, owner_of, row_counts


@pytest.fixture
def assessment(db: Session, bank: list[str]):  # type: ignore[no-untyped-def]  # noqa: ARG001 the questions must exist
    return new_assessment(db)


def test_accounts_join_until_the_places_are_taken(db: Session, assessment: Assessment) -> None:
    token = public_link.open_link(db, owner_of(db, assessment), assessment.id, 2, NOW)
    first, second, third = (create_user(db) for _ in range(3))
    mine = public_link.join(db, token, first, NOW)
    assert (mine.used_by_id, mine.public, mine.status, mine.email) == (
        first.id,
        True,
        InvitationStatus.opened,
        first.email,
    )
    assert public_link.join(db, token, first, NOW).id == mine.id  # joining again: the same invitation
    public_link.join(db, token, second, NOW)
    assert public_link.preview(db, token, NOW).places_left == 0
    before = row_counts(db)
    with pytest.raises(Gone, match="full"):
        public_link.join(db, token, third, NOW)
    assert row_counts(db) == before
    assert public_link.joined(db, assessment.id) == 2


def test_a_new_link_replaces_the_old_and_a_closed_one_lets_nobody_in(
    db: Session, assessment: Assessment
) -> None:
    owner = owner_of(db, assessment)
    old = public_link.open_link(db, owner, assessment.id, 5, NOW)
    new = public_link.open_link(db, owner, assessment.id, 5, NOW)
    with pytest.raises(NotFound):
        public_link.join(db, old, create_user(db), NOW)
    public_link.close_link(db, owner, assessment.id, NOW)
    with pytest.raises(NotFound):
        public_link.preview(db, new, NOW)
    actions = list(db.scalars(select(AuditEvent.action).where(AuditEvent.assessment_id == assessment.id)))
    assert actions.count("assessment.public-link") == 2
    assert "assessment.public-link-closed" in actions


def test_only_the_owner_opens_a_link_and_never_after_the_deadline(
    db: Session, assessment: Assessment
) -> None:
    member = create_user(db, Role.reviewer)
    service.add_member(db, owner_of(db, assessment), assessment.id, member.id, NOW)
    before = row_counts(db)
    with pytest.raises(Forbidden):
        public_link.open_link(db, member, assessment.id, 5, NOW)
    with pytest.raises(NotFound):
        public_link.open_link(db, create_user(db, Role.reviewer), assessment.id, 5, NOW)
    assert db.get_one(type(assessment), assessment.id).public_token_hash is None
    assert row_counts(db)["invitations"] == before["invitations"]
    with pytest.raises(Gone, match="deadline"):
        public_link.open_link(db, owner_of(db, assessment), assessment.id, 5, assessment.deadline_at)


def test_someone_with_a_personal_invitation_is_sent_to_it(db: Session, assessment: Assessment) -> None:
    owner = owner_of(db, assessment)
    person = create_user(db)
    service.invite(db, owner, assessment.id, [Candidate("Pat", person.email)], NOW)
    token = public_link.open_link(db, owner, assessment.id, 5, NOW)
    with pytest.raises(Conflict, match="personal invitation"):
        public_link.join(db, token, person, NOW)
    with pytest.raises(Gone, match="closed"):
        public_link.join(db, token, create_user(db), assessment.deadline_at + timedelta(seconds=1))


@pytest.mark.usefixtures("bank")
def test_a_candidate_joins_through_the_pages(client: TestClient, db: Session) -> None:
    owner = create_user(db, Role.reviewer)
    assessment = live_assessment(db, owner)
    db.commit()
    sign_in(client, owner)
    page = client.post(
        f"/hiring/assessments/{assessment.id}/public-link",
        data={"csrf_token": csrf_token(client), "cap": "3"},
    )
    assert page.status_code == 200
    link = page.text.split('id="public-link-address"')[1].split('value="')[1].split('"')[0]
    assert "/join/" in link
    overview = client.get(f"/hiring/assessments/{assessment.id}").text
    assert "0 of 3 places taken" in overview
    client.cookies.clear()
    path = link[link.index("/join/") :]
    anonymous = client.get(path).text
    assert "for 3 more candidates" in anonymous, anonymous
    assert f"/signup?next={path}" in anonymous, anonymous
    candidate = create_user(db)
    db.commit()
    sign_in(client, candidate)
    joined = client.post(path, data={"csrf_token": csrf_token(client)}, follow_redirects=False)
    [invitation] = db.scalars(select(Invitation).where(Invitation.used_by_id == candidate.id))
    assert joined.headers["location"] == f"/interview/{invitation.id}"
    assert "Before you begin" in client.get(joined.headers["location"]).text
    assert invitation.public
    assert utcnow() < invitation.expires_at
