"""The answer pipeline, step by step, on real recordings."""

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import get_settings
from app.interviews import service as interviews
from app.interviews.takes import (
    GRACE_SECONDS,
    begin_take,
    correct_transcript,
    get_take,
    retry_take,
    start_answer,
    submit_typed,
)
from app.jobs import pipeline
from app.jobs.queue import huey
from app.media.storage import get_storage
from app.models import (
    AnswerMode,
    SessionKind,
    Take,
    TakeScore,
    TakeState,
    TakeTranscript,
    TakeVideoReport,
    User,
)
from app.models.base import utcnow
from tests.factories import consenting_candidate, publish_question, submit_recording
from tests.media.media_files import face_frame, speak, wav_seconds, write_video

SPEECH = "Argo CD compares the live state with the desired state and marks the application out of sync."


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("pipeline")
    speech = speak(SPEECH, folder / "speech.wav")
    return write_video(folder / "answer.webm", [face_frame()] * 40, fps=10, wav=speech).read_bytes()


def answered_session(db: Session, user: User, payloads: Sequence[bytes | str], mode: AnswerMode) -> list[int]:
    """A session whose takes were uploaded (bytes) or typed (str); returns the take ids."""
    slugs = ["drift-manual-edit", "sync-interval", "secrets-in-git", "rollback-bad-deploy"][: len(payloads)]
    for slug in slugs:
        publish_question(db, slug)
    request = interviews.SessionRequest(SessionKind.practice, mode, count=len(payloads))
    interview = interviews.get_session(
        db, user, interviews.start_session(db, user, request, get_settings(), utcnow()).id
    )
    ids = []
    for position, payload in enumerate(payloads, start=1):
        if isinstance(payload, str):
            take = begin_take(db, user, interview, position, utcnow())
            start_answer(take, utcnow())
            submit_typed(take, payload, utcnow())
        else:
            take = submit_recording(db, user, interview, position, payload)
        ids.append(take.id)
    db.commit()
    return ids


def state(db: Session, take_id: int) -> TakeState:
    db.expire_all()
    take = db.get(Take, take_id)
    assert take is not None
    return take.state


@pytest.mark.slow
@pytest.mark.parametrize("media", ["files", "s3"], indirect=True)
@pytest.mark.usefixtures("media")
def test_a_recorded_answer_is_transcribed_analysed_and_scored(db: Session, recording: bytes) -> None:
    user = consenting_candidate(db)
    [take_id] = answered_session(db, user, [recording], AnswerMode.video)
    assert pipeline.process_take(take_id) == TakeState.scored
    db.expire_all()
    transcript = db.scalars(select(TakeTranscript).where(TakeTranscript.take_id == take_id)).one()
    assert "out of sync" in transcript.text.lower()
    assert transcript.words
    assert transcript.words[-1]["end"] <= (db.get(Take, take_id).duration_seconds or 0) + 0.01  # type: ignore[union-attr]
    video = db.scalars(select(TakeVideoReport).where(TakeVideoReport.take_id == take_id)).one()
    assert video.analysis["face_visible_share"] > 0.8
    assert video.has_poster
    assert (get_storage().read_poster(db.get(Take, take_id).media_key) or b"")[:2] == b"\xff\xd8"  # type: ignore[union-attr]
    score = db.scalars(select(TakeScore).where(TakeScore.take_id == take_id)).one()
    assert score.scorer == "rubric"
    assert not score.fallback
    assert score.report["question_version"] == 1
    assert all(q in transcript.text for c in score.report["criteria"] for q in c["evidence"])


def test_a_typed_answer_skips_speech_and_video(db: Session) -> None:
    user = consenting_candidate(db)
    [take_id] = answered_session(
        db, user, ["Argo CD marks the app OutOfSync; only selfHeal reverts it."], AnswerMode.typed
    )
    assert pipeline.process_take(take_id) == TakeState.scored
    assert db.scalars(select(TakeTranscript.model).where(TakeTranscript.take_id == take_id)).one() == "typed"
    video = db.scalars(select(TakeVideoReport).where(TakeVideoReport.take_id == take_id)).one()
    assert video.analysis["notes"] == ["This answer has no video."]


def test_a_corrupt_recording_needs_attention_and_the_others_still_finish(
    db: Session, recording: bytes
) -> None:
    user = consenting_candidate(db)
    corrupt = b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 40
    good_id, bad_id = answered_session(db, user, [recording, corrupt], AnswerMode.video)
    assert pipeline.process_take(bad_id) == TakeState.failed
    assert pipeline.process_take(good_id) == TakeState.scored
    db.expire_all()  # the pipeline wrote through its own session
    bad = db.get(Take, bad_id)
    assert bad is not None
    assert bad.failure_reason
    assert "audio" in bad.failure_reason.lower()


def test_processing_twice_scores_once(db: Session) -> None:
    user = consenting_candidate(db)
    [take_id] = answered_session(db, user, ["Argo CD polls Git every three minutes."], AnswerMode.typed)
    pipeline.process_take(take_id)
    assert pipeline.process_take(take_id) is None  # nothing left to claim
    assert len(db.scalars(select(TakeScore).where(TakeScore.take_id == take_id)).all()) == 1


