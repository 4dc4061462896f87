"""Real worker processes: one is killed in the middle of a transcription, another finishes the
job, on the SQLite queue and on Redis. Nothing is lost and nothing is scored twice."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app import migrate
from app.config import get_settings
from app.db import build_engine
from app.interviews import service as interviews
from app.media.storage import FileStorage
from app.models import AnswerMode, SessionKind, Take, TakeScore, TakeState
from app.models.base import utcnow
from app.paths import QUESTION_BANK_DIR
from app.questions import sync
from app.questions.bank_files import load_bank
from tests.factories import consenting_candidate, create_user, publish_question, submit_recording
from tests.media.media_files import face_frame, looped_opus, speak, write_video

pytestmark = pytest.mark.slow  # real worker processes transcribing real speech

REDIS_URL = "redis://127.0.0.1:6379/15"
LONG_ANSWER = (
    "Argo CD compares the desired state from Git with the live state in the cluster. When someone edits a "
    "deployment by hand the application shows as out of sync. Only automated sync with self heal puts it back. "
) * 4


def local_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    return env | {
        "COACH_VAR_DIR": str(tmp_path / "var"),
        "COACH_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'coach.db'}",
        "COACH_PIPELINE_LEASE_SECONDS": "20",  # longer than any one step here, short enough to wait out
        "COACH_RECONCILE_SECONDS": "1",
    }


@pytest.fixture(params=["sqlite-queue", "redis-queue"])
def worker_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    env = local_env(tmp_path)
    if request.param == "redis-queue":
        client = redis.Redis.from_url(REDIS_URL)
        try:
            client.flushdb()
        except redis.ConnectionError:
            pytest.fail("Redis is not running on 127.0.0.1:6379; .ci/run starts it")
        env["COACH_REDIS_URL"] = REDIS_URL
        yield env
        client.flushdb()
    else:
        yield env


def answered_takes(env: dict[str, str], recordings: list[bytes]) -> tuple[Engine, list[int]]:
    """A database of the workers' own, holding one session whose answers were all uploaded."""
    url = env["COACH_DATABASE_URL"]
    migrate.upgrade(url)
    engine = build_engine(url)
    db = Session(engine)
    sync.sync_bank(db, load_bank(QUESTION_BANK_DIR))
    user = create_user(db)
    interviews.give_consent(db, user, utcnow())
    request = interviews.SessionRequest(SessionKind.practice, AnswerMode.video, count=len(recordings))
    interview = interviews.get_session(
        db, user, interviews.start_session(db, user, request, get_settings(), utcnow()).id
    )
    storage = FileStorage(Path(env["COACH_VAR_DIR"]) / "media")
    ids = []
    for position, data in enumerate(recordings, start=1):
        take = submit_recording(db, user, interview, position, data, storage)
        take.enqueued_at = None  # as if the enqueue message was lost: only the reconciler can find them
        ids.append(take.id)
    db.commit()
    db.close()
    return engine, ids


