"""Sessions, takes and timing, with the clock under the test's control."""

import hashlib
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from app.config import Settings, get_settings
from app.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests
from app.interviews import history, service, takes, uploads
from app.interviews.service import SessionRequest
from app.media.storage import FileStorage, get_storage
from app.models import AnswerMode, SessionKind, Take, TakeState, TakeTranscript, UploadChunk
from app.models.base import utcnow
from app.questions import service as questions
from tests.factories import consenting_candidate, create_user, publish_question

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def seconds(n: float) -> datetime:
    return T0 + timedelta(seconds=n)


@pytest.fixture
def bank(db: Session) -> list[str]:
    slugs = ["drift-manual-edit", "sync-interval", "secrets-in-git", "rollback-bad-deploy", "multi-cluster"]
    for slug in slugs:
        publish_question(db, slug)
    return slugs


def single(db: Session, mode: AnswerMode = AnswerMode.video, slug: str = "drift-manual-edit"):  # type: ignore[no-untyped-def]
    user = consenting_candidate(db)
    interview = service.start_session(
        db, user, SessionRequest(SessionKind.single, mode, question=slug), get_settings(), utcnow()
    )
    return user, service.get_session(db, user, interview.id)


@pytest.mark.usefixtures("bank")
def test_nothing_is_recorded_without_consent(db: Session) -> None:
    user = create_user(db)
    with pytest.raises(Forbidden):
        service.start_session(
            db, user, SessionRequest(SessionKind.mock, AnswerMode.video), get_settings(), utcnow()
        )
    service.give_consent(db, user, T0)
    assert service.has_consent(db, user)


@pytest.mark.usefixtures("bank")
def test_a_session_pins_the_question_versions_it_asked(db: Session) -> None:
    user, interview = single(db)
    asked = interview.questions[0].question_version
    editor = create_user(db)
    edited = {**asked.content, "title": "A new title after the session started"}
    questions.save_question(db, "drift-manual-edit", edited, editor)
    again = service.get_session(db, user, interview.id)
    assert again.questions[0].question_version.content["title"] == asked.content["title"]
    assert again.questions[0].question_version.number == 1


@pytest.mark.usefixtures("bank")
def test_practice_mock_and_single_sessions_choose_their_questions(db: Session) -> None:
    user = consenting_candidate(db)
    rng = random.Random(7)
    practice = service.start_session(
        db,
        user,
        SessionRequest(SessionKind.practice, AnswerMode.audio, count=3),
        get_settings(),
        utcnow(),
        rng,
    )
    mock = service.start_session(
        db, user, SessionRequest(SessionKind.mock, AnswerMode.typed), get_settings(), utcnow(), rng
    )
    assert len(service.get_session(db, user, practice.id).questions) == 3
    mock_categories = {
        q.question_version.content["category"] for q in service.get_session(db, user, mock.id).questions
    }
    assert len(service.get_session(db, user, mock.id).questions) == 5
    assert len(mock_categories) >= 3
    with pytest.raises(InvalidInput, match="between 1 and 10"):
        service.start_session(
            db,
            user,
            SessionRequest(SessionKind.practice, AnswerMode.video, count=11),
            get_settings(),
            utcnow(),
        )
    with pytest.raises(InvalidInput, match="No published questions"):
        service.start_session(
            db,
            user,
            SessionRequest(SessionKind.practice, AnswerMode.video, category="tooling", difficulty="junior"),
            get_settings(),
            utcnow(),
        )


@pytest.mark.usefixtures("bank")
def test_another_candidate_cannot_see_a_session(db: Session) -> None:
    _, interview = single(db)
    with pytest.raises(NotFound):
        service.get_session(db, create_user(db), interview.id)


@pytest.mark.usefixtures("bank")
def test_the_answer_clock_starts_at_the_end_of_preparation_at_the_latest(db: Session) -> None:
    user, interview = single(db)
    take = takes.begin_take(db, user, interview, 1, T0)
    prep, answer = takes.limits(interview.questions[0])
    deadline = takes.start_answer(take, seconds(prep + 40))  # started 40 s after preparation ran out
    assert take.answer_started_at == seconds(prep)
    assert deadline == seconds(prep + answer)
    assert takes.start_answer(take, seconds(prep + 50)) == deadline  # a repeated start changes nothing


