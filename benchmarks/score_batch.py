"""Throughput of `gitops-coach score --batch` on the offline scorer, process start-up included.

Repeats the dev set to a few thousand answers and times the real command: wall-clock, and CPU
time of the process (steadier when other work shares the two cores)."""

import resource
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
    cpu_before = _children_cpu()
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
    elapsed = time.perf_counter() - started
    cpu = _children_cpu() - cpu_before
    scored = len(result.stdout.splitlines())
    print(
        f"score --batch: {scored} answers in {elapsed:.1f} s = {scored / elapsed:.0f} answers/s "
        f"(start-up included); {cpu:.1f} s of CPU = {scored / cpu:.0f} answers per CPU second"
    )
    Path(batch.name).unlink()
    return 0 if scored == len(lines) else 1


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    sys.exit(main())
