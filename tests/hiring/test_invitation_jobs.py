"""Invitation emails and reminders from the job queue, through a real SMTP server on 127.0.0.1:
each email carries a new link and the one before stops working."""

import re
from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy.orm import Session

from app.config import Settings
from app.errors import NotFound
from app.hiring import service
from app.hiring.tasks import queue_reminders, send_invitation
from app.models import Invitation
from app.notify.mail import Delivery
from tests.factories import create_user
from tests.hiring.conftest import NOW, invited, new_assessment, submitted
from tests.mailserver import MailServer, smtp_server

LINK = re.compile(r"^https://coach\.example/invite/([\w-]+)\r?$", re.MULTILINE)


def mail_settings(server: MailServer) -> Settings:
    return Settings(smtp_url=SecretStr(f"smtp://127.0.0.1:{server.port}"), public_url="https://coach.example")


def link_token(server: MailServer, index: int = -1) -> str:
    found = LINK.search(server.messages[index].get_content())
    assert found, server.messages[index].get_content()
    return found.group(1)


@pytest.mark.usefixtures("bank")
def test_the_invitation_job_emails_a_working_link_and_notes_it(db: Session) -> None:
    assessment = new_assessment(db)
    issued = invited(db, assessment)
    with smtp_server() as server:
        assert send_invitation(issued.invitation.id, False, mail_settings(server), NOW) == Delivery.sent
    assert server.recipients == [["ana@example.com"]]
    assert server.messages[0]["Subject"] == "Interview invitation: Platform engineer, GitOps"
    db.expire_all()
    assert db.get_one(Invitation, issued.invitation.id).emailed_at == NOW
    candidate = create_user(db)
    with pytest.raises(NotFound):  # the link made at invitation time was replaced by the emailed one
        service.claim_invitation(db, issued.token, candidate, NOW)
    assert service.claim_invitation(db, link_token(server), candidate, NOW).id == issued.invitation.id


@pytest.mark.usefixtures("bank")
def test_a_reminder_goes_once_a_day_before_the_deadline_with_a_new_link(db: Session) -> None:
    assessment = new_assessment(db)
    waiting = invited(db, assessment, "bo@example.com").invitation
    done = submitted(db, assessment, "ana@example.com")
    for invitation in (waiting, done):
        invitation.emailed_at = NOW
    db.flush()
    day_before = waiting.expires_at - timedelta(hours=23)
    with smtp_server() as server:
        settings = mail_settings(server)
        assert queue_reminders(settings, waiting.expires_at - timedelta(hours=25)) == []  # too early
        assert queue_reminders(settings, day_before) == [waiting.id]
        assert queue_reminders(settings, day_before + timedelta(hours=1)) == []  # once only
        send_invitation(waiting.id, True, settings, day_before)
        assert send_invitation(done.id, True, settings, day_before) is None  # submitted: nothing sent
    [reminder] = server.messages
    assert reminder["Subject"] == "Reminder: Platform engineer, GitOps"
    assert "the one you were sent before no longer works" in reminder.get_content()
    db.expire_all()
    candidate = create_user(db)
    assert service.claim_invitation(db, link_token(server), candidate, day_before).id == waiting.id


@pytest.mark.usefixtures("bank")
def test_without_a_mail_server_nothing_is_queued_or_sent(db: Session) -> None:
    assessment = new_assessment(db)
    issued = invited(db, assessment)
    issued.invitation.emailed_at = NOW
    db.flush()
    settings = Settings(smtp_url=None)
    assert queue_reminders(settings, issued.invitation.expires_at - timedelta(hours=1)) == []
    assert send_invitation(issued.invitation.id, False, settings, NOW) is None
    assert service.mail_invitations(db, settings, [issued]) is False
