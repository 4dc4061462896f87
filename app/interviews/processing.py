"""Where a submitted answer is in the pipeline, in the candidate's words, with a rough estimate
of the time left, so "processing" never appears without saying what is happening and for how long.

The estimate comes from the recording's length and the per-stage speeds `make bench` measured on
the 2-core reference machine (README, "Measured on this 2-core machine"): speech recognition runs
at about 19 s of audio per second, video analysis at about 30 s of video per second, and scoring
takes well under a second. Each stage also pays about a second to be picked up and to load."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from app.models import AnswerMode, Take, TakeState

# The pipeline's order: a take in state X is doing the stage named for X.
STAGES: dict[TakeState, str] = {
    TakeState.uploaded: "transcribing",
    TakeState.transcribed: "analysing",
    TakeState.analysed: "scoring",
}
TRANSCRIBE_AUDIO_SECONDS_PER_SECOND = 19.0
ANALYSE_VIDEO_SECONDS_PER_SECOND = 30.0
STAGE_OVERHEAD_SECONDS = 1.0
ROUND_TO_SECONDS = 5


@dataclass(frozen=True)
class Processing:
    """One answer's stage and how long it should still take (rounded up to 5 s)."""

    stage: str
    seconds_left: int
    overdue: bool  # already past twice the estimate: say so rather than promise a number

    def __str__(self) -> str:
        if self.overdue:
            return f"{self.stage}, taking longer than usual"
        return f"{self.stage}, about {self.seconds_left} s left"


def recording_seconds(take: Take) -> float:
    """The measured length of the recording once decoded, else the time the server recorded."""
    if take.duration_seconds is not None:
        return take.duration_seconds
    if take.answer_started_at is not None and take.ended_at is not None:
        return max(0.0, (take.ended_at - take.answer_started_at).total_seconds())
    return 0.0


def stage_seconds(state: TakeState, mode: AnswerMode, recording: float) -> float:
    """How long the stage a take in `state` is doing should take, for its mode and length."""
    work = 0.0
    if state == TakeState.uploaded and mode != AnswerMode.typed:
        work = recording / TRANSCRIBE_AUDIO_SECONDS_PER_SECOND
    elif state == TakeState.transcribed and mode == AnswerMode.video:
        work = recording / ANALYSE_VIDEO_SECONDS_PER_SECOND
    return STAGE_OVERHEAD_SECONDS + work


def processing(take: Take, now: datetime) -> Processing | None:
    """The stage and the time left of a take in the pipeline; None once it is done or failed."""
    if take.state not in STAGES:
        return None
    order = list(STAGES)
    recording = recording_seconds(take)
    costs = [stage_seconds(state, take.mode, recording) for state in order]
    current = order.index(take.state)
    elapsed = (now - take.ended_at).total_seconds() if take.ended_at else 0.0
    in_this_stage = max(0.0, elapsed - sum(costs[:current]))
    left = max(1.0, sum(costs[current:]) - in_this_stage)
    overdue = elapsed > 2 * sum(costs) + 10
    return Processing(STAGES[take.state], _round_up(left), overdue)


def seconds_left(takes: Sequence[Take | None], now: datetime) -> int | None:
    """Time until every answer listed is processed, if they were done one after another
    (a pessimistic sum: the embedded consumer runs two at once); None when none is processing."""
    found = [p for take in takes if take is not None and (p := processing(take, now)) is not None]
    return _round_up(sum(p.seconds_left for p in found)) if found else None


def _round_up(seconds: float) -> int:
    return max(ROUND_TO_SECONDS, math.ceil(seconds / ROUND_TO_SECONDS) * ROUND_TO_SECONDS)