def start_worker(env: dict[str, str], log: Path, *command: str) -> subprocess.Popen[bytes]:
    coach = str(Path(sys.executable).with_name("gitops-coach"))
    return subprocess.Popen(
        [coach, *(command or ("worker",)), "--workers", "1"],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_worker_killed_mid_transcription_loses_nothing(worker_env: dict[str, str], tmp_path: Path) -> None:
    long_speech = speak(LONG_ANSWER, tmp_path / "long.wav")
    short_speech = speak("Argo CD polls Git every three minutes.", tmp_path / "short.wav")
    long_video = write_video(tmp_path / "long.webm", [face_frame()] * 20, fps=2, wav=long_speech).read_bytes()
    short_video = write_video(
        tmp_path / "short.webm", [face_frame()] * 10, fps=5, wav=short_speech
    ).read_bytes()
    engine, ids = answered_takes(worker_env, [long_video, short_video, short_video])

    def takes() -> dict[int, Take]:
        """A fresh look each time, in a transaction that ends at once (never holding a lock)."""
        with Session(engine) as db:
            return {t.id: t for t in db.scalars(select(Take))}

    log = tmp_path / "workers.log"
    first = start_worker(worker_env, log)
    try:
        wait_for(
            lambda: any(t.state == TakeState.uploaded and t.claimed_until for t in takes().values()),
            90,
            "a worker to start transcribing",
        )
        first.send_signal(signal.SIGKILL)  # in the middle of a transcription
        first.wait(timeout=10)
        assert any(t.state != TakeState.scored for t in takes().values())
        second = start_worker(worker_env, log)
        try:
            wait_for(
                lambda: all(t.state == TakeState.scored for t in takes().values()), 180, "every answer scored"
            )
        finally:
            second.terminate()
            second.wait(timeout=20)
    finally:
        if first.poll() is None:
            first.kill()
    with Session(engine) as db:
        scores = db.execute(select(TakeScore.take_id, func.count()).group_by(TakeScore.take_id)).all()
    assert sorted(scores) == sorted((take_id, 1) for take_id in ids), log.read_text()[-3000:]
    engine.dispose()


def long_take(env: dict[str, str], data: bytes) -> tuple[Engine, int]:
    """A database of the workers' own, with one uploaded answer to a question allowing 10 minutes."""
    url = env["COACH_DATABASE_URL"]
    migrate.upgrade(url)
    engine = build_engine(url)
    with Session(engine) as db:
        publish_question(db, "drift-manual-edit", answer_seconds=600)
        user = consenting_candidate(db)
        request = interviews.SessionRequest(
            SessionKind.single, AnswerMode.audio, question="drift-manual-edit"
        )
        started = interviews.start_session(db, user, request, get_settings(), utcnow())
        interview = interviews.get_session(db, user, started.id)
        storage = FileStorage(Path(env["COACH_VAR_DIR"]) / "media")
        take = submit_recording(db, user, interview, 1, data, storage)
        take.enqueued_at = None  # only the reconciler will find it
        db.commit()
        return engine, take.id


@pytest.mark.parametrize(
    ("command", "stop"),
    [
        (("worker",), signal.SIGINT),
        (("worker",), signal.SIGTERM),
        (("serve", "--port", "8141"), signal.SIGTERM),
    ],
    ids=["worker-SIGINT", "worker-SIGTERM", "serve-SIGTERM"],
)
def test_stopping_during_a_long_transcription_returns_promptly_and_releases_the_take(
    command: tuple[str, ...], stop: signal.Signals, tmp_path: Path
) -> None:
    env = local_env(tmp_path)
    # speech, not silence: the recogniser skips silence, and on a quiet machine the whole answer was
    # processed within the two seconds below, so the stop came too late to interrupt anything
    speech = speak(LONG_ANSWER, tmp_path / "speech.wav")
    engine, take_id = long_take(env, looped_opus(tmp_path / "long.webm", 600, wav=speech).read_bytes())

    def take() -> Take:
        with Session(engine) as db:
            found = db.get(Take, take_id)
            assert found is not None
            return found

    log = tmp_path / "worker.log"
    process = start_worker(env, log, *command)
    try:
        wait_for(lambda: take().claimed_until is not None, 90, "the worker to start transcribing")
        if command[0] == "serve":  # until uvicorn has started, Huey's handler swallows SIGTERM
            wait_for(lambda: "Application startup complete" in log.read_text(), 60, "the web server")
        time.sleep(2)  # well inside a transcription of ten minutes of audio
        process.send_signal(stop)
        process.wait(timeout=20)  # the transcription alone would take minutes
    finally:
        if process.poll() is None:
            process.kill()
    released = take()
    assert released.state == TakeState.uploaded, log.read_text()[-3000:]
    assert released.attempts == 0, log.read_text()[-3000:]
    assert released.claimed_until is None
    assert released.enqueued_at is None
    assert f"take {take_id} is released and will be processed again" in log.read_text()
    engine.dispose()
