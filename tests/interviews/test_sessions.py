"""Sessions, takes and timing, with the clock under the test's control."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from app.config import get_settings
from app.errors import Conflict, Forbidden, InvalidInput
from app.interviews import service
from app.interviews.service import SessionRequest
from app.models import AnswerMode, SessionKind, TakeState
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


def test_nothing_is_recorded_without_consent(db: Session, bank: list[str]) -> None:
    user = create_user(db)
    with pytest.raises(Forbidden):
        service.start_session(
            db, user, SessionRequest(SessionKind.mock, AnswerMode.video), get_settings(), utcnow()
        )
    service.give_consent(db, user, T0)
    assert service.has_consent(db, user)


def test_a_session_pins_the_question_versions_it_asked(db: Session, bank: list[str]) -> None:
    user, interview = single(db)
    asked = interview.questions[0].question_version
    editor = create_user(db)
    edited = {**asked.content, "title": "A new title after the session started"}
    questions.save_question(db, "drift-manual-edit", edited, editor)
    again = service.get_session(db, user, interview.id)
    assert again.questions[0].question_version.content["title"] == asked.content["title"]
    assert again.questions[0].question_version.number == 1


def test_practice_mock_and_single_sessions_choose_their_questions(db: Session, bank: list[str]) -> None:
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
    assert len(service.get_session(db, user, mock.id).questions) == 5 and len(mock_categories) >= 3
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


def test_another_candidate_cannot_see_a_session(db: Session, bank: list[str]) -> None:
    _, interview = single(db)
    with pytest.raises(service.NotFound):
        service.get_session(db, create_user(db), interview.id)


def test_the_answer_clock_starts_at_the_end_of_preparation_at_the_latest(
    db: Session, bank: list[str]
) -> None:
    user, interview = single(db)
    take = service.begin_take(db, user, interview, 1, T0)
    prep, answer = service.limits(interview.questions[0])
    deadline = service.start_answer(take, seconds(prep + 40))  # started 40 s after preparation ran out
    assert take.answer_started_at == seconds(prep)
    assert deadline == seconds(prep + answer)
    assert service.start_answer(take, seconds(prep + 50)) == deadline  # a repeated start changes nothing


def test_a_reload_during_preparation_keeps_the_same_take_and_clock(db: Session, bank: list[str]) -> None:
    user, interview = single(db)
    first = service.begin_take(db, user, interview, 1, T0)
    again = service.begin_take(db, user, interview, 1, seconds(12))
    assert again.id == first.id and again.prep_started_at == T0


def test_an_answer_ending_within_the_grace_period_is_on_time_and_later_ran_over(
    db: Session, bank: list[str]
) -> None:
    user, interview = single(db, AnswerMode.typed)
    _, answer = service.limits(interview.questions[0])
    on_time = service.begin_take(db, user, interview, 1, T0)
    service.start_answer(on_time, seconds(5))
    service.submit_typed(on_time, "Argo CD marks it OutOfSync.", seconds(5 + answer + service.GRACE_SECONDS))
    assert on_time.overran is False and on_time.state == TakeState.uploaded
    late = service.begin_take(db, user, interview, 1, seconds(1000))
    service.start_answer(late, seconds(1000))
    service.submit_typed(
        late, "Argo CD marks it OutOfSync.", seconds(1000 + answer + service.GRACE_SECONDS + 1)
    )
    assert late.overran is True


def test_retakes_are_limited_and_the_candidate_keeps_the_take_they_choose(
    db: Session, bank: list[str]
) -> None:
    user, interview = single(db, AnswerMode.typed)
    first = service.begin_take(db, user, interview, 1, T0)
    service.submit_typed(first, "First try.", seconds(30))
    assert interview.finished_at == seconds(30)  # every question answered
    second = service.begin_take(db, user, interview, 1, seconds(60))
    service.submit_typed(second, "Second try.", seconds(90))
    assert interview.questions[0].chosen_take_id == second.id
    with pytest.raises(Conflict, match="used every take"):
        service.begin_take(db, user, interview, 1, seconds(120))
    service.choose_take(interview, 1, first.id)
    assert service.chosen_takes(interview)[0] is first


def test_an_empty_typed_answer_is_refused(db: Session, bank: list[str]) -> None:
    user, interview = single(db, AnswerMode.typed)
    take = service.begin_take(db, user, interview, 1, T0)
    with pytest.raises(InvalidInput):
        service.submit_typed(take, "   ", seconds(10))


def test_the_mode_can_change_only_before_any_take(db: Session, bank: list[str]) -> None:
    user, interview = single(db)
    service.change_mode(interview, AnswerMode.audio)
    assert interview.mode == AnswerMode.audio
    service.begin_take(db, user, interview, 1, T0)
    with pytest.raises(Conflict):
        service.change_mode(interview, AnswerMode.typed)


def test_the_model_answer_unlocks_once_the_candidate_has_answered(db: Session, bank: list[str]) -> None:
    user, interview = single(db, AnswerMode.typed)
    question = questions.get_question(db, "drift-manual-edit")
    assert not questions.model_answer_unlocked(db, user, question)
    take = service.begin_take(db, user, interview, 1, T0)
    assert not questions.model_answer_unlocked(db, user, question)  # opening it is not answering
    service.submit_typed(take, "Argo CD marks it OutOfSync.", seconds(30))
    db.flush()
    assert questions.model_answer_unlocked(db, user, question)
