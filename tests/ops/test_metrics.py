"""`/metrics` after real requests and real pipeline runs, read back through Prometheus' own parser."""

import hashlib
import re

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy.orm import Session

from app.config import Settings, get_settings
from app.interviews.service import SessionRequest, get_session, start_session
from app.jobs import pipeline
from app.jobs.queue import huey
from app.models import AnswerMode, SessionKind, TakeState
from app.models.base import utcnow
from app.ops import routes as ops_routes
from tests.factories import consenting_candidate, publish_question, sign_in, submit_recording
from tests.interviews.test_uploads import Recorder, new_session
from tests.jobs.test_pipeline import answered_session

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: TestClient) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_request_latency_is_labelled_by_route_template_never_by_path(client: TestClient) -> None:
    before = scrape(client)
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert client.get("/api/takes/987654321").status_code == 401  # not signed in
    assert client.get("/no/such/page/31337").status_code == 404
    text = client.get("/metrics").text
    after = scrape(client)
    count = "coach_http_request_duration_seconds_count"
    healthz = {"method": "GET", "route": "/healthz", "status": "200"}
    assert value(after, count, **healthz) == value(before, count, **healthz) + 3
    take = {"method": "GET", "route": "/api/takes/{take_id}", "status": "401"}
    assert value(after, count, **take) == value(before, count, **take) + 1
    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    assert value(after, count, **unmatched) == value(before, count, **unmatched) + 1
    labels = " ".join(re.findall(r"\{[^}]*\}", text))  # not the values: a latency may hold the digits
    assert "987654321" not in labels
    assert "31337" not in labels


def test_pipeline_steps_states_and_failures_after_real_runs(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ops_routes.live, "max_age_seconds", 0.0)  # count afresh on every scrape
    before = scrape(client)
    user = consenting_candidate(db)
    corrupt = b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 40
    typed, waiting_id = answered_session(
        db, user, ["Argo CD marks the app OutOfSync.", "unused"], AnswerMode.typed
    )
    waiting = scrape(client)
    assert (
        value(waiting, "coach_takes", state="uploaded") == value(before, "coach_takes", state="uploaded") + 2
    )
    assert pipeline.process_take(typed) == TakeState.scored
    video = SessionRequest(SessionKind.single, AnswerMode.video, question="drift-manual-edit")
    interview = start_session(db, user, video, get_settings(), utcnow())
    recorded = submit_recording(db, user, get_session(db, user, interview.id), 1, corrupt).id
    db.commit()
    assert pipeline.process_take(recorded) == TakeState.failed
    after = scrape(client)
    steps = "coach_pipeline_step_duration_seconds_count"
    for step in ("transcribe", "analyse", "score"):
        assert value(after, steps, step=step) == value(before, steps, step=step) + 1, step
    failures = "coach_pipeline_step_failures_total"
    media = {"step": "transcribe", "kind": "media"}
    assert value(after, failures, **media) == value(before, failures, **media) + 1
    assert value(after, "coach_takes", state="scored") == value(before, "coach_takes", state="scored") + 1
    assert value(after, "coach_takes", state="failed") == value(before, "coach_takes", state="failed") + 1
    assert value(after, "coach_takes", state="uploaded") == value(before, "coach_takes", state="uploaded") + 1
    assert waiting_id != typed  # still waiting: counted as uploaded above


def test_queue_depth_is_what_the_queue_holds(client: TestClient, db: Session) -> None:
    huey.flush()
    user = consenting_candidate(db)
    answered_session(db, user, ["Argo CD polls Git."], AnswerMode.typed)
    pipeline.reconcile(utcnow())  # sends the take to the queue
    samples = scrape(client)
    assert value(samples, "coach_queue_depth", queue="pending") == huey.pending_count() == 1
    huey.flush()
    assert value(scrape(client), "coach_queue_depth", queue="pending") == 0


def test_uploaded_bytes_are_counted_by_answer_mode(client: TestClient, db: Session) -> None:
    user = consenting_candidate(db)
    sign_in(client, user)
    publish_question(db, "drift-manual-edit")
    recorder = Recorder(client, new_session(db, user))
    recorder.start()
    before = scrape(client)
    chunk = b"\x1a\x45\xdf\xa3" + bytes(1000)
    assert recorder.send(0, chunk).status_code == 200
    refused = recorder.send(1, chunk, checksum=hashlib.sha256(b"other").hexdigest())
    assert refused.status_code == 422
    after = scrape(client)
    name = "coach_upload_bytes_total"
    assert value(after, name, mode="video") == value(before, name, mode="video") + len(chunk)


def test_a_metrics_token_keeps_everyone_else_out(
    client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "metrics_token", SecretStr("scrape-me-0123456789"))
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "scrape-me-0123456789"}):
        refused = client.get("/metrics", headers=headers)
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == "Bearer"
        assert "coach_" not in refused.text
    allowed = client.get("/metrics", headers={"Authorization": "Bearer scrape-me-0123456789"})
    assert allowed.status_code == 200
    assert "coach_http_request_duration_seconds" in allowed.text
