"""What "processing" says: the stage an answer is in and a rough estimate from its length."""

from datetime import timedelta

from app.interviews.processing import processing, seconds_left
from app.models import AnswerMode, Take, TakeState
from app.models.base import utcnow

NOW = utcnow()


def take(state: TakeState, mode: AnswerMode = AnswerMode.video, seconds: float = 60, ago: float = 0) -> Take:
    """A take of `seconds` that finished uploading `ago` seconds before NOW."""
    ended = NOW - timedelta(seconds=ago)
    return Take(state=state, mode=mode, answer_started_at=ended - timedelta(seconds=seconds), ended_at=ended)


def test_each_state_names_its_stage_and_the_time_left_shrinks_stage_by_stage() -> None:
    said = [
        str(processing(take(state), NOW))
        for state in (TakeState.uploaded, TakeState.transcribed, TakeState.analysed)
    ]
    # 60 s of video: about 4.2 s to transcribe, 3 s to analyse, 1 s to score, rounded up to 5 s
    assert said == ["transcribing, about 10 s left", "analysing, about 5 s left", "scoring, about 5 s left"]
    assert processing(take(TakeState.scored), NOW) is None
    assert processing(take(TakeState.failed), NOW) is None


def test_a_longer_recording_takes_longer_and_typed_answers_are_quick() -> None:
    ten_minutes = processing(take(TakeState.uploaded, seconds=600), NOW)
    assert ten_minutes is not None and ten_minutes.seconds_left == 55  # 32.6 + 21 + 1 s
    typed = processing(take(TakeState.uploaded, AnswerMode.typed, seconds=0), NOW)
    assert str(typed) == "transcribing, about 5 s left"


def test_time_already_spent_counts_and_a_stuck_answer_says_so_instead_of_a_number() -> None:
    fresh = processing(take(TakeState.uploaded, seconds=600), NOW)
    later = processing(take(TakeState.uploaded, seconds=600, ago=30), NOW)
    assert fresh is not None and later is not None and later.seconds_left < fresh.seconds_left
    stuck = processing(take(TakeState.uploaded, seconds=60, ago=120), NOW)
    assert str(stuck) == "transcribing, taking longer than usual"


def test_the_measured_duration_wins_over_the_server_clock() -> None:
    recorded = take(TakeState.uploaded, seconds=600)
    recorded.duration_seconds = 30.0
    assert str(processing(recorded, NOW)) == "transcribing, about 10 s left"


def test_a_session_adds_up_its_answers_still_processing() -> None:
    takes = [take(TakeState.uploaded), take(TakeState.analysed), take(TakeState.scored), None]
    assert seconds_left(takes, NOW) == 15
    assert seconds_left([take(TakeState.scored), None], NOW) is None
