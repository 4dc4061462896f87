"""Compare two versions of the offline scorer on every evaluation set.

    python benchmarks/eval_compare.py dump OUT.json      # score every set in benchmarks/eval
    python benchmarks/eval_compare.py compare BASE.json NEW.json [--tuning-only]

`dump` scores each answer of each `benchmarks/eval/*_set.jsonl` with the scorer of the checkout it
runs in (run it in a `git worktree` of the base commit for the baseline). `compare` prints, per set
and pooled over the held-out sets, Spearman, QWK and within-one before and after, the mean bias per
kind of answer, and every set whose highest gaming score rose or lowest rejection score fell: what
each candidate scorer in the README ("How well it agrees with people") was judged on."""

import argparse
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from app.scoring import evaluation

EVAL_DIR = Path(__file__).parent / "eval"
Row = dict[str, Any]  # one answer's grade and report, as `dump` writes it
Pair = tuple[Row, Row]  # the same answer before and after


def dump(out: Path) -> None:
    scorer = evaluation.OfflineScorer()
    rows = []
    for path in sorted(EVAL_DIR.glob("*_set.jsonl")):
        for answer in evaluation.read_answers(path):
            report = scorer.score(answer)
            rows.append(
                {
                    "set": path.name.removesuffix("_set.jsonl"),
                    "id": answer["id"],
                    "question": answer["question"],
                    "kind": answer.get("kind", "normal"),
                    "grade": answer["grade"],
                    "overall": report.overall,
                    "red": [f.id for f in report.red_flags],
                    "flags": list(report.flags),
                }
            )
    out.write_text(json.dumps(rows))
    print(f"{len(rows)} answers scored into {out}")


def _metrics(rows: list[Row]) -> tuple[float, float, float]:
    scores, grades = [r["overall"] for r in rows], [r["grade"] for r in rows]
    return (
        evaluation.spearman(scores, grades),
        evaluation.quadratic_weighted_kappa([round(s) for s in scores], grades),
        evaluation.within_one(scores, grades),
    )


def _held_out(name: str) -> bool:
    return name.startswith("heldout")


def compare(base_path: Path, new_path: Path, tuning_only: bool) -> None:
    base, new = json.loads(base_path.read_text()), json.loads(new_path.read_text())
    key = {(r["set"], r["id"]): r for r in base}
    pairs = [(key[(r["set"], r["id"])], r) for r in new if (r["set"], r["id"]) in key]
    if tuning_only:
        pairs = [(b, n) for b, n in pairs if not _held_out(b["set"])]
    by_set: dict[str, list[Pair]] = defaultdict(list)
    for b, n in pairs:
        by_set[b["set"]].append((b, n))
    print(f"{'set':14s} {'n':>4s}  {'Spearman':>15s}  {'QWK':>15s}  {'within one':>13s}  changed")
    for name in sorted(by_set, key=lambda s: (not _held_out(s), s)):
        _print_row(name, by_set[name])
    held = [p for name, ps in by_set.items() if _held_out(name) for p in ps]
    tuning = [p for name, ps in by_set.items() if not _held_out(name) for p in ps]
    for name, group in (("HELD-OUT", held), ("TUNING", tuning)):
        if group:
            _print_row(name, group)
    judged = held or tuning
    print(f"\nmean bias (score - grade) by kind, {'held-out' if held else 'tuning'} sets")
    kinds: dict[str, list[Pair]] = defaultdict(list)
    for b, n in judged:
        kinds[b["kind"]].append((b, n))
    for kind in sorted(kinds):
        ps = kinds[kind]
        before = statistics.mean(b["overall"] - b["grade"] for b, _ in ps)
        after = statistics.mean(n["overall"] - n["grade"] for _, n in ps)
        print(f"  {kind:16s} n={len(ps):4d} {before:+.2f} -> {after:+.2f}")
    print("\nsets whose highest gaming score rose or lowest rejection score fell")
    for name, ps in sorted(by_set.items()):
        gaming = [(b["overall"], n["overall"]) for b, n in ps if b["kind"] in evaluation.GAMING_KINDS]
        rejection = [(b["overall"], n["overall"]) for b, n in ps if b["kind"] == "rejection"]
        if gaming and max(n for _, n in gaming) > max(b for b, _ in gaming):
            print(f"  {name}: gaming max {max(b for b, _ in gaming)} -> {max(n for _, n in gaming)}")
        if rejection and min(n for _, n in rejection) < min(b for b, _ in rejection):
            print(f"  {name}: rejection min {min(b for b, _ in rejection)} -> {min(n for _, n in rejection)}")
    over = sum(n["overall"] > 2.0 for _, n in pairs if n["kind"] in evaluation.GAMING_KINDS)
    was = sum(b["overall"] > 2.0 for b, _ in pairs if b["kind"] in evaluation.GAMING_KINDS)
    print(f"gaming answers above 2.0, all sets: {was} -> {over}")


def _print_row(name: str, pairs: list[Pair]) -> None:
    before = _metrics([b for b, _ in pairs])
    after = _metrics([n for _, n in pairs])
    changed = sum(b["overall"] != n["overall"] for b, n in pairs)
    print(
        f"{name:14s} {len(pairs):4d}  {before[0]:.3f} -> {after[0]:.3f}  {before[1]:.3f} -> {after[1]:.3f}  "
        f"{before[2]:5.1%} -> {after[2]:5.1%}  {changed}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("dump").add_argument("out", type=Path)
    comparing = commands.add_parser("compare")
    comparing.add_argument("base", type=Path)
    comparing.add_argument("new", type=Path)
    comparing.add_argument("--tuning-only", action="store_true", help="leave the held-out sets out")
    args = parser.parse_args()
    if args.command == "dump":
        dump(args.out)
    else:
        compare(args.base, args.new, args.tuning_only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
