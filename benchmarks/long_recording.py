"""The audit's finding F3: a 1.2 MB Opus file that holds 40 minutes of near-silence. Measures what
the pipeline spends on it against a baseline measured in the same run: an answer of exactly the
allowed length (38 s: a 30 s question plus the 10 s grace), made the same way. Also measures what decoding
the whole file would cost, the first thing the pipeline did before media work was bounded.

Each case runs in its own process, so peak memory is that case's alone (the media child process
included). Run: .venv/bin/python benchmarks/long_recording.py"""

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANSWER_SECONDS = 30
CASES = {"allowed": 38.0, "forty-minutes": 2400.0}


def process_one(seconds: float) -> str:
    """One take of `seconds` of audio through the real pipeline; returns a line of results."""
    var = Path(tempfile.mkdtemp(prefix="coach-bench-"))
    os.environ |= {"COACH_VAR_DIR": str(var), "COACH_DATABASE_URL": f"sqlite:///{var / 'coach.db'}"}
    sys.path.insert(0, str(ROOT))
    from app import migrate
    from app.config import get_settings
    from app.db import get_sessionmaker
    from app.interviews import service as interviews
    from app.jobs import media_process, pipeline
    from app.models import AnswerMode, SessionKind, Take
    from app.models.base import utcnow
    from tests.factories import consenting_candidate, publish_question, submit_recording
    from tests.media.media_files import looped_opus

    migrate.upgrade(os.environ["COACH_DATABASE_URL"])
    data = looped_opus(var / "answer.webm", seconds).read_bytes()
    with get_sessionmaker().begin() as db:
        publish_question(db, "drift-manual-edit", answer_seconds=ANSWER_SECONDS)
        user = consenting_candidate(db)
        wanted = interviews.SessionRequest(SessionKind.single, AnswerMode.audio, question="drift-manual-edit")
        started = interviews.start_session(db, user, wanted, get_settings(), utcnow())
        take_id = submit_recording(db, user, interviews.get_session(db, user, started.id), 1, data).id
    began = time.perf_counter()
    state = pipeline.process_take(take_id)
    elapsed = time.perf_counter() - began
    media_process.interrupt_all()  # ends the media child, so its peak memory is counted below
    with get_sessionmaker()() as db:
        take = db.get(Take, take_id)
        assert take is not None
        ran_over, duration = take.overran, take.duration_seconds
    peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return f"{len(data)} {elapsed:.2f} {peak / 1024:.0f} {state} {ran_over} {duration}"


def decode_whole(seconds: float) -> str:
    """What the pipeline used to do first: decode the whole file into memory."""
    sys.path.insert(0, str(ROOT))
    from app.media.audio import decode_audio
    from tests.media.media_files import looped_opus

    path = looped_opus(Path(tempfile.mkdtemp(prefix="coach-bench-")) / "whole.webm", seconds)
    began = time.perf_counter()
    clip = decode_audio(path)
    elapsed = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return f"{path.stat().st_size} {elapsed:.2f} {peak:.0f} decoded {clip.duration_seconds:.0f}s -"


def run_case(name: str) -> list[str]:
    result = subprocess.run(  # noqa: S603
        [sys.executable, __file__, name], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return result.stdout.strip().splitlines()[-1].split()


def main() -> int:
    rows = {name: run_case(name) for name in [*CASES, "decode-whole"]}
    base_seconds, base_memory = float(rows["allowed"][1]), float(rows["allowed"][2])
    print(f"{'case':<16}{'file':>10}{'seconds':>9}{'x base':>8}{'peak MB':>9}{'x base':>8}  outcome")
    for name, (size, seconds, memory, *outcome) in rows.items():
        print(
            f"{name:<16}{int(size) / 1e6:>8.2f}MB{float(seconds):>9.2f}{float(seconds) / base_seconds:>8.2f}"
            f"{float(memory):>9.0f}{float(memory) / base_memory:>8.2f}  {' '.join(outcome)}"
        )
    print(f"(allowed: a {ANSWER_SECONDS} s question plus grace; state, ran over, seconds processed)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] in CASES:
        print(process_one(CASES[sys.argv[1]]))
    elif len(sys.argv) == 2 and sys.argv[1] == "decode-whole":
        print(decode_whole(CASES["forty-minutes"]))
    else:
        sys.exit(main())
