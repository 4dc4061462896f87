"""A standalone worker serves its own metrics (`worker --metrics-port`): the pipeline steps it ran."""

from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session

from app import migrate
from app.config import get_settings
from app.db import build_engine
from app.interviews import service as interviews
from app.interviews.takes import begin_take, start_answer, submit_typed
from app.models import AnswerMode, SessionKind, Take, TakeState
from app.models.base import utcnow
from tests.factories import consenting_candidate, publish_question
from tests.jobs.test_workers import local_env, start_worker, wait_for
from tests.servers import free_port


def typed_take(env: dict[str, str]) -> int:
    """A database of the worker's own with one typed answer waiting for the reconciler."""
    migrate.upgrade(env["COACH_DATABASE_URL"])
    engine = build_engine(env["COACH_DATABASE_URL"])
    with Session(engine) as db:
        publish_question(db, "drift-manual-edit")
        user = consenting_candidate(db)
        request = interviews.SessionRequest(
            SessionKind.single, AnswerMode.typed, question="drift-manual-edit"
        )
        interview = interviews.get_session(
            db, user, interviews.start_session(db, user, request, get_settings(), utcnow()).id
        )
        take = begin_take(db, user, interview, 1, utcnow())
        start_answer(take, utcnow())
        submit_typed(take, "Argo CD marks the application OutOfSync; selfHeal reverts it.", utcnow())
        take.enqueued_at = None
        db.commit()
        take_id = take.id
    engine.dispose()
    return take_id


def test_a_worker_exposes_the_steps_it_ran(tmp_path: Path) -> None:
    env = local_env(tmp_path)
    take_id = typed_take(env)
    engine = build_engine(env["COACH_DATABASE_URL"])
    port = free_port()
    worker = start_worker(env, tmp_path / "worker.log", "worker", "--metrics-port", str(port))
    try:

        def scored() -> bool:
            with Session(engine) as db:
                return db.get_one(Take, take_id).state == TakeState.scored

        wait_for(scored, 90, "the worker to score the answer")
        text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        engine.dispose()
    counts = {
        sample.labels["step"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "coach_pipeline_step_duration_seconds_count"
    }
    assert counts == {"transcribe": 1.0, "analyse": 1.0, "score": 1.0}, text
    assert worker.returncode == 0  # SIGTERM is a clean stop
