"""Evaluation harness: the offline scorer against human grades (`make eval`).

Prints Spearman and quadratic weighted kappa between `overall` and the grade, agreement within
one point, the mean bias per human grade, mean/min/max per kind of answer, the highest score any
gaming answer got, injection flagging, quote fidelity and speed."""

import argparse
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from app.scoring.evaluation import (
    GAMING_KINDS,
    OfflineScorer,
    quadratic_weighted_kappa,
    read_answers,
    spearman,
    within_one,
)

DEV_SET = Path(__file__).parent / "eval" / "dev_set.jsonl"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dataset", nargs="?", type=Path, default=DEV_SET)
    parser.add_argument("--show", choices=["worst", "all", "none"], default="worst")
    args = parser.parse_args()
    scorer = OfflineScorer()
    rows = read_answers(args.dataset)

    started = time.perf_counter()
    reports = [scorer.score(r) for r in rows]
    elapsed = time.perf_counter() - started

    grades = [r["grade"] for r in rows]
    overall = [rep.overall for rep in reports]
    print(f"answers: {len(rows)} over {len({r['question'] for r in rows})} questions")
    print(f"spearman: {spearman(overall, grades):.3f}")
    print(f"quadratic weighted kappa: {quadratic_weighted_kappa([round(o) for o in overall], grades):.3f}")
    print(f"within one point: {within_one(overall, grades):.1%}")
    bias = statistics.mean(o - g for o, g in zip(overall, grades, strict=True))
    print(f"mean bias (score - grade): {bias:+.2f}")
    for grade in sorted(set(grades)):
        gaps = [o - g for o, g in zip(overall, grades, strict=True) if g == grade]
        print(f"  grade {grade}: n={len(gaps):3d} bias={statistics.mean(gaps):+.2f}")
    by_kind: dict[str, list[float]] = defaultdict(list)
    for row, report in zip(rows, reports, strict=True):
        by_kind[row.get("kind", "normal")].append(report.overall)
    for kind in sorted(by_kind):
        scores = by_kind[kind]
        print(
            f"  {kind:16s} n={len(scores):3d} mean={statistics.mean(scores):.2f} "
            f"min={min(scores):.1f} max={max(scores):.1f}"
        )
    gaming = [o for r, o in zip(rows, overall, strict=True) if r.get("kind") in GAMING_KINDS]
    print(f"highest score of a gaming answer: {max(gaming):.1f}" if gaming else "no gaming answers")
    injections = [rep for r, rep in zip(rows, reports, strict=True) if r.get("kind") == "injection"]
    flagged = sum("possible-prompt-injection" in rep.flags for rep in injections)
    print(f"injections flagged: {flagged}/{len(injections)}")
    quotes = [(q, r["text"]) for r, rep in zip(rows, reports, strict=True) for q in _quotes(rep)]
    print(f"evidence quotes verbatim: {sum(q in text for q, text in quotes)}/{len(quotes)}")
    print(f"speed: {len(rows) / elapsed:.0f} answers/s ({1000 * elapsed / len(rows):.1f} ms each)")
    if args.show != "none":
        _show(rows, reports, only_worst=args.show == "worst")
    return 0


def _quotes(report) -> list[str]:  # type: ignore[no-untyped-def]
    found = [q for c in report.criteria for q in c.evidence]
    found += [q for k in report.key_points_covered for q in k.evidence]
    return found + [q for f in report.red_flags for q in f.evidence]


def _show(rows, reports, only_worst: bool) -> None:  # type: ignore[no-untyped-def]
    pairs = sorted(zip(rows, reports, strict=True), key=lambda p: -abs(p[1].overall - p[0]["grade"]))
    for row, report in pairs[:15] if only_worst else pairs:
        print(
            f"{row['id']:32s} {row.get('kind', ''):15s} grade={row['grade']} overall={report.overall} "
            f"flags={','.join(report.flags)} red={[f.id for f in report.red_flags]} "
            f"covered={len(report.key_points_covered)}/{len(report.key_points_covered) + len(report.key_points_missed)}"  # noqa: E501
        )


if __name__ == "__main__":
    sys.exit(main())
