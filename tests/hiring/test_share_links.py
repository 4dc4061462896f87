"""Share links: one candidate's packet for a colleague without an account, scoped, masked,
expiring, revocable, every opening recorded."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Forbidden, Gone, NotFound
from app.hiring import share_links
from app.hiring.answers import assessment_questions
from app.models import AuditEvent, ShareLink
from app.models.base import utcnow
from tests.factories import csrf_token, sign_in
from tests.hiring.answered import recorded, team
from tests.test_authorization import WEBM_START


def opened(db: Session) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == "share.open")))


@pytest.mark.parametrize("media", ["files", "s3"], indirect=True)
@pytest.mark.usefixtures("bank", "media")
def test_a_colleague_opens_only_the_shared_answers_with_the_name_masked(
    client: TestClient, db: Session
) -> None:
    crew = team(db)
    # "Cam.Doe": a dot cannot occur in the link's random token, where a bare "Cam" once did
    answer, take = recorded(db, crew.assessment, "cam.doe@example.com", WEBM_START)
    first, second = assessment_questions(db, crew.assessment.id)
    db.commit()
    sign_in(client, crew.owner)
    review = client.get(f"/hiring/assessments/{crew.assessment.id}/candidates/{answer.invitation.id}").text
    assert "Share this packet" in review
    form = {"csrf_token": csrf_token(client), "question": [str(first.id)], "days": "3"}
    page = client.post(f"/hiring/invitations/{answer.invitation.id}/share", data=form)
    address = page.text.split('id="share-address"')[1].split('value="')[1].split('"')[0]
    path = address[address.index("/share/") :]

    client.cookies.clear()  # the colleague has no account
    packet = client.get(path).text
    assert f"Candidate {answer.invitation.id}" in packet
    assert answer.invitation.name not in packet
    assert "cam.doe@example.com" not in packet
    assert first.question_version.content["title"] in packet
    assert second.question_version.content["title"] not in packet
    recording = client.get(f"{path}/answers/{take.id}/recording")
    assert recording.status_code == 200
    assert recording.content == WEBM_START
    assert [e.subject_id for e in opened(db)] == [answer.candidate.id]
    assert client.get(path.replace(path[7:], "not-a-token")).status_code == 404


@pytest.mark.usefixtures("bank")
def test_a_link_stops_working_when_revoked_or_expired_and_only_the_owner_shares(db: Session) -> None:
    crew = team(db)
    [first, _] = assessment_questions(db, crew.assessment.id)
    with pytest.raises(Forbidden):
        share_links.create(db, crew.colleague, crew.strong.id, [first.id], True, 7, utcnow())
    assert not db.scalars(select(ShareLink)).all()
    link, token = share_links.create(db, crew.owner, crew.strong.id, [first.id], False, 1, utcnow())
    assert share_links.open_packet(db, token, utcnow()).candidate == crew.strong.name
    with pytest.raises(Gone):
        share_links.open_packet(db, token, utcnow() + timedelta(days=1, seconds=1))
    share_links.revoke(db, crew.owner, link.id, utcnow())
    with pytest.raises(NotFound):
        share_links.open_packet(db, token, utcnow())