@pytest.mark.usefixtures("bank")
def test_a_reload_during_preparation_keeps_the_same_take_and_clock(db: Session) -> None:
    user, interview = single(db)
    first = takes.begin_take(db, user, interview, 1, T0)
    again = takes.begin_take(db, user, interview, 1, seconds(12))
    assert again.id == first.id
    assert again.prep_started_at == T0


@pytest.mark.usefixtures("bank")
def test_an_answer_ending_within_the_grace_period_is_on_time_and_later_ran_over(db: Session) -> None:
    user, interview = single(db, AnswerMode.typed)
    _, answer = takes.limits(interview.questions[0])
    on_time = takes.begin_take(db, user, interview, 1, T0)
    takes.start_answer(on_time, seconds(5))
    takes.submit_typed(on_time, "Argo CD marks it OutOfSync.", seconds(5 + answer + takes.GRACE_SECONDS))
    assert on_time.overran is False
    assert on_time.state == TakeState.uploaded
    late = takes.begin_take(db, user, interview, 1, seconds(1000), retake=True)
    takes.start_answer(late, seconds(1000))
    takes.submit_typed(late, "Argo CD marks it OutOfSync.", seconds(1000 + answer + takes.GRACE_SECONDS + 1))
    assert late.overran is True


@pytest.mark.usefixtures("bank")
def test_retakes_are_limited_and_the_candidate_keeps_the_take_they_choose(db: Session) -> None:
    user, interview = single(db, AnswerMode.typed)
    first = takes.begin_take(db, user, interview, 1, T0)
    takes.submit_typed(first, "First try.", seconds(30))
    assert interview.finished_at == seconds(30)  # every question answered
    second = takes.begin_take(db, user, interview, 1, seconds(60), retake=True)
    takes.submit_typed(second, "Second try.", seconds(90))
    assert interview.questions[0].chosen_take_id == second.id
    with pytest.raises(Conflict, match="used every take"):
        takes.begin_take(db, user, interview, 1, seconds(120), retake=True)
    takes.choose_take(interview, 1, first.id)
    assert service.chosen_takes(interview)[0] is first


@pytest.mark.usefixtures("bank")
def test_an_empty_typed_answer_is_refused(db: Session) -> None:
    user, interview = single(db, AnswerMode.typed)
    take = takes.begin_take(db, user, interview, 1, T0)
    with pytest.raises(InvalidInput):
        takes.submit_typed(take, "   ", seconds(10))


@pytest.mark.usefixtures("bank")
def test_the_mode_can_change_only_before_any_take(db: Session) -> None:
    user, interview = single(db)
    service.change_mode(interview, AnswerMode.audio)
    assert interview.mode == AnswerMode.audio
    takes.begin_take(db, user, interview, 1, T0)
    with pytest.raises(Conflict):
        service.change_mode(interview, AnswerMode.typed)


@pytest.mark.usefixtures("bank")
def test_the_model_answer_unlocks_once_the_candidate_has_answered(db: Session) -> None:
    user, interview = single(db, AnswerMode.typed)
    question = questions.get_question(db, "drift-manual-edit")
    assert not history.model_answer_unlocked(db, user, question)
    take = takes.begin_take(db, user, interview, 1, T0)
    assert not history.model_answer_unlocked(db, user, question)  # opening it is not answering
    takes.submit_typed(take, "Argo CD marks it OutOfSync.", seconds(30))
    db.flush()
    assert history.model_answer_unlocked(db, user, question)


# --- the server's clock cannot be gamed ---------------------------------------------------------


@pytest.mark.usefixtures("bank")
def test_a_typed_answer_is_timed_from_the_end_of_preparation(db: Session) -> None:
    user, interview = single(db, AnswerMode.typed)
    prep, answer = takes.limits(interview.questions[0])
    take = takes.begin_take(db, user, interview, 1, T0)
    takes.submit_typed(take, "Argo CD marks it OutOfSync.", seconds(prep + answer + takes.GRACE_SECONDS + 5))
    assert take.answer_started_at == seconds(prep)
    assert take.overran is True


def _recording_take(db: Session, mode: AnswerMode = AnswerMode.video):  # type: ignore[no-untyped-def]
    user, interview = single(db, mode)
    take = takes.begin_take(db, user, interview, 1, T0)
    takes.start_answer(take, seconds(1))
    return take


CHUNK = b"\x1a\x45\xdf\xa3" + bytes(100)
CHUNK_SHA = hashlib.sha256(CHUNK).hexdigest()


