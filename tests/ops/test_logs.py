"""Request ids: taken from a plain X-Request-ID or made up, returned in the response, and carried by
every JSON log line written while the request is served, a crash's included."""

import contextvars
import io
import json
import logging
import re
from collections.abc import Iterator

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from app.jobs.queue import enqueue, huey
from app.logs import REQUEST_ID, JsonFormatter, request_id_from
from app.main import create_app

GENERATED = re.compile(r"^[0-9a-f]{16}$")


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logging.getLogger().addHandler(handler)
    yield stream
    logging.getLogger().removeHandler(handler)


@pytest.mark.parametrize("incoming", ["abc-123", "req_7.A:9", "f" * 64])
def test_a_plain_incoming_id_is_kept(incoming: str) -> None:
    assert request_id_from(incoming) == incoming


@pytest.mark.parametrize("incoming", [None, "", "a b", 'x\n{"level": "forged"}', "f" * 65, "é"])
def test_anything_else_gets_a_new_id(incoming: str | None) -> None:
    assert GENERATED.match(request_id_from(incoming))


def test_every_response_carries_its_request_id(client: TestClient) -> None:
    assert client.get("/healthz", headers={"X-Request-ID": "lb-42"}).headers["x-request-id"] == "lb-42"
    first, second = (client.get("/login").headers["x-request-id"] for _ in range(2))
    assert GENERATED.match(first)
    assert first != second
    refused = client.get("/healthz", headers={"X-Request-ID": "two words"})
    assert GENERATED.match(refused.headers["x-request-id"])


@pytest.mark.usefixtures("connection")
def test_a_crash_is_logged_as_one_json_line_with_the_request_id(json_log: io.StringIO) -> None:
    app = create_app()  # a fresh app: the shared one must not gain a test route
    router = APIRouter()

    @router.get("/boom-for-test")
    def boom() -> None:
        logging.getLogger("app.test").warning("about to fail for test@example.com's request")
        raise RuntimeError("boom")

    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom-for-test", headers={"X-Request-ID": "trace-77"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "trace-77"
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    warning = next(line for line in lines if line["logger"] == "app.test")
    assert warning["request_id"] == "trace-77"
    assert warning["level"] == "warning"
    assert warning["message"] == "about to fail for test@example.com's request"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$", warning["timestamp"])
    crash = next(line for line in lines if line["message"].startswith("unhandled error on GET"))
    assert crash["request_id"] == "trace-77"
    assert crash["level"] == "error"
    assert "RuntimeError: boom" in crash["exception"]


@pytest.mark.usefixtures("connection")
def test_a_job_sent_while_serving_a_request_logs_with_its_id(
    json_log: io.StringIO, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="huey")  # Huey says "... executed in ..." at info
    huey.flush()
    context = contextvars.copy_context()
    context.run(REQUEST_ID.set, "upload-5")
    context.run(enqueue, "process_take", 999_999_998)  # no such take: the job does nothing
    enqueue("process_take", 999_999_999)  # sent by no request (as the reconciler does)
    sent, unsent = huey.dequeue(), huey.dequeue()
    for task in (sent, unsent):
        huey.execute(task)
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    executed = [line for line in lines if " executed in " in line["message"]]
    assert not [line for line in lines if line["level"] == "error"]
    assert [line["request_id"] for line in executed] == ["upload-5", None]
    assert REQUEST_ID.get() is None  # nothing is left behind in this thread
