"""A take's states: the groupings every page and query uses, and the rules for changing state,
called directly."""

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from app.config import get_settings
from app.errors import Conflict
from app.interviews import lifecycle, service, takes
from app.interviews.lifecycle import TransitionRefused
from app.models import AnswerMode, SessionKind, Take, TakeState
from tests.factories import consenting_candidate, publish_question

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
APP = Path(__file__).resolve().parents[2] / "app"


def take_in(state: TakeState) -> Take:
    return Take(state=state, mode=AnswerMode.video, attempts=2, failure_reason="old", last_error="old")


def stored_take_in(db: Session, state: TakeState) -> Take:
    """A take in the database (one entering the pipeline is queued from its session)."""
    publish_question(db, "sync-interval")
    user = consenting_candidate(db)
    wanted = service.SessionRequest(SessionKind.single, AnswerMode.typed, question="sync-interval")
    interview = service.start_session(db, user, wanted, get_settings(), NOW)
    take = takes.begin_take(db, user, service.get_session(db, user, interview.id), 1, NOW)
    take.state, take.attempts, take.failure_reason, take.last_error = (
        state,
        2,
        "old",
        "old",
    )  # set up as given
    return take


@pytest.mark.parametrize(
    ("state", "unfinished", "submitted", "processing", "done", "answered"),
    [
        (TakeState.preparing, True, False, False, False, False),
        (TakeState.recording, True, False, False, False, False),
        (TakeState.expired, False, False, False, False, False),
        (TakeState.uploaded, False, True, True, False, True),
        (TakeState.transcribed, False, True, True, False, True),
        (TakeState.analysed, False, True, True, False, True),
        (TakeState.scored, False, True, False, True, True),
        (TakeState.failed, False, True, False, True, False),
    ],
)
def test_each_state_belongs_to_its_groups(
    state: TakeState, unfinished: bool, submitted: bool, processing: bool, done: bool, answered: bool
) -> None:
    assert (state.unfinished, state.submitted, state.processing, state.done, state.answered) == (
        unfinished,
        submitted,
        processing,
        done,
        answered,
    )
    assert (state in TakeState.unfinished_states()) is unfinished
    assert (state in TakeState.processing_states()) is processing
    assert (state in TakeState.answered_states()) is answered


def test_a_failed_answer_reads_as_needing_attention() -> None:
    assert TakeState.failed.label == "needs attention"
    assert TakeState.scored.label == "scored"


def test_a_take_moves_from_preparation_to_the_end_of_the_pipeline(db: Session) -> None:
    take = stored_take_in(db, TakeState.preparing)
    lifecycle.start_recording(take, NOW)
    lifecycle.submit(take, NOW)
    assert take.enqueued_at == NOW
    for step in (TakeState.transcribed, TakeState.analysed, TakeState.scored):
        lifecycle.advance(take, step)
    assert take.state == TakeState.scored
    assert take.answer_started_at == NOW


@pytest.mark.parametrize(
    ("state", "change"),
    [
        (TakeState.expired, lambda t: lifecycle.start_recording(t, NOW)),
        (TakeState.uploaded, lambda t: lifecycle.expire(t, NOW)),
        (TakeState.scored, lambda t: lifecycle.submit(t, NOW)),
        (TakeState.uploaded, lambda t: lifecycle.advance(t, TakeState.analysed)),  # skips a step
        (TakeState.scored, lambda t: lifecycle.fail(t, "broken")),
        (TakeState.recording, lambda t: lifecycle.rerun_from(t, TakeState.uploaded, NOW)),
        (TakeState.failed, lambda t: lifecycle.rerun_from(t, TakeState.scored, NOW)),
        (TakeState.transcribed, lambda t: lifecycle.rerun_from(t, TakeState.transcribed, NOW)),
        (TakeState.scored, lambda t: lifecycle.advance(t, TakeState.scored)),
    ],
)
def test_a_change_the_rules_do_not_allow_is_refused_and_changes_nothing(state: TakeState, change) -> None:  # type: ignore[no-untyped-def]
    take = take_in(state)
    with pytest.raises(TransitionRefused) as refused:
        change(take)
    assert take.state == state
    assert take.attempts == 2
    assert take.enqueued_at is None
    assert isinstance(refused.value, Conflict)  # shown as a conflict, never a server error


def test_a_typed_answer_can_be_handed_in_during_preparation(db: Session) -> None:
    take = stored_take_in(db, TakeState.preparing)
    lifecycle.submit(take, NOW)
    assert take.state == TakeState.uploaded


def test_an_expired_take_keeps_its_end_and_says_why() -> None:
    take = take_in(TakeState.recording)
    lifecycle.expire(take, NOW, "never finished")
    assert (take.state, take.ended_at, take.failure_reason) == (TakeState.expired, NOW, "never finished")
    assert not any(
        lifecycle.can_move(TakeState.expired, target) or lifecycle.can_rerun(TakeState.expired, target)
        for target in TakeState
    )


def test_a_retry_starts_again_with_a_fresh_count_of_attempts(db: Session) -> None:
    take = stored_take_in(db, TakeState.failed)
    lifecycle.rerun_from(take, TakeState.transcribed, NOW)
    assert (take.state, take.attempts, take.failure_reason, take.last_error) == (
        TakeState.transcribed,
        0,
        None,
        None,
    )
    assert take.enqueued_at == NOW


def test_a_scored_answer_whose_transcript_is_corrected_is_scored_again(db: Session) -> None:
    take = stored_take_in(db, TakeState.scored)
    lifecycle.rerun_from(take, TakeState.analysed, NOW)
    assert take.state == TakeState.analysed


def test_a_failure_carries_its_reason() -> None:
    take = take_in(TakeState.transcribed)
    lifecycle.fail(take, "The recording is damaged.")
    assert (take.state, take.failure_reason) == (TakeState.failed, "The recording is damaged.")


def _state_assignments(path: Path) -> list[int]:
    """Lines of `path` that assign a `.state` attribute (plain, tuple or augmented assignment)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets = node.targets if isinstance(node, ast.Assign) else []
        flat = [t for target in targets for t in (target.elts if isinstance(target, ast.Tuple) else [target])]
        lines += [t.lineno for t in flat if isinstance(t, ast.Attribute) and t.attr == "state"]
    return lines


def test_only_the_lifecycle_module_assigns_a_take_state() -> None:
    elsewhere = {
        str(path.relative_to(APP)): found
        for path in APP.rglob("*.py")
        if path.name != "lifecycle.py" and (found := _state_assignments(path))
    }
    assert elsewhere == {}
    assert _state_assignments(APP / "interviews" / "lifecycle.py")  # the check does find assignments