@pytest.mark.usefixtures("bank")
def test_chunks_are_refused_into_typed_takes(db: Session, settings: Settings, tmp_path: Path) -> None:
    take = _recording_take(db, AnswerMode.typed)
    with pytest.raises(Conflict, match="typed"):
        uploads.receive_chunk(db, FileStorage(tmp_path), settings, take, 0, CHUNK, CHUNK_SHA, seconds(2))
    assert not list(tmp_path.rglob("*.part"))


@pytest.mark.usefixtures("bank")
def test_chunks_after_the_stop_are_taken_only_while_the_upload_catches_up(
    db: Session, settings: Settings, tmp_path: Path
) -> None:
    take = _recording_take(db)
    takes.stop_answer(take, seconds(20))
    storage = FileStorage(tmp_path)
    assert uploads.receive_chunk(db, storage, settings, take, 0, CHUNK, CHUNK_SHA, seconds(25)) == [0]
    late = seconds(20 + uploads.TAIL_SECONDS + 1)
    with pytest.raises(Conflict, match="stopped too long ago"):
        uploads.receive_chunk(db, storage, settings, take, 1, CHUNK, CHUNK_SHA, late)
    assert [p.name for p in tmp_path.rglob("*.part")] == ["000000.part"]


@pytest.mark.usefixtures("bank")
def test_a_chunk_number_stored_by_a_parallel_upload_keeps_its_bytes(
    db: Session, settings: Settings, tmp_path: Path
) -> None:
    """The race: another request stored this number after ours loaded the take. Our insert
    loses on the unique constraint, and our bytes never replace the winner's file."""
    take = _recording_take(db)
    storage = FileStorage(tmp_path)
    storage.write_chunk(take.media_key, 0, CHUNK)
    db.add(UploadChunk(take_id=take.id, seq=0, size=len(CHUNK), sha256=CHUNK_SHA))
    db.flush()  # committed by the other request; our take.chunks was loaded before
    other = b"\x1a\x45\xdf\xa3" + bytes(50)
    with pytest.raises(Conflict, match="arrived twice"):
        uploads.receive_chunk(
            db, storage, settings, take, 0, other, hashlib.sha256(other).hexdigest(), seconds(2)
        )
    assert storage.read_chunk(take.media_key, 0) == CHUNK


@pytest.mark.usefixtures("bank")
def test_corrections_of_one_take_are_rate_limited(db: Session) -> None:
    user, interview = single(db, AnswerMode.typed)
    take = takes.begin_take(db, user, interview, 1, T0)
    takes.submit_typed(take, "Argo CD marks it OutOfSync.", seconds(30))
    db.add(TakeTranscript(take_id=take.id, text="Argo CD marks it OutOfSync.", model="typed", words=[]))
    take.state = TakeState.scored
    db.flush()
    takes.correct_transcript(db, take, "First correction.", seconds(60))
    take.state = TakeState.scored
    with pytest.raises(TooManyRequests):
        takes.correct_transcript(db, take, "Second correction.", seconds(70))
    takes.correct_transcript(db, take, "Second correction.", seconds(60 + takes.RESCORE_INTERVAL_SECONDS + 1))


# --- the answer page's state machine: what a candidate finds when they arrive --------------------


def upload(db: Session, take: Take, settings: Settings, at: datetime) -> None:
    """One chunk of a recording, arriving at `at` on the test's clock."""
    data = b"\x1a\x45\xdf\xa3" + bytes(100)
    uploads.receive_chunk(db, get_storage(), settings, take, 0, data, hashlib.sha256(data).hexdigest())
    take.chunks[0].received_at = at


@pytest.mark.usefixtures("bank")
def test_arriving_after_preparation_ran_out_finds_the_answer_clock_running(db: Session) -> None:
    user, interview = single(db)
    take = takes.begin_take(db, user, interview, 1, T0)
    prep, answer = takes.limits(interview.questions[0])
    assert takes.question_state(interview, 1, seconds(prep - 1)).phase == takes.Phase.preparing
    state = takes.question_state(interview, 1, seconds(prep + 5))
    assert state.phase == takes.Phase.answering
    assert state.take is take
    assert takes.deadline(take) == seconds(prep + answer)  # waiting bought no extra time
    assert takes.start_answer(take, seconds(prep + 6)) == seconds(prep + answer)


