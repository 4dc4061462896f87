"""Real `gitops-coach serve` processes: JSON logs, several web processes sharing one secret key and
adding up their metrics, and SIGTERM letting a request in flight finish."""

import hashlib
import json
import re
import signal
import socket
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.servers import server_process

TOKEN = re.compile(r'name="csrf-token" content="(\w+)"')
EACH_REQUEST_ON_A_NEW_CONNECTION = httpx.Limits(max_keepalive_connections=0)


def token(page: httpx.Response) -> str:
    found = TOKEN.search(page.text)
    assert found, page.text[:300]
    return found.group(1)


def sign_up(browser: httpx.Client, email: str) -> httpx.Response:
    form = {"email": email, "display_name": "Ops", "password": "a long passphrase"}
    form["csrf_token"] = token(browser.get("/signup"))
    return browser.post("/signup", data=form, follow_redirects=True)


def log_lines(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / "server.log").read_text().splitlines() if line.strip()]


def test_json_logs_carry_the_request_id_and_still_hide_reset_tokens(tmp_path: Path) -> None:
    with server_process(tmp_path, COACH_LOG_FORMAT="json") as (url, _):
        answered = httpx.get(f"{url}/healthz", headers={"X-Request-ID": "probe-1"})
        assert answered.headers["x-request-id"] == "probe-1"
        assert httpx.get(f"{url}/reset/an-unknown-s3cr3t-token").status_code == 410
        ready = httpx.get(f"{url}/readyz")  # a real SQLite database, job queue and media folder
        assert ready.json() == {"status": "ok", "database": "ok", "queue": "ok", "storage": "ok"}
    lines = log_lines(tmp_path)  # every line is one JSON object, uvicorn's own included
    assert {"timestamp", "level", "logger", "message", "request_id"} <= set(lines[0])
    access = [line for line in lines if line["logger"] == "uvicorn.access"]
    probe = next(line for line in access if line["request_id"] == "probe-1")
    assert '"GET /healthz HTTP/1.1" 200' in probe["message"]
    assert any('"GET /reset/[redacted] HTTP/1.1" 410' in line["message"] for line in access)
    assert "s3cr3t" not in (tmp_path / "server.log").read_text()
    assert any("Application startup complete" in line["message"] for line in lines)


def metric(text: str, name: str, labels: dict[str, str]) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    return 0.0


@pytest.mark.slow
def test_web_processes_share_the_secret_key_and_add_up_their_metrics(tmp_path: Path) -> None:
    args = ("--web-workers", "2", "--workers", "0")
    env = {"COACH_LOG_FORMAT": "json", "COACH_SIGNUPS_PER_ADDRESS_PER_HOUR": "100"}
    with (
        server_process(tmp_path, args, **env) as (url, _),
        httpx.Client(base_url=url, limits=EACH_REQUEST_ON_A_NEW_CONNECTION) as browser,
    ):
        deadline = time.monotonic() + 120
        while (tmp_path / "server.log").read_text().count("Application startup complete") < 2:
            assert time.monotonic() < deadline, "the second web process did not start"
            time.sleep(0.2)
        for n in range(8):  # a form's token comes from one process and is checked by either
            assert "Welcome, Ops" in sign_up(browser, f"ops{n}@example.com").text
            browser.cookies.clear()
        for _ in range(30):
            assert browser.get("/healthz").status_code == 200
        text = browser.get("/metrics").text
        [shared] = (tmp_path / "var").glob("metrics-*")  # every process writes its values here
        assert any(path.name.startswith("histogram_") for path in shared.iterdir())
        counted = metric(
            text,
            "coach_http_request_duration_seconds_count",
            {"method": "GET", "route": "/healthz", "status": "200"},
        )
    served_by = {line["process"] for line in log_lines(tmp_path) if line["logger"] == "uvicorn.access"}
    assert len(served_by) == 2  # both processes answered...
    assert counted >= 30  # ...and /metrics counts every request, whichever process served it
    assert counted <= 30 + 2  # plus the start-up probes of /healthz
    assert not shared.exists()  # removed when serve stops


def started_take(browser: httpx.Client) -> tuple[int, dict[str, str]]:
    """A signed-up candidate's answer, started and waiting for its first chunk."""
    assert "Welcome" in sign_up(browser, "drain@example.com").text
    consent = {"csrf_token": token(browser.get("/consent")), "agree": "yes"}
    assert browser.post("/consent", data=consent).status_code == 303
    start = {"csrf_token": token(browser.get("/practice")), "kind": "mock", "mode": "video"}
    session = browser.post("/sessions", data=start).headers["location"]
    session_id = int(re.findall(r"/sessions/(\d+)", session)[0])
    headers = {"X-CSRF-Token": token(browser.get(f"/sessions/{session_id}"))}
    take = browser.post(f"/api/sessions/{session_id}/questions/1/takes", headers=headers).json()["take_id"]
    assert browser.post(f"/api/takes/{take}/start", headers=headers).status_code == 200
    return take, headers


def test_sigterm_lets_a_chunk_upload_in_flight_finish_then_stops(tmp_path: Path) -> None:
    chunk = b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 256
    with server_process(tmp_path) as (url, process), httpx.Client(base_url=url) as browser:
        take, headers = started_take(browser)
        cookies = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
        request = (
            f"PUT /api/takes/{take}/chunks/0 HTTP/1.1\r\nHost: {url[7:]}\r\nCookie: {cookies}\r\n"
            f"X-CSRF-Token: {headers['X-CSRF-Token']}\r\nX-Chunk-SHA256: {hashlib.sha256(chunk).hexdigest()}\r\n"
            f"Content-Type: application/octet-stream\r\nContent-Length: {len(chunk)}\r\n\r\n"
        ).encode()
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=30) as upload:
            upload.sendall(request + chunk[:1000])  # the body is still arriving...
            time.sleep(0.5)
            process.send_signal(signal.SIGTERM)  # ...when the server is asked to stop
            time.sleep(1.0)
            with pytest.raises(httpx.TransportError):
                httpx.get(f"{url}/healthz", timeout=2)  # no new requests are taken
            upload.sendall(chunk[1000:])
            reply = b""
            while b"\r\n\r\n" not in reply or not reply.endswith(b"}"):
                received = upload.recv(65536)
                if not received:
                    break
                reply += received
        assert process.wait(timeout=30) == 0
    assert reply.startswith(b"HTTP/1.1 200"), reply
    assert reply.endswith(b'{"received":[0]}')
