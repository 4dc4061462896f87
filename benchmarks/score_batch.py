"""Throughput of `gitops-coach score --batch` on the offline scorer, process start-up included.

Repeats the dev set to a few thousand answers and times the real command."""

import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEV_SET = Path(__file__).parent / "eval" / "dev_set.jsonl"
REPEAT = 20


def main() -> int:
    lines = DEV_SET.read_text().splitlines() * REPEAT
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as batch:
        batch.write("\n".join(lines) + "\n")
    command = [str(Path(sys.executable).with_name("gitops-coach")), "score", "--batch", batch.name]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
    elapsed = time.perf_counter() - started
    scored = len(result.stdout.splitlines())
    rate = scored / elapsed
    print(f"score --batch: {scored} answers in {elapsed:.1f} s = {rate:.0f} answers/s (start-up included)")
    Path(batch.name).unlink()
    return 0 if scored == len(lines) else 1


if __name__ == "__main__":
    sys.exit(main())
