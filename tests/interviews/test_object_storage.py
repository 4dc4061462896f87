"""Scale-out without a shared volume: a candidate's whole practice answer on a real
`gitops-coach serve` process whose recordings live only in S3 (moto's server on 127.0.0.1),
from the first chunk to the scored answer, the player's byte ranges and the deletion."""

import hashlib
import re
import time
from pathlib import Path

import httpx
import pytest

from app.media.storage.s3 import S3Storage
from tests.media.media_files import face_frame, speak, write_video
from tests.s3server import CREDENTIALS, S3Server, stored_names
from tests.servers import serving

pytestmark = pytest.mark.slow  # a real server process that transcribes real speech


def csrf(browser: httpx.Client, path: str) -> str:
    match = re.search(r'<meta name="csrf-token" content="([0-9a-f]+)">', browser.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def practice_session(browser: httpx.Client) -> tuple[int, str]:
    """A new candidate who agreed to recording and started one question on camera."""
    form = {"email": "sam@example.com", "display_name": "Sam", "password": "a long passphrase"}
    signed_up = browser.post(
        "/signup", data={"csrf_token": csrf(browser, "/signup"), **form}, follow_redirects=True
    )
    assert "Welcome, Sam" in signed_up.text
    token = csrf(browser, "/consent")
    assert browser.post("/consent", data={"csrf_token": token, "agree": "yes"}).status_code == 303
    chosen = {"csrf_token": token, "kind": "single", "mode": "video", "question": "drift-manual-edit"}
    started = browser.post("/sessions", data=chosen)
    assert started.status_code == 303, started.text
    return int(re.findall(r"/sessions/(\d+)/", started.headers["location"])[0]), token


def test_a_whole_answer_on_a_real_server_lives_only_in_the_bucket(
    tmp_path: Path, s3_server: S3Server, s3_storage: S3Storage
) -> None:
    speech = speak("Argo CD marks the application out of sync.", tmp_path / "speech.wav")
    recording = write_video(tmp_path / "answer.webm", [face_frame()] * 30, fps=10, wav=speech).read_bytes()
    settings = s3_server.settings(s3_storage.bucket)
    env = {
        "COACH_MEDIA_URL": str(settings.media_url),
        "COACH_S3_ENDPOINT_URL": s3_server.url,
        "COACH_S3_REGION": "us-east-1",
        "COACH_S3_ADDRESSING_STYLE": "path",
        "OMP_NUM_THREADS": "1",
        **CREDENTIALS,
    }
    with serving(tmp_path, **env) as url, httpx.Client(base_url=url, timeout=30) as browser:
        session_id, token = practice_session(browser)
        headers = {"X-CSRF-Token": token}
        take = browser.post(f"/api/sessions/{session_id}/questions/1/takes", headers=headers).json()[
            "take_id"
        ]
        assert browser.post(f"/api/takes/{take}/start", headers=headers).status_code == 200
        third = len(recording) // 3 + 1
        for seq in range(3):
            chunk = recording[seq * third : (seq + 1) * third]
            sent = browser.put(
                f"/api/takes/{take}/chunks/{seq}",
                content=chunk,
                headers={**headers, "X-Chunk-SHA256": hashlib.sha256(chunk).hexdigest()},
            )
            assert sent.status_code == 200, sent.text
        finished = browser.post(
            f"/api/takes/{take}/finish", json={"chunks": 3, "media_type": "video/webm"}, headers=headers
        )
        assert finished.status_code == 200, finished.text
        deadline = time.monotonic() + 120
        while (state := browser.get(f"/api/takes/{take}").json()["state"]) != "scored":
            assert state not in ("failed", "needs_attention"), state
            assert time.monotonic() < deadline, state
            time.sleep(0.5)

        [key] = {name.split("/")[1] for name in stored_names(s3_storage)}
        assert stored_names(s3_storage) == [f"takes/{key}/poster.jpg", f"takes/{key}/recording.webm"]
        assert not (tmp_path / "var" / "media").exists()  # nothing of it on the server's disk
        whole = browser.get(f"/media/takes/{take}")
        assert whole.status_code == 200
        assert len(whole.content) == int(whole.headers["content-length"])
        part = browser.get(f"/media/takes/{take}", headers={"Range": "bytes=100-199"})
        assert (part.status_code, part.content) == (206, whole.content[100:200])
        assert browser.get(f"/media/takes/{take}/poster").content[:2] == b"\xff\xd8"
        assert "out of sync" in browser.get(f"/sessions/{session_id}/answers/{take}").text.lower()

        deleted = browser.post(f"/sessions/{session_id}/delete", data={"csrf_token": token})
        assert deleted.status_code == 303
    assert stored_names(s3_storage) == []
