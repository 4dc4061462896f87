"""How good is the "about N s left" estimate? Runs each pipeline stage of real answers with the
embedded defaults, times it, and prints it beside the estimate `app.interviews.processing` gave
for that stage, as a ratio (measured / estimated: above 1 means the page promised too little).

Two 60 s answers on camera, then one audio-only: the first is estimated from the idle benchmark's
speeds (nothing measured yet), the later ones from the speeds measured on the answers before them,
which is how the app calibrates itself to the machine's load. The first stage run in the process
also loads the speech model, as a fresh worker would."""

import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# First: importing it points COACH_* at a temporary folder, before the app reads its settings.
from benchmarks.pipeline_latency import recording

# isort: split
from app import migrate
from app.config import get_settings
from app.db import get_sessionmaker
from app.interviews import service as interviews
from app.interviews import takes
from app.interviews.processing import STAGES, measured_speeds, processing, recording_seconds, stage_seconds
from app.jobs import pipeline
from app.models import AnswerMode, SessionKind, Take
from app.models.base import utcnow
from app.paths import QUESTION_BANK_DIR
from app.questions import sync
from app.questions.bank_files import load_bank
from tests.factories import create_user, submit_recording

STEPS = {
    "transcribing": pipeline.transcribe_step,
    "analysing": pipeline.analyse_step,
    "scoring": pipeline.score_step,
}
TYPED = (
    "Argo CD compares the live state with Git and marks the app OutOfSync; only selfHeal reverts the edit."
)


def new_take(mode: AnswerMode, data: bytes) -> int:
    """A submitted answer of `mode` to the drift question, waiting for the pipeline."""
    with get_sessionmaker().begin() as db:
        user = create_user(db)
        interviews.give_consent(db, user, utcnow())
        request = interviews.SessionRequest(SessionKind.single, mode, question="drift-manual-edit")
        interview = interviews.get_session(
            db, user, interviews.start_session(db, user, request, get_settings(), utcnow()).id
        )
        if mode == AnswerMode.typed:
            take = takes.begin_take(db, user, interview, 1, utcnow())
            takes.start_answer(take, utcnow())
            return takes.submit_typed(take, TYPED, utcnow()).id
        take = submit_recording(db, user, interview, 1, data)
        # submitted in one go here: give the take the 60 s the server would have timed
        take.answer_started_at, take.ended_at = utcnow() - timedelta(seconds=60), utcnow()
        return take.id


def run(mode: AnswerMode, data: bytes) -> None:
    take_id = new_take(mode, data)
    for state, stage in STAGES.items():
        with get_sessionmaker()() as db:
            take = db.get(Take, take_id)
            assert take is not None
            assert take.state == state, take.state
            speeds = measured_speeds(db)
            estimate = stage_seconds(state, take.mode, recording_seconds(take), speeds)
            said = processing(take, utcnow(), speeds)
        started = time.perf_counter()
        STEPS[stage](take_id)
        took = time.perf_counter() - started
        print(
            f"{mode.value:6} {stage:13} measured {took:5.1f} s  estimate {estimate:5.1f} s  "
            f"ratio {took / estimate:4.2f}  speeds from {speeds.measured_from} answers  (page: {said})"
        )


def main() -> int:
    migrate.upgrade(os.environ["COACH_DATABASE_URL"])
    with get_sessionmaker().begin() as db:
        sync.sync_bank(db, load_bank(QUESTION_BANK_DIR))
    data = recording()
    for mode in (AnswerMode.video, AnswerMode.video, AnswerMode.audio, AnswerMode.typed):
        run(mode, data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
