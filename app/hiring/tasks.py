"""Invitation email and reminders, and webhook deliveries, run by the job queue outside any
request. Only a token's hash is stored, so a link cannot be sent twice: each email (the
invitation, the reminder before the deadline) carries a new link, and the one before it stops
working."""

import logging
from datetime import datetime, timedelta

from huey import crontab
from sqlalchemy import select, update

from app.config import Settings, get_settings
from app.db import get_sessionmaker
from app.hiring import webhooks
from app.hiring.invitations import invitation_mail
from app.hiring.service import SEND_INVITATION, invitation_link, rotate_token, status_now
from app.hiring.webhook_events import DELIVER_WEBHOOK
from app.jobs.queue import enqueue_after_commit, enqueue_later, huey, job
from app.models import Assessment, Invitation, InvitationStatus, User
from app.models.base import utcnow
from app.notify.mail import Delivery, deliver

log = logging.getLogger(__name__)
REMINDER_BEFORE = timedelta(hours=24)  # candidates still to submit hear from us a day before the deadline
WAITING = (InvitationStatus.invited, InvitationStatus.opened, InvitationStatus.started)


def send_invitation(invitation_id: int, reminder: bool, settings: Settings, now: datetime) -> Delivery | None:
    """Email the candidate a new link: the invitation, or a reminder. Nothing is sent for a
    candidate who submitted or whose invitation expired. The link is issued in one short
    transaction and the sending noted in another; the database is never held while mailing."""
    if settings.smtp_url is None:
        return None
    with get_sessionmaker().begin() as db:
        invitation = db.get(Invitation, invitation_id)
        if invitation is None or status_now(invitation, now) not in WAITING:
            return None
        assessment = db.get_one(Assessment, invitation.assessment_id)
        inviter = db.get_one(User, assessment.owner_id).display_name
        link = invitation_link(settings.public_url, rotate_token(invitation))
        mail = invitation_mail(invitation, assessment, link, inviter, reminder=reminder)
    delivery = deliver(settings, mail)  # MailNotSent: the job is tried again with another new link
    if not reminder:
        with get_sessionmaker().begin() as db:
            db.execute(update(Invitation).where(Invitation.id == invitation_id).values(emailed_at=now))
    return delivery


@job(SEND_INVITATION, retries=3, retry_delay=120)
def send_invitation_job(invitation_id: int, reminder: bool) -> None:
    send_invitation(invitation_id, reminder, get_settings(), utcnow())


def queue_reminders(settings: Settings, now: datetime) -> list[int]:
    """Reminders for emailed candidates who have not submitted and whose deadline is within a
    day: each is marked reminded now (so only one is ever sent) and queued once that commits."""
    if settings.smtp_url is None:
        return []
    with get_sessionmaker().begin() as db:
        due = list(
            db.scalars(
                select(Invitation.id).where(
                    Invitation.emailed_at.is_not(None),
                    Invitation.reminded_at.is_(None),
                    Invitation.status.in_(WAITING),
                    Invitation.expires_at > now,
                    Invitation.expires_at <= now + REMINDER_BEFORE,
                )
            )
        )
        if due:
            db.execute(update(Invitation).where(Invitation.id.in_(due)).values(reminded_at=now))
        for invitation_id in due:
            enqueue_after_commit(db, SEND_INVITATION, invitation_id, True)
    if due:
        log.info("queued %d invitation reminders", len(due))
    return due


@huey.periodic_task(crontab(minute="*/15"))  # type: ignore[untyped-decorator]  # huey ships no types
def queue_reminders_job() -> None:
    queue_reminders(get_settings(), utcnow())


@job(DELIVER_WEBHOOK)
def deliver_webhook_job(delivery_id: int) -> None:
    """One attempt; a failed one is sent again later, with back-off, until it gives up."""
    retry_in = webhooks.deliver(delivery_id, get_settings(), utcnow())
    if retry_in is not None:
        enqueue_later(DELIVER_WEBHOOK, retry_in, delivery_id)
