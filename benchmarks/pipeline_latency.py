"""From the last answer's finalise to a complete session report, for a 5-question session of
60-second spoken answers, with the embedded defaults (in-process consumer, 2 job threads).

Answers 1-4 are processed while the candidate records the next one (as in real use); the clock
runs from the moment answer 5 is finalised until every answer is scored. Also prints the peak
resident memory of the worker process and of the largest media child process (speech and video
run there, under COACH_MEDIA_MEMORY_MB)."""

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VAR = Path(tempfile.mkdtemp(prefix="coach-bench-"))
os.environ |= {"COACH_VAR_DIR": str(VAR), "COACH_DATABASE_URL": f"sqlite:///{VAR / 'coach.db'}"}
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from app import migrate  # noqa: E402
from app.config import get_settings  # noqa: E402
from app.db import get_sessionmaker  # noqa: E402
from app.interviews import service as interviews  # noqa: E402
from app.jobs.queue import enqueue  # noqa: E402
from app.jobs.reconciler import Reconciler  # noqa: E402
from app.jobs.registry import create_consumer  # noqa: E402
from app.models import AnswerMode, SessionKind, Take, TakeState, User  # noqa: E402
from app.models.base import utcnow  # noqa: E402
from app.paths import QUESTION_BANK_DIR  # noqa: E402
from app.questions import sync  # noqa: E402
from app.questions.bank_files import load_bank  # noqa: E402
from tests.factories import create_user, submit_recording  # noqa: E402
from tests.media.media_files import face_frame, speak, wav_seconds, write_video  # noqa: E402

ANSWER = (
    "I would start from the principle that Git is the single source of truth. Argo CD compares the desired "
    "state rendered from the repository with the live state in the cluster and marks the application out of "
    "sync when they differ. Only automated sync with self heal reverts a manual kubectl edit, while prune "
    "only deletes resources that were removed from Git. To roll back I revert the commit and let the "
    "controller reconcile. Secrets stay encrypted with Sealed Secrets or SOPS, and policies run in CI "
    "and at admission. "
)
QUESTIONS = 5


def recording() -> bytes:
    """Exactly 60 seconds of speech (espeak-ng, trimmed with sox) over a face on camera."""
    long = speak(ANSWER * 3, VAR / "long.wav")
    speech = VAR / "answer.wav"
    subprocess.run(["sox", str(long), str(speech), "trim", "0", "60"], check=True)  # noqa: S603, S607
    frames = [face_frame()] * int(wav_seconds(speech) * 2)
    return write_video(VAR / "answer.webm", frames, fps=2, wav=speech).read_bytes()


def states(take_ids: list[int]) -> list[TakeState]:
    with get_sessionmaker()() as db:
        return list(db.scalars(select(Take.state).where(Take.id.in_(take_ids))))


def wait_scored(take_ids: list[int]) -> None:
    while not all(s in (TakeState.scored, TakeState.failed) for s in states(take_ids)):
        time.sleep(0.05)


def main() -> int:
    migrate.upgrade(os.environ["COACH_DATABASE_URL"])
    data = recording()
    with get_sessionmaker().begin() as db:
        sync.sync_bank(db, load_bank(QUESTION_BANK_DIR))
        user = create_user(db)
        interviews.give_consent(db, user, utcnow())
        request = interviews.SessionRequest(SessionKind.mock, AnswerMode.video)
        session_id, user_id = (
            interviews.start_session(db, user, request, get_settings(), utcnow()).id,
            user.id,
        )
    consumer, reconciler = create_consumer(2), Reconciler()
    consumer.start()
    reconciler.start()
    take_ids: list[int] = []
    for position in range(1, QUESTIONS + 1):
        if take_ids:
            wait_scored(take_ids)  # earlier answers finish while the candidate records this one
        with get_sessionmaker().begin() as db:
            owner = db.get(User, user_id)
            assert owner is not None
            interview = interviews.get_session(db, owner, session_id)
            take_ids.append(submit_recording(db, owner, interview, position, data).id)
        finalised = time.perf_counter()
        enqueue("process_take", take_ids[-1])
    wait_scored(take_ids)
    elapsed = time.perf_counter() - finalised
    reconciler.stop()
    consumer.stop(graceful=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    media_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # stopped with the consumer
    seconds = wav_seconds(VAR / "answer.wav")
    print(f"answers: {QUESTIONS} x {len(data) / 1e6:.1f} MB webm, {seconds:.0f} s of speech each")
    print(f"last answer finalised -> session report complete: {elapsed:.1f} s")
    print(f"final states: {[s.value for s in states(take_ids)]}")
    print(f"peak resident memory: worker process {peak:.0f} MB, largest media process {media_peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
