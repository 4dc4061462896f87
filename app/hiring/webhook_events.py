"""Telling an assessment's webhooks what happened: each event becomes one delivery per webhook
that wants it, sent by the job queue once the transaction commits. The body is fixed here, and
exactly those bytes are signed and sent (also on every retry)."""

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.jobs.queue import enqueue_after_commit
from app.models import Invitation, Webhook, WebhookDelivery

SUBMITTED = "candidate.submitted"
RATED = "candidate.rated"
STAGE_CHANGED = "candidate.stage-changed"
EVENTS = (SUBMITTED, RATED, STAGE_CHANGED)
DELIVER_WEBHOOK = "deliver_webhook"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>", as the `X-Coach-Signature` header carries it."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def emit(db: Session, invitation: Invitation, event: str, now: datetime, **details: Any) -> int:
    """Queue `event` about one candidate for every webhook of their assessment that wants it."""
    hooks = [
        hook
        for hook in db.scalars(select(Webhook).where(Webhook.assessment_id == invitation.assessment_id))
        if event in hook.events
    ]
    message = {
        "event": event,
        "at": now.isoformat(),
        "assessment_id": invitation.assessment_id,
        "candidate": {"invitation_id": invitation.id, "name": invitation.name, "email": invitation.email},
        **details,
    }
    body = json.dumps(message, sort_keys=True, separators=(",", ":"))
    for hook in hooks:
        delivery = WebhookDelivery(
            webhook_id=hook.id, invitation_id=invitation.id, event=event, body=body, created_at=now
        )
        db.add(delivery)
        db.flush()
        enqueue_after_commit(db, DELIVER_WEBHOOK, delivery.id)
    return len(hooks)
