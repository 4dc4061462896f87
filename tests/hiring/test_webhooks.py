"""Webhooks against a real HTTP server on 127.0.0.1: signed requests, retries with back-off, the
delivery log, and refusal of private addresses unless allowed."""

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings, get_settings
from app.hiring import service, tasks, webhooks
from app.hiring.invitations import Candidate
from app.hiring.webhook_events import STAGE_CHANGED, SUBMITTED
from app.jobs.queue import huey
from app.models import Stage, User, WebhookDelivery
from app.models.base import utcnow
from tests.factories import csrf_token, sign_in
from tests.hiring.conftest import NOW, live_assessment


def verify(secret: str, timestamp: str, body: bytes, header: str) -> bool:
    """The README's verification, as a receiver would write it."""
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"sha256={expected}", header)


class Receiver:
    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.answers: list[int] = []  # statuses to give, in turn; then 200
        self.port = 0  # the server's, once it listens

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/coach"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            found.requests.append((dict(self.headers), body))
            status = found.answers.pop(0) if found.answers else 200
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"thanks" if status == 200 else b"try later")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    found.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield found
    server.shutdown()
    huey.flush()


def allowed() -> Settings:
    return get_settings().model_copy(update={"webhook_allow_private": True})


def deliveries(db: Session) -> list[WebhookDelivery]:
    db.expire_all()
    return list(db.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


@pytest.mark.usefixtures("bank")
def test_a_stage_change_is_posted_signed_and_logged(db: Session, receiver: Receiver) -> None:
    assessment = live_assessment(db)
    owner = db.get_one(User, assessment.owner_id)
    hook, secret = webhooks.add(db, owner, assessment.id, receiver.url, [STAGE_CHANGED], NOW)
    [issued] = service.invite(
        db, owner, assessment.id, [Candidate("Ana Lima", "ana@example.com")], utcnow()
    ).issued
    service.set_stage(db, owner, issued.invitation.id, Stage.advance, "", utcnow())
    db.commit()
    [delivery] = deliveries(db)
    assert webhooks.deliver(delivery.id, allowed(), utcnow()) is None

    [(headers, body)] = receiver.requests
    assert verify(secret, headers["X-Coach-Timestamp"], body, headers["X-Coach-Signature"])
    assert not verify("another secret", headers["X-Coach-Timestamp"], body, headers["X-Coach-Signature"])
    message = json.loads(body)
    assert (message["event"], message["stage"], message["candidate"]["email"]) == (
        STAGE_CHANGED,
        "advance",
        "ana@example.com",
    )
    assert headers["X-Coach-Event"] == STAGE_CHANGED
    assert headers["X-Coach-Delivery"] == str(delivery.id)
    [logged] = deliveries(db)
    assert (logged.result, logged.attempts, logged.response_status, logged.response_body) == (
        "delivered",
        1,
        200,
        "thanks",
    )
    assert hook.events == [STAGE_CHANGED]


@pytest.mark.usefixtures("bank")
def test_a_failing_receiver_is_retried_with_back_off_and_the_log_shows_each_answer(
    db: Session, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    assessment = live_assessment(db)
    owner = db.get_one(User, assessment.owner_id)
    webhooks.add(db, owner, assessment.id, receiver.url, [STAGE_CHANGED, SUBMITTED], NOW)
    [issued] = service.invite(db, owner, assessment.id, [Candidate("Bo", "bo@example.com")], utcnow()).issued
    service.set_stage(db, owner, issued.invitation.id, Stage.hold, "", utcnow())
    db.commit()
    receiver.answers = [500, 503]
    [task] = huey.pending()  # queued once the transaction committed
    monkeypatch.setattr(tasks, "get_settings", allowed)
    huey.execute(task)
    [delivery] = deliveries(db)
    assert (delivery.result, delivery.attempts, delivery.response_status) == ("pending", 1, 500)
    [retry] = [t for t in huey.pending() if t.eta]  # the next attempt, to run FIRST_RETRY_SECONDS later
    assert retry.eta is not None
    assert 25 < (retry.eta - datetime.now(UTC).replace(tzinfo=None)).total_seconds() <= 30
    assert webhooks.deliver(delivery.id, allowed(), utcnow()) == 2 * webhooks.FIRST_RETRY_SECONDS
    assert webhooks.deliver(delivery.id, allowed(), utcnow()) is None
    [delivery] = deliveries(db)
    assert (delivery.result, delivery.attempts, delivery.response_status) == ("delivered", 3, 200)
    assert len(receiver.requests) == 3
    assert len({body for _, body in receiver.requests}) == 1
    assert retry.args == (delivery.id,)


@pytest.mark.usefixtures("bank")
def test_private_addresses_are_refused_unless_allowed(db: Session, receiver: Receiver) -> None:
    assessment = live_assessment(db)
    owner = db.get_one(User, assessment.owner_id)
    webhooks.add(db, owner, assessment.id, receiver.url, [STAGE_CHANGED], NOW)
    [issued] = service.invite(db, owner, assessment.id, [Candidate("Cy", "cy@example.com")], utcnow()).issued
    service.set_stage(db, owner, issued.invitation.id, Stage.decline, "", utcnow())
    db.commit()
    [delivery] = deliveries(db)
    assert webhooks.deliver(delivery.id, get_settings(), utcnow()) is None
    [delivery] = deliveries(db)
    assert delivery.result == "failed"
    assert "private or local address" in delivery.error
    assert receiver.requests == []


@pytest.mark.usefixtures("bank")
def test_the_owner_adds_a_webhook_sees_its_secret_once_and_reads_its_log(
    client: TestClient, db: Session
) -> None:
    assessment = live_assessment(db)
    db.commit()
    sign_in(client, db.get_one(User, assessment.owner_id))
    form = {
        "csrf_token": csrf_token(client),
        "url": "https://ats.example.com/hooks",
        "event": [SUBMITTED, STAGE_CHANGED],
    }
    added = client.post(f"/hiring/assessments/{assessment.id}/webhooks", data=form)
    assert added.status_code == 200
    secret = added.text.split('id="webhook-secret"')[1].split('value="')[1].split('"')[0]
    page = client.get(f"/hiring/assessments/{assessment.id}").text
    assert "https://ats.example.com/hooks" in page
    assert secret not in page
    [hook] = webhooks.of_assessment(db, assessment.id)
    assert "Nothing was sent yet" in client.get(f"/hiring/webhooks/{hook.id}").text
    bad = client.post(
        f"/hiring/assessments/{assessment.id}/webhooks", data={**form, "event": ["candidate.hired"]}
    )
    assert bad.status_code == 422
    assert len(webhooks.of_assessment(db, assessment.id)) == 1
