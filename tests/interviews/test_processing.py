"""What "processing" says: the stage an answer is in and a rough estimate from its length and
how fast each stage has run here lately."""

from datetime import timedelta

from sqlalchemy.orm import Session

from app.config import get_settings
from app.interviews import service
from app.interviews.processing import BENCHMARK_SPEEDS, StageSpeeds, measured_speeds, processing, seconds_left
from app.models import AnswerMode, SessionKind, Take, TakeScore, TakeState, TakeTranscript, TakeVideoReport
from app.models.base import utcnow
from tests.factories import consenting_candidate, publish_question, submit_recording

NOW = utcnow()
WEBM = b"\x1a\x45\xdf\xa3" + bytes(200)


def take(state: TakeState, mode: AnswerMode = AnswerMode.video, seconds: float = 60, ago: float = 0) -> Take:
    """A take of `seconds` that finished uploading `ago` seconds before NOW."""
    ended = NOW - timedelta(seconds=ago)
    return Take(state=state, mode=mode, answer_started_at=ended - timedelta(seconds=seconds), ended_at=ended)


def said(take: Take, speeds: StageSpeeds = BENCHMARK_SPEEDS) -> str:
    return str(processing(take, NOW, speeds))


def test_each_state_names_its_stage_and_the_time_left_shrinks_stage_by_stage() -> None:
    # 60 s of video at the benchmark's speeds: 3.2 s to transcribe, 2 s to analyse, 1 s to score
    assert said(take(TakeState.uploaded)) == "transcribing, about 10 s left"
    assert said(take(TakeState.transcribed)) == "analysing, about 5 s left"
    assert said(take(TakeState.analysed)) == "scoring, about 5 s left"
    assert processing(take(TakeState.scored), NOW, BENCHMARK_SPEEDS) is None
    assert processing(take(TakeState.failed), NOW, BENCHMARK_SPEEDS) is None


def test_a_longer_recording_takes_longer_and_typed_answers_are_quick() -> None:
    assert said(take(TakeState.uploaded, seconds=600)) == "transcribing, about 55 s left"  # 31.6 + 20 + 1 s
    assert said(take(TakeState.uploaded, AnswerMode.typed, seconds=0)) == "transcribing, about 5 s left"


def test_time_already_spent_counts_and_a_stuck_answer_says_so_instead_of_a_number() -> None:
    assert said(take(TakeState.uploaded, seconds=600, ago=30)) == "transcribing, about 25 s left"
    assert said(take(TakeState.uploaded, seconds=60, ago=120)) == "transcribing, taking longer than usual"


def test_the_measured_duration_wins_over_the_server_clock() -> None:
    recorded = take(TakeState.uploaded, seconds=600)
    recorded.duration_seconds = 30.0
    assert said(recorded) == "transcribing, about 5 s left"


def test_a_session_adds_up_its_answers_still_processing() -> None:
    takes = [take(TakeState.uploaded), take(TakeState.analysed), take(TakeState.scored), None]
    assert seconds_left(takes, NOW, BENCHMARK_SPEEDS) == 15
    assert seconds_left([take(TakeState.scored), None], NOW, BENCHMARK_SPEEDS) is None


def processed(db: Session, stage_seconds: tuple[float, float, float], edited: bool = False) -> None:
    """A 60 s video answer whose stages finished `stage_seconds` apart, as the pipeline stamps them."""
    user = consenting_candidate(db)
    request = service.SessionRequest(SessionKind.single, AnswerMode.video, question="drift-manual-edit")
    interview = service.get_session(
        db, user, service.start_session(db, user, request, get_settings(), utcnow()).id
    )
    done = submit_recording(db, user, interview, 1, WEBM)
    ended = done.ended_at
    assert ended is not None
    transcribed = ended + timedelta(seconds=stage_seconds[0])
    analysed = transcribed + timedelta(seconds=stage_seconds[1])
    done.state, done.duration_seconds = TakeState.scored, 60.0
    db.add_all(
        [
            TakeTranscript(
                take_id=done.id, text="x", words=[], model="m", created_at=transcribed, edited_at=NOW if edited else None
            ),
            TakeVideoReport(take_id=done.id, analysis={}, created_at=analysed),
            TakeScore(
                take_id=done.id, report={}, overall=3.0, scorer="rubric",
                scored_at=analysed + timedelta(seconds=stage_seconds[2]),
            ),
        ]
    )  # fmt: skip
    db.flush()


def test_speeds_are_measured_from_recent_answers_and_drive_the_estimate(db: Session) -> None:
    publish_question(db, "drift-manual-edit")
    assert measured_speeds(db) == BENCHMARK_SPEEDS  # nothing measured yet
    processed(db, (12, 6, 2))  # a busy machine: 0.2 s per second of speech, 0.1 s per second of video
    processed(db, (24, 12, 4))
    processed(db, (18, 9, 3))
    processed(db, (600, 1, 1))  # a retry hours later, not one run of a stage: left out
    processed(db, (1, 1, 1), edited=True)  # rescored after a correction: left out
    speeds = measured_speeds(db)
    assert speeds.measured_from == 3
    assert (
        round(speeds.transcribe_per_second, 3),
        round(speeds.analyse_per_second, 3),
        speeds.score_seconds,
    ) == (
        0.3,
        0.15,
        3.0,
    )
    # 60 s of video on this machine: 18 + 9 + 3 s, where the benchmark's idle speeds said 10 s
    assert said(take(TakeState.uploaded), speeds) == "transcribing, about 30 s left"