@pytest.mark.usefixtures("bank")
def test_arriving_after_the_deadline_with_nothing_saved_expires_the_take_and_uses_it(db: Session) -> None:
    user, interview = single(db, AnswerMode.typed)
    take = takes.begin_take(db, user, interview, 1, T0)
    prep, answer = takes.limits(interview.questions[0])
    state = takes.question_state(interview, 1, seconds(prep + answer))
    assert state.phase == takes.Phase.expired
    assert take.state == TakeState.expired
    assert take.ended_at == seconds(prep + answer)
    assert state.takes_left == 1
    with pytest.raises(Conflict, match="Record again"):  # a return visit never starts a take
        takes.begin_take(db, user, interview, 1, seconds(prep + answer + 5))
    retake = takes.begin_take(db, user, interview, 1, seconds(prep + answer + 5), retake=True)
    assert retake.number == 2
    assert takes.question_state(interview, 1, seconds(prep + answer + 6)).takes_left == 0
    takes.submit_typed(retake, "Argo CD marks it OutOfSync.", seconds(prep + answer + 20))
    assert takes.question_state(interview, 1, seconds(prep + answer + 21)).phase == takes.Phase.answered


@pytest.mark.usefixtures("bank")
def test_back_onto_an_answered_question_creates_no_take(db: Session) -> None:
    user, interview = single(db, AnswerMode.typed)
    first = takes.begin_take(db, user, interview, 1, T0)
    assert takes.question_state(interview, 1, seconds(1)).takes_left == 1  # during the first take
    takes.submit_typed(first, "First try.", seconds(30))
    with pytest.raises(Conflict):
        takes.begin_take(db, user, interview, 1, seconds(40))
    state = takes.question_state(interview, 1, seconds(40))
    assert state.phase == takes.Phase.answered
    assert len(interview.questions[0].takes) == 1
    assert state.takes_left == 1


@pytest.mark.usefixtures("bank")
def test_a_reload_mid_recording_is_interrupted_and_keeping_it_ends_at_the_last_chunk(
    db: Session, settings: Settings
) -> None:
    user, interview = single(db)
    take = takes.begin_take(db, user, interview, 1, T0)
    takes.start_answer(take, seconds(5))
    assert takes.question_state(interview, 1, seconds(6)).phase == takes.Phase.answering
    upload(db, take, settings, at=seconds(7))
    _, answer = takes.limits(interview.questions[0])
    late = seconds(5 + answer + 600)  # the candidate came back long after the deadline
    assert takes.question_state(interview, 1, late).phase == takes.Phase.interrupted
    uploads.finish_upload(get_storage(), take, 1, "video/webm", late, interrupted=True)
    assert take.state == TakeState.uploaded
    assert take.interrupted
    assert not take.overran
    assert take.ended_at == seconds(7)


@pytest.mark.usefixtures("bank")
def test_skipping_lets_a_session_finish_and_answering_later_clears_the_skip(db: Session) -> None:
    user = consenting_candidate(db)
    started = service.start_session(
        db,
        user,
        SessionRequest(SessionKind.practice, AnswerMode.typed, count=3),
        get_settings(),
        utcnow(),
        random.Random(1),
    )
    interview = service.get_session(db, user, started.id)
    in_progress = takes.begin_take(db, user, interview, 2, T0)
    takes.skip_question(interview, 2, seconds(5))
    assert in_progress.state == TakeState.expired
    assert interview.finished_at is None
    assert service.next_position(interview, after=1) == 3
    assert service.next_position(interview, after=3) == 1
    assert takes.question_state(interview, 2, seconds(6)).phase == takes.Phase.skipped
    for position in (1, 3):
        takes.skip_question(interview, position, seconds(10))
    assert interview.finished_at == seconds(10)
    assert service.next_position(interview) is None
    again = takes.begin_take(db, user, interview, 2, seconds(20), retake=True)
    assert interview.questions[1].skipped_at is None
    assert again.number == 2
    takes.submit_typed(again, "Answered after all.", seconds(40))
    with pytest.raises(Conflict, match="answered already"):
        takes.skip_question(interview, 2, seconds(50))


@pytest.mark.usefixtures("bank")
def test_choosing_a_question_practises_that_question(db: Session) -> None:
    user = consenting_candidate(db)
    wanted = SessionRequest(SessionKind.practice, AnswerMode.typed, count=3, question="sync-interval")
    interview = service.get_session(
        db, user, service.start_session(db, user, wanted, get_settings(), utcnow()).id
    )
    assert interview.kind == SessionKind.single
    assert [q.question_version.content["id"] for q in interview.questions] == ["sync-interval"]
