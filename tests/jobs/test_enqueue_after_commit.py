"""Jobs registered during a transaction reach the queue only once it commits, exactly once,
and never when it (or the savepoint they were registered in) rolls back."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from app.config import get_settings
from app.db import get_sessionmaker
from app.interviews import service
from app.jobs.queue import enqueue_after_commit, huey
from app.models import AnswerMode, SessionKind, Take, TakeState
from app.models.base import utcnow
from tests.factories import consenting_candidate, csrf_token, publish_question, sign_in

TAKE_ID = 987_654  # any id: the queue carries only "work on take N"


@pytest.fixture
def queue(connection: Connection) -> Iterator[None]:  # noqa: ARG001 the test's transaction must exist
    huey.flush()
    yield
    huey.flush()


def queued(take_id: int = TAKE_ID) -> int:
    return sum(1 for task in huey.pending() if task.name == "process_take" and task.args == (take_id,))


@pytest.mark.usefixtures("queue")
def test_a_committed_transaction_enqueues_its_job_exactly_once() -> None:
    with get_sessionmaker()() as db:
        db.begin()
        enqueue_after_commit(db, "process_take", TAKE_ID)
        assert queued() == 0  # not before the commit: a worker would not see the rows yet
        db.commit()
        assert queued() == 1
        db.commit()  # a later transaction of the same session sends nothing again
    assert queued() == 1


@pytest.mark.usefixtures("queue")
def test_a_rolled_back_transaction_enqueues_nothing() -> None:
    with get_sessionmaker()() as db:
        db.begin()
        enqueue_after_commit(db, "process_take", TAKE_ID)
        db.rollback()
        db.commit()
    with get_sessionmaker()() as db:
        db.begin()
        enqueue_after_commit(db, "process_take", TAKE_ID)
    # closed without committing
    assert queued() == 0


@pytest.mark.usefixtures("queue")
def test_a_job_registered_in_a_rolled_back_savepoint_is_dropped() -> None:
    with get_sessionmaker()() as db:
        db.begin()
        enqueue_after_commit(db, "process_take", TAKE_ID)
        with pytest.raises(RuntimeError), db.begin_nested():  # noqa: PT012 the job is registered, then undone
            enqueue_after_commit(db, "process_take", TAKE_ID + 1)
            raise RuntimeError("the savepoint's work is undone")
        with db.begin_nested():
            enqueue_after_commit(db, "process_take", TAKE_ID + 2)
        assert queued(TAKE_ID + 2) == 0  # a released savepoint is not a commit
        db.commit()
    assert (queued(), queued(TAKE_ID + 1), queued(TAKE_ID + 2)) == (1, 0, 1)


@pytest.mark.usefixtures("queue")
def test_submitting_an_answer_queues_it_once_and_a_refused_submission_queues_nothing(
    client: TestClient, db: Session
) -> None:
    publish_question(db, "sync-interval")
    user = consenting_candidate(db)
    wanted = service.SessionRequest(SessionKind.single, AnswerMode.typed, question="sync-interval")
    interview = service.start_session(db, user, wanted, get_settings(), utcnow())
    db.flush()
    sign_in(client, user)
    headers = {"X-CSRF-Token": csrf_token(client)}
    take_id = client.post(f"/api/sessions/{interview.id}/questions/1/takes", headers=headers).json()[
        "take_id"
    ]

    refused = client.post(f"/api/takes/{take_id}/typed", json={"text": "   "}, headers=headers)
    assert refused.status_code == 422
    assert queued(take_id) == 0

    answer = {"text": "Argo CD polls Git every three minutes."}
    accepted = client.post(f"/api/takes/{take_id}/typed", json=answer, headers=headers)
    assert accepted.status_code == 200, accepted.text
    assert queued(take_id) == 1
    again = client.post(f"/api/takes/{take_id}/typed", json=answer, headers=headers)
    assert again.status_code == 200
    assert queued(take_id) == 1
    assert db.scalar(select(Take.state).where(Take.id == take_id)) == TakeState.uploaded