def test_a_take_leased_by_another_worker_is_left_alone(db: Session) -> None:
    user = consenting_candidate(db)
    [take_id] = answered_session(db, user, ["Argo CD polls Git."], AnswerMode.typed)
    assert pipeline.claim(take_id, utcnow())
    assert pipeline.process_take(take_id) is None
    assert state(db, take_id) == TakeState.uploaded


def test_errors_are_retried_a_bounded_number_of_times_then_need_attention(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = consenting_candidate(db)
    [take_id] = answered_session(db, user, ["Argo CD polls Git."], AnswerMode.typed)

    def broken(take_id: int) -> None:  # noqa: ARG001 the signature of the step it replaces
        raise ConnectionError("the scorer's server went away")

    monkeypatch.setitem(pipeline.STEPS, TakeState.uploaded, broken)
    for _ in range(get_settings().pipeline_max_attempts - 1):
        assert pipeline.process_take(take_id) == TakeState.uploaded
    assert pipeline.process_take(take_id) == TakeState.failed
    take = db.get(Take, take_id)
    db.refresh(take)
    assert take is not None
    assert "the scorer's server went away" in (take.failure_reason or "")
    monkeypatch.undo()
    retry_take(db, take, utcnow())
    db.commit()
    assert pipeline.process_take(take_id) == TakeState.scored


def test_the_reconciler_resends_lost_and_stuck_work_but_not_live_or_finished_work(db: Session) -> None:
    user = consenting_candidate(db)
    answers = ["a lost message.", "a killed worker.", "in progress.", "done."]
    lost, stuck, live, done = answered_session(db, user, answers, AnswerMode.typed)
    assert pipeline.process_take(done) == TakeState.scored
    now = utcnow()
    lease = timedelta(seconds=get_settings().pipeline_lease_seconds)
    takes = {t.id: t for t in db.scalars(select(Take))}
    takes[lost].enqueued_at = now - lease - timedelta(seconds=1)  # queued long ago, never picked up
    takes[stuck].enqueued_at, takes[stuck].claimed_until = (
        now - lease * 2,
        now - timedelta(seconds=1),
    )  # lease ran out
    takes[live].enqueued_at, takes[live].claimed_until = now - lease * 2, now + lease  # a worker is on it
    db.commit()
    before = huey.pending_count()
    assert sorted(pipeline.reconcile(now)) == sorted([lost, stuck])
    assert huey.pending_count() == before + 2
    assert pipeline.reconcile(now) == []  # just sent: not again until another lease has passed
    huey.flush()


def test_a_corrected_transcript_is_kept_beside_the_original_and_rescored(db: Session) -> None:
    user = consenting_candidate(db)
    [take_id] = answered_session(db, user, ["Argo see dee marks it out of sink."], AnswerMode.typed)
    assert pipeline.process_take(take_id) == TakeState.scored
    db.expire_all()  # the pipeline's own sessions moved the take on; ours may still hold it
    before = db.scalars(select(TakeScore.overall).where(TakeScore.take_id == take_id)).one()
    take = get_take(db, user, take_id)
    correct_transcript(
        db,
        take,
        "Argo CD compares the live object with Git and marks it out of sync, and only automated sync "
        "with self heal puts the old value back.",
        utcnow(),
    )
    db.commit()
    assert pipeline.process_take(take_id) == TakeState.scored
    transcript = db.scalars(select(TakeTranscript).where(TakeTranscript.take_id == take_id)).one()
    db.refresh(transcript)
    assert transcript.original_text == "Argo see dee marks it out of sink."
    assert transcript.edited_at is not None
    after = db.scalars(select(TakeScore.overall).where(TakeScore.take_id == take_id)).one()
    assert after > before


@pytest.mark.slow
def test_a_take_whose_recording_runs_past_the_limit_is_marked(db: Session, tmp_path: Path) -> None:
    user = consenting_candidate(db)
    speech = speak("Argo CD compares the live state with the desired state in Git. " * 12, tmp_path / "s.wav")
    assert wav_seconds(speech) > 30 + GRACE_SECONDS
    video = write_video(tmp_path / "long.webm", [face_frame()] * 10, fps=1, wav=speech).read_bytes()
    publish_question(db, "drift-manual-edit", answer_seconds=30)
    request = interviews.SessionRequest(SessionKind.single, AnswerMode.video, question="drift-manual-edit")
    interview = interviews.get_session(
        db, user, interviews.start_session(db, user, request, get_settings(), utcnow()).id
    )
    take = submit_recording(db, user, interview, 1, video)
    assert take.overran is False  # stopped in time by the server's clock
    db.commit()
    pipeline.process_take(take.id)
    db.refresh(take)
    assert take.overran is True  # but the recording itself is longer than the limit allows
    assert take.duration_seconds == 30 + GRACE_SECONDS  # only the allowed part was processed
    transcript = db.scalars(select(TakeTranscript).where(TakeTranscript.take_id == take.id)).one()
    assert all(word["end"] <= 30 + GRACE_SECONDS for word in transcript.words)
