"""Where a submitted answer is in the pipeline, in the candidate's words, with a rough estimate
of the time left, so "processing" never appears without saying what is happening and for how long.

The estimate is the recording's length times how fast each stage has actually run here lately:
the pipeline already timestamps every stage (the upload's end, the transcript, the video report,
the score), so the recent answers' medians measure this machine under its current load. Until
there are any, the speeds `make bench` measured on an idle 2-core machine stand in (speech
recognition about 19 s of audio per second, video analysis about 30 s per second, about a
second to pick a stage up and to score)."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AnswerMode, Take, TakeScore, TakeState, TakeTranscript, TakeVideoReport

# The pipeline's order: a take in state X is doing the stage named for X.
STAGES: dict[TakeState, str] = {
    TakeState.uploaded: "transcribing",
    TakeState.transcribed: "analysing",
    TakeState.analysed: "scoring",
}
ROUND_TO_SECONDS = 5
RECENT_ANSWERS = 20  # how many recent answers the speeds are measured from
PLAUSIBLE_STAGE_SECONDS = 600  # longer gaps are retries or corrections, not one run of a stage
OVERDUE_FACTOR, OVERDUE_MARGIN_SECONDS = 2, 10  # past this many times the estimate (plus margin): overdue


@dataclass(frozen=True)
class StageSpeeds:
    """Seconds a stage takes per second of recording (transcribing; analysing video), seconds
    to score, seconds for a stage with nothing to decode; and how many answers measured them."""

    transcribe_per_second: float = 1 / 19
    analyse_per_second: float = 1 / 30
    score_seconds: float = 1.0
    overhead_seconds: float = 1.0
    measured_from: int = 0  # 0: the benchmark's figures


BENCHMARK_SPEEDS = StageSpeeds()


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


def measured_speeds(db: Session) -> StageSpeeds:
    """The median speed of each stage over the most recent recorded answers that went through
    the pipeline in one run (not corrected, not retried), falling back stage by stage."""
    rows = db.execute(
        select(
            Take.ended_at,
            Take.duration_seconds,
            Take.mode,
            TakeTranscript.created_at,
            TakeVideoReport.created_at,
            TakeScore.scored_at,
        )
        .join(TakeTranscript, TakeTranscript.take_id == Take.id)
        .join(TakeVideoReport, TakeVideoReport.take_id == Take.id)
        .join(TakeScore, TakeScore.take_id == Take.id)
        .where(Take.mode != AnswerMode.typed, Take.duration_seconds > 0, TakeTranscript.edited_at.is_(None))
        .order_by(TakeScore.scored_at.desc())
        .limit(RECENT_ANSWERS)
    ).all()
    transcribe, analyse, score = [], [], []
    for ended, length, mode, transcribed, analysed, scored in rows:
        if ended is None or not length:
            continue
        steps = ((ended, transcribed), (transcribed, analysed), (analysed, scored))
        gaps = [(later - earlier).total_seconds() for earlier, later in steps]
        if not all(0 <= gap < PLAUSIBLE_STAGE_SECONDS for gap in gaps):
            continue
        transcribe.append(gaps[0] / length)
        if mode == AnswerMode.video:
            analyse.append(gaps[1] / length)
        score.append(gaps[2])
    default = BENCHMARK_SPEEDS
    return StageSpeeds(
        median(transcribe) if transcribe else default.transcribe_per_second,
        median(analyse) if analyse else default.analyse_per_second,
        median(score) if score else default.score_seconds,
        default.overhead_seconds,
        len(transcribe),
    )


def recording_seconds(take: Take) -> float:
    """The measured length of the recording once decoded, else the time the server recorded."""
    if take.duration_seconds is not None:
        return take.duration_seconds
    if take.answer_started_at is not None and take.ended_at is not None:
        return max(0.0, (take.ended_at - take.answer_started_at).total_seconds())
    return 0.0


def stage_seconds(state: TakeState, mode: AnswerMode, recording: float, speeds: StageSpeeds) -> float:
    """How long the stage a take in `state` is doing should take, for its mode and length."""
    if state == TakeState.uploaded and mode != AnswerMode.typed:
        return max(speeds.overhead_seconds, recording * speeds.transcribe_per_second)
    if state == TakeState.transcribed and mode == AnswerMode.video:
        return max(speeds.overhead_seconds, recording * speeds.analyse_per_second)
    if state == TakeState.analysed:
        return speeds.score_seconds
    return speeds.overhead_seconds


def processing(take: Take, now: datetime, speeds: StageSpeeds) -> Processing | None:
    """The stage and the time left of a take in the pipeline; None once it is done or failed."""
    if take.state not in STAGES:
        return None
    order = list(STAGES)
    recording = recording_seconds(take)
    costs = [stage_seconds(state, take.mode, recording, speeds) for state in order]
    current = order.index(take.state)
    elapsed = (now - take.ended_at).total_seconds() if take.ended_at else 0.0
    in_this_stage = max(0.0, elapsed - sum(costs[:current]))
    left = max(1.0, sum(costs[current:]) - in_this_stage)
    overdue = elapsed > OVERDUE_FACTOR * sum(costs) + OVERDUE_MARGIN_SECONDS
    return Processing(STAGES[take.state], _round_up(left), overdue)


def seconds_left(takes: Sequence[Take | None], now: datetime, speeds: StageSpeeds) -> int | None:
    """Time until every answer listed is processed, if they were done one after another
    (a pessimistic sum: the embedded consumer runs two at once); None when none is processing."""
    found = [p for take in takes if take is not None and (p := processing(take, now, speeds)) is not None]
    return _round_up(sum(p.seconds_left for p in found)) if found else None


def _round_up(seconds: float) -> int:
    return max(ROUND_TO_SECONDS, math.ceil(seconds / ROUND_TO_SECONDS) * ROUND_TO_SECONDS)
