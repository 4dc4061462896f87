"""Throughput of `gitops-coach score --batch` on the offline scorer, process start-up included.

Repeats the dev set to a few thousand answers and times the real command: wall-clock, and CPU
time of the process (steadier when other work shares the two cores). The baseline, measured in
the same run, is the same command on one answer: what start-up (imports, reading and compiling
the bank) costs, so the scoring rate after it and the share start-up takes are printed too."""

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEV_SET = Path(__file__).parent / "eval" / "dev_set.jsonl"
REPEAT = 20
BAR = 100  # answers a second, start-up included: the bar


def main() -> int:
    lines = DEV_SET.read_text().splitlines() * REPEAT
    start_up = _run(lines[:1])
    batch = _run(lines)
    scored, elapsed, cpu = batch
    after = (scored - 1) / max(1e-9, cpu - start_up[2])
    print(
        f"score --batch: {scored} answers in {elapsed:.1f} s = {scored / elapsed:.0f} answers/s "
        f"(start-up included); {cpu:.1f} s of CPU = {scored / cpu:.0f} answers per CPU second, "
        f"{scored / cpu / BAR:.2f} x the bar of {BAR}"
    )
    print(
        f"baseline, one answer: {start_up[2]:.1f} s of CPU (start-up, {start_up[2] / cpu:.0%} of the batch); "
        f"after it, {after:.0f} answers per CPU second ({1000 / after:.1f} ms an answer)"
    )
    return 0 if scored == len(lines) and start_up[0] == 1 else 1


def _run(lines: list[str]) -> tuple[int, float, float]:
    """Answers scored, wall-clock seconds and CPU seconds of one `score --batch` process."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as batch:
        batch.write("\n".join(lines) + "\n")
    command = [str(Path(sys.executable).with_name("gitops-coach")), "score", "--batch", batch.name]
    cpu_before = _children_cpu()
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
    elapsed = time.perf_counter() - started
    cpu = _children_cpu() - cpu_before
    Path(batch.name).unlink()
    return len(result.stdout.splitlines()), elapsed, cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    sys.exit(main())
