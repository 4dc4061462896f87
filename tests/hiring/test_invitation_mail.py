"""An invitation, issued by the service, reaches a real SMTP server on 127.0.0.1."""

import logging

import pytest
from pydantic import SecretStr
from sqlalchemy.orm import Session

from app.config import Settings
from app.hiring import service
from app.hiring.invitations import invitation_mail
from app.models import Invitation
from app.notify.mail import Delivery, deliver
from tests.hiring.conftest import NOW, invited, new_assessment, owner_of
from tests.mailserver import smtp_server


@pytest.mark.usefixtures("bank")
def test_the_invitation_email_carries_the_link_and_the_deadline_in_the_owners_zone(
    db: Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="app")
    assessment = new_assessment(db)
    owner = owner_of(db, assessment)
    issued = invited(db, assessment)
    link = f"https://coach.example/invitations/{issued.token}"
    mail = invitation_mail(issued.invitation, assessment, link, owner.display_name)
    with smtp_server() as server:
        settings = Settings(smtp_url=SecretStr(f"smtp://127.0.0.1:{server.port}"))
        assert deliver(settings, mail) == Delivery.sent
    service.mark_emailed(db, [issued.invitation.id], NOW)

    [message] = server.messages
    assert server.recipients == [["ana@example.com"]]
    assert message["Subject"] == "Interview invitation: Platform engineer, GitOps"
    body = message.get_content()
    assert link in body.splitlines()  # on a line of its own, so mail programs make it clickable
    assert body.startswith("Hello Ana Lima,")
    assert f"{owner.display_name} invites you" in body
    assert "until Tuesday 15 December 2026, 18:00 (Europe/Berlin)" in body
    assert db.get_one(Invitation, issued.invitation.id).emailed_at == NOW
    assert issued.token not in caplog.text
    assert "ana@example.com" not in caplog.text


@pytest.mark.usefixtures("bank")
def test_without_a_mail_server_the_invitation_is_not_marked_emailed(db: Session) -> None:
    assessment = new_assessment(db)
    issued = invited(db, assessment)
    mail = invitation_mail(issued.invitation, assessment, "https://coach.example/i/x", "Owner")
    assert deliver(Settings(smtp_url=None), mail) == Delivery.copy_link
    assert db.get_one(Invitation, issued.invitation.id).emailed_at is None
