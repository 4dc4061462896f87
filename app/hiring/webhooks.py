"""Webhooks of an assessment: the owner adds an address and the events it wants and is shown its
secret once; each delivery is POSTed with its signature, retried with back-off when the receiver
fails, and logged with the receiver's answer. Addresses on loopback or private networks are
refused unless `COACH_WEBHOOK_ALLOW_PRIVATE` is on, so a webhook cannot probe the server's own
network."""

import ipaddress
import secrets
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import get_sessionmaker
from app.errors import InvalidInput, NotFound
from app.hiring.access import Action
from app.hiring.service import open_assessment, record
from app.hiring.webhook_events import EVENTS, signature
from app.models import User, Webhook, WebhookDelivery

MAX_ATTEMPTS = 6
FIRST_RETRY_SECONDS = 30  # then 60, 120, 240, 480: about a quarter of an hour in all
TIMEOUT_SECONDS = 10.0
MAX_WEBHOOKS = 5  # per assessment
LOG_SHOWN = 50
DELIVERED, PENDING, FAILED = "delivered", "pending", "failed"


def _checked_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username or parts.password:
        raise InvalidInput("A webhook address is an http(s) URL with a host and no user name or password.")
    return parts.geturl()


def add(
    db: Session, actor: User, assessment_id: int, url: str, events: Sequence[str], now: datetime
) -> tuple[Webhook, str]:
    """A new webhook (the owner only); returns it with its secret, which is not shown again."""
    assessment = open_assessment(db, actor, assessment_id, Action.edit, now)
    wanted = [e for e in EVENTS if e in events]
    if not wanted or len(wanted) != len(set(events)):
        raise InvalidInput(f"Choose one or more of the events {', '.join(EVENTS)}.")
    if (
        len(db.scalars(select(Webhook.id).where(Webhook.assessment_id == assessment.id)).all())
        >= MAX_WEBHOOKS
    ):
        raise InvalidInput(f"An assessment can have at most {MAX_WEBHOOKS} webhooks.")
    secret = secrets.token_hex(32)
    hook = Webhook(
        assessment_id=assessment.id, url=_checked_url(url), secret=secret, events=wanted, created_at=now
    )
    db.add(hook)
    db.flush()
    record(
        db, actor, "webhook.add", "assessment", assessment.id, now, detail=urlsplit(hook.url).hostname or ""
    )
    return hook, secret


def of_assessment(db: Session, assessment_id: int) -> list[Webhook]:
    return list(
        db.scalars(select(Webhook).where(Webhook.assessment_id == assessment_id).order_by(Webhook.id))
    )


def remove(db: Session, actor: User, webhook_id: int, now: datetime) -> int:
    hook = db.get(Webhook, webhook_id)
    if hook is None:
        raise NotFound("There is no such webhook.")
    open_assessment(db, actor, hook.assessment_id, Action.edit, now)
    db.delete(hook)
    record(db, actor, "webhook.remove", "assessment", hook.assessment_id, now)
    return hook.assessment_id


@dataclass(frozen=True)
class WebhookLog:
    webhook: Webhook
    deliveries: list[WebhookDelivery]


def delivery_log(db: Session, actor: User, webhook_id: int, now: datetime) -> WebhookLog:
    hook = db.get(Webhook, webhook_id)
    if hook is None:
        raise NotFound("There is no such webhook.")
    open_assessment(db, actor, hook.assessment_id, Action.edit, now)
    shown = db.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == hook.id)
        .order_by(WebhookDelivery.id.desc())
        .limit(LOG_SHOWN)
    )
    return WebhookLog(hook, list(shown))


def _refused_address(host: str, settings: Settings) -> str | None:
    if settings.webhook_allow_private:
        return None
    try:
        found = {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
    except OSError as error:
        return f"the host could not be resolved ({error.strerror or error})"
    for address in found:
        ip = ipaddress.ip_address(address.split("%")[0])
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast:
            return f"{host} is a private or local address"
    return None


def deliver(delivery_id: int, settings: Settings, now: datetime) -> float | None:
    """One attempt at a delivery; returns the seconds until the next attempt, or None when it is
    delivered, has failed for good, or no longer exists. The database is never held while the
    receiver is being called."""
    with get_sessionmaker().begin() as db:
        delivery = db.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.result != PENDING:
            return None
        hook = db.get_one(Webhook, delivery.webhook_id)
        url, secret, body, event = hook.url, hook.secret, delivery.body.encode(), delivery.event
    status, answer, error = None, "", ""
    refused = _refused_address(urlsplit(url).hostname or "", settings)
    if refused:
        error = f"not sent: {refused}"
    else:
        stamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "gitops-interview-coach-webhooks",
            "X-Coach-Event": event,
            "X-Coach-Delivery": str(delivery_id),
            "X-Coach-Timestamp": str(stamp),
            "X-Coach-Signature": signature(secret, stamp, body),
        }
        try:
            response = httpx.post(
                url, content=body, headers=headers, timeout=TIMEOUT_SECONDS, follow_redirects=False
            )
            status, answer = response.status_code, response.text[:500]
        except httpx.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}"[:300]
    with get_sessionmaker().begin() as db:
        delivery = db.get(WebhookDelivery, delivery_id)
        if delivery is None:
            return None
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.response_status, delivery.response_body, delivery.error = status, answer, error
        if status is not None and 200 <= status < 300:
            delivery.result = DELIVERED
            return None
        if delivery.attempts >= MAX_ATTEMPTS or refused:
            delivery.result = FAILED
            return None
        return float(FIRST_RETRY_SECONDS * 2 ** (delivery.attempts - 1))
