"""Media work is bounded: only the allowed part of a recording is processed, each media step runs
in a child process with a time and a memory limit, the lease is renewed while a long step runs,
shutdown interrupts a step at once, and a failing step is counted, never swallowed."""

import logging
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.config import Settings, get_settings
from app.db import get_sessionmaker
from app.interviews import service as interviews
from app.interviews.takes import GRACE_SECONDS
from app.jobs import media_process, pipeline
from app.jobs.media_process import Limits, StepFailed
from app.models import AnswerMode, InterviewSession, SessionKind, Take, TakeState, TakeTranscript, User
from app.models.base import utcnow
from tests.factories import consenting_candidate, publish_question, submit_recording
from tests.jobs.slow_media import slow_transcription, stuck_transcription
from tests.media.media_files import looped_opus

pytestmark = pytest.mark.slow  # real media processes under time and memory limits


def recorded_take(db: Session, user: User, data: bytes, answer_seconds: int = 30) -> Take:
    publish_question(db, "drift-manual-edit", answer_seconds=answer_seconds)
    request = interviews.SessionRequest(SessionKind.single, AnswerMode.audio, question="drift-manual-edit")
    started = interviews.start_session(db, user, request, get_settings(), utcnow())
    take = submit_recording(db, user, interviews.get_session(db, user, started.id), 1, data)
    db.commit()
    return take


@pytest.fixture
def short_take(db: Session, tmp_path: Path) -> Take:
    return recorded_take(db, consenting_candidate(db), looped_opus(tmp_path / "a.webm", 3).read_bytes())


@pytest.fixture
def fresh_stop_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    """interrupt_all is for the end of a process; a test that calls it gets its own flag."""
    monkeypatch.setattr(media_process, "_stopping", threading.Event())


def test_a_tiny_file_holding_forty_minutes_is_cut_at_the_limit_and_marked_ran_over(
    db: Session, tmp_path: Path
) -> None:
    data = looped_opus(tmp_path / "forty-minutes.webm", 40 * 60).read_bytes()
    assert len(data) < 1_400_000  # the audit's file: about 1.2 MB
    take = recorded_take(db, consenting_candidate(db), data, answer_seconds=30)
    assert take.overran is False  # the server's clock saw a take stopped in time
    assert pipeline.process_take(take.id) == TakeState.scored
    db.refresh(take)
    assert take.overran is True
    assert take.duration_seconds == 30 + GRACE_SECONDS
    assert take.attempts == 0
    assert take.last_error is None


def test_a_step_over_its_time_limit_fails_the_attempt_with_a_readable_reason(
    db: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch, short_take: Take
) -> None:
    monkeypatch.setattr(settings, "media_step_seconds", 1.0)
    monkeypatch.setattr(settings, "pipeline_max_attempts", 2)
    monkeypatch.setattr(pipeline, "transcribe_recording", stuck_transcription)
    reason = "Transcription took longer than the 1 s limit and was stopped."
    assert pipeline.process_take(short_take.id) == TakeState.uploaded  # retried later
    db.refresh(short_take)
    assert short_take.attempts == 1
    assert short_take.last_error == reason
    assert short_take.claimed_until is None
    assert short_take.enqueued_at is None
    assert pipeline.process_take(short_take.id) == TakeState.failed
    db.refresh(short_take)
    assert short_take.failure_reason == f"Processing failed 2 times ({reason}). Try again, or contact us."


def test_the_lease_is_renewed_while_a_long_step_runs_so_the_reconciler_leaves_it_alone(
    db: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch, short_take: Take
) -> None:
    monkeypatch.setattr(settings, "pipeline_lease_seconds", 1)  # the step takes three leases
    monkeypatch.setattr(pipeline, "transcribe_recording", slow_transcription)
    short_take.enqueued_at = utcnow() - timedelta(minutes=5)  # the reconciler would resend a lapsed lease
    db.commit()
    renew, seen = pipeline._renew, list[tuple[datetime, datetime | None, list[int]]]()

    def renew_then_reconcile(take_id: int) -> None:
        renew(take_id)
        with get_sessionmaker()() as db:
            until = db.scalar(select(Take.claimed_until).where(Take.id == take_id))
        seen.append((utcnow(), until, pipeline.reconcile(utcnow())))

    monkeypatch.setattr(pipeline, "_renew", renew_then_reconcile)
    assert pipeline.process_take(short_take.id) == TakeState.scored
    during_transcription = [s for s in seen if s[0] < seen[0][0] + timedelta(seconds=3)]
    assert len(during_transcription) >= 6  # about three renewals per lease
    assert all(until is not None and until > at for at, until, _ in seen)
    assert all(sent == [] for _, _, sent in seen)


@pytest.mark.usefixtures("settings", "fresh_stop_flag")
def test_shutdown_interrupts_a_running_step_and_releases_the_take_for_later(
    db: Session, monkeypatch: pytest.MonkeyPatch, short_take: Take
) -> None:
    monkeypatch.setattr(pipeline, "transcribe_recording", stuck_transcription)
    threading.Timer(1.0, media_process.interrupt_all).start()
    assert pipeline.process_take(short_take.id) is None
    db.refresh(short_take)
    assert short_take.state == TakeState.uploaded
    assert short_take.attempts == 0
    assert short_take.claimed_until is None
    assert short_take.enqueued_at is None
    assert pipeline.process_take(short_take.id) is None  # and nothing new starts while stopping


def test_a_step_that_raises_key_error_counts_an_attempt_and_is_logged(
    db: Session, monkeypatch: pytest.MonkeyPatch, short_take: Take, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(take_id: int) -> None:  # noqa: ARG001 the signature of the step it replaces
        raise KeyError("glossary")

    monkeypatch.setitem(pipeline.STEPS, TakeState.uploaded, broken)
    with caplog.at_level(logging.ERROR, logger="app.jobs.pipeline"):
        assert pipeline.process_take(short_take.id) == TakeState.uploaded
    db.refresh(short_take)
    assert short_take.attempts == 1
    assert short_take.last_error == "KeyError: 'glossary'"
    assert f"pipeline step failed for take {short_take.id}" in caplog.text


def test_a_take_deleted_during_a_step_is_dropped_without_an_error(
    db: Session, monkeypatch: pytest.MonkeyPatch, short_take: Take, caplog: pytest.LogCaptureFixture
) -> None:
    session_id = short_take.session_question.session_id

    def deleted_meanwhile(take_id: int) -> None:
        with get_sessionmaker().begin() as db:
            db.execute(delete(InterviewSession).where(InterviewSession.id == session_id))
        pipeline.transcribe_step(take_id)

    monkeypatch.setitem(pipeline.STEPS, TakeState.uploaded, deleted_meanwhile)
    with caplog.at_level(logging.ERROR, logger="app.jobs.pipeline"):
        assert pipeline.process_take(short_take.id) is None
    assert caplog.text == ""
    assert db.scalars(select(TakeTranscript)).all() == []


def test_a_step_that_needs_more_memory_than_allowed_is_stopped_with_a_readable_reason() -> None:
    with pytest.raises(StepFailed, match=r"^Transcription ran out of memory \(the limit is 512 MB\)"):
        media_process.run_limited(
            bytearray,
            1024 * 2**20,
            what="Transcription",
            limits=Limits(seconds=30, memory_mb=512),
            heartbeat=lambda: None,
            heartbeat_seconds=10,
        )
    assert (
        media_process.run_limited(
            len, b"abc", what="A step", limits=Limits(30, 512), heartbeat=lambda: None, heartbeat_seconds=10
        )
        == 3
    )  # a new child takes over from the one that ran out
