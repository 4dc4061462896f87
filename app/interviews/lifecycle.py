"""Every change of a take's state, and the rules for which changes are allowed.

The candidate moves a take from preparing to recording to submitted (or it expires); the
pipeline moves it on from uploaded to scored, or to failed; a retry or a corrected transcript
sends it back into the pipeline. These functions are the only code that assigns `Take.state`,
so a state the rules do not allow cannot be reached by accident; and a take that enters the
pipeline from outside it is queued for processing once its transaction commits."""

from datetime import datetime

from sqlalchemy.orm import object_session

from app.errors import Conflict
from app.jobs.queue import enqueue_after_commit
from app.models import Take, TakeState

ALLOWED: dict[TakeState, frozenset[TakeState]] = {
    # a typed answer may be handed in during its preparation time
    TakeState.preparing: frozenset({TakeState.recording, TakeState.expired, TakeState.uploaded}),
    TakeState.recording: frozenset({TakeState.expired, TakeState.uploaded}),
    TakeState.expired: frozenset(),
    TakeState.uploaded: frozenset({TakeState.transcribed, TakeState.failed}),
    TakeState.transcribed: frozenset({TakeState.analysed, TakeState.failed}),
    TakeState.analysed: frozenset({TakeState.scored, TakeState.failed}),
    TakeState.scored: frozenset(),
    TakeState.failed: frozenset(),
}
# Back into the pipeline: a retry of a failed answer (from its first missing step), or a
# corrected transcript (scored again, also while the answer is waiting to be scored).
RERUNS: dict[TakeState, frozenset[TakeState]] = {
    TakeState.failed: frozenset({TakeState.uploaded, TakeState.transcribed, TakeState.analysed}),
    TakeState.scored: frozenset({TakeState.analysed}),
    TakeState.analysed: frozenset({TakeState.analysed}),
}
PIPELINE_STEPS: dict[TakeState, TakeState] = {
    TakeState.uploaded: TakeState.transcribed,
    TakeState.transcribed: TakeState.analysed,
    TakeState.analysed: TakeState.scored,
}


class TransitionRefused(Conflict):
    """A change of state the rules do not allow (a stale page, or two requests racing)."""


def can_move(current: TakeState, target: TakeState) -> bool:
    return target in ALLOWED[current]


def can_rerun(current: TakeState, target: TakeState) -> bool:
    return target in RERUNS.get(current, frozenset())


def _move(take: Take, target: TakeState, *, rerun: bool = False) -> None:
    if not (can_rerun if rerun else can_move)(take.state, target):
        raise TransitionRefused(f"An answer that is {take.state.label} cannot become {target.label}.")
    take.state = target


def start_recording(take: Take, started_at: datetime) -> None:
    """The answer clock starts (preparation ended, by the candidate or by running out)."""
    _move(take, TakeState.recording)
    take.answer_started_at = started_at


def expire(take: Take, ended_at: datetime, reason: str | None = None) -> None:
    """The take ends unsaved: its time ran out, the candidate skipped, or it was abandoned."""
    _move(take, TakeState.expired)
    take.ended_at = ended_at
    if reason is not None:
        take.failure_reason = reason


def submit(take: Take, now: datetime) -> None:
    """The candidate handed the answer in; the pipeline takes it from here."""
    _move(take, TakeState.uploaded)
    _send_to_pipeline(take, now)


def advance(take: Take, target: TakeState) -> None:
    """A pipeline step finished: the take moves to the state that step produces."""
    if PIPELINE_STEPS.get(take.state) != target:
        raise TransitionRefused(f"The pipeline cannot move an answer from {take.state} to {target}.")
    _move(take, target)


def fail(take: Take, reason: str) -> None:
    """The pipeline gave up: the answer needs attention, with a reason the candidate can read."""
    _move(take, TakeState.failed)
    take.failure_reason = reason


def rerun_from(take: Take, target: TakeState, now: datetime) -> None:
    """Send the answer through the pipeline again from `target` (a retry or a corrected
    transcript), with a fresh count of attempts."""
    _move(take, target, rerun=True)
    take.attempts, take.failure_reason, take.last_error = 0, None, None
    _send_to_pipeline(take, now)


def _send_to_pipeline(take: Take, now: datetime) -> None:
    db = object_session(take)
    if db is None:
        raise RuntimeError("a take is sent to the pipeline from its database session")
    take.enqueued_at = now
    enqueue_after_commit(db, "process_take", take.id)
