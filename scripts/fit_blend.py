"""Fit the scorer's blend (app/scoring/data/blend.json) on the tuning sets' human grades, after
printing what leaving each question out in turn would give: the honest estimate on tuning data.
The held-out sets are never read here.

    .venv/bin/python scripts/fit_blend.py
"""

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from app.paths import QUESTION_BANK_DIR
from app.questions.bank_files import load_bank
from app.scoring.blend import BLEND_FILE, fit_blend, rubric_only
from app.scoring.evaluation import quadratic_weighted_kappa, spearman, within_one
from app.scoring.policy import answer_ceiling
from app.scoring.rubric import RubricScorer
from app.scoring.schemas import ScoringInput

EVAL = Path(__file__).resolve().parents[1] / "benchmarks" / "eval"
TUNING = ("dev", "dev2", "validation", "calibration")


def main() -> None:
    bank = load_bank(QUESTION_BANK_DIR)
    questions = {q.id: q for q in bank.questions}
    scorer = RubricScorer(bank.questions, blend=rubric_only())
    rows, grades, groups, ceilings, sets = [], [], [], [], []
    for name in TUNING:
        for line in (EVAL / f"{name}_set.jsonl").read_text().splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            answer = ScoringInput(question=questions[item["question"]], text=item["text"], rubric_version=1)
            rows.append(scorer.signals(answer))
            ceilings.append(answer_ceiling(scorer.features(answer)))
            grades.append(item["grade"])
            groups.append(item["question"])
            sets.append(name)
    left_out = _leave_one_question_out(rows, grades, groups)
    print("leave one question out (tuning data; Spearman / QWK / within one):")
    for name in TUNING:
        picked = [i for i, s in enumerate(sets) if s == name]
        blended = [min(5.0, max(1.0, min(left_out[i], ceilings[i]))) for i in picked]
        rubric = [min(5.0, max(1.0, min(rows[i]["rubric"], ceilings[i]))) for i in picked]
        print(
            f"  {name:12s} blend {_metrics(blended, [grades[i] for i in picked])}"
            f"   rubric alone {_metrics(rubric, [grades[i] for i in picked])}"
        )
    blend = fit_blend(rows, grades, fitted_on=", ".join(f"{name}_set" for name in TUNING))
    blend.save(BLEND_FILE)
    print(f"{BLEND_FILE}: fitted on {len(rows)} answers")


def _leave_one_question_out(
    rows: Sequence[Mapping[str, float]], grades: Sequence[float], groups: Sequence[str]
) -> list[float]:
    predicted = [0.0] * len(rows)
    for question in sorted(set(groups)):
        train = [i for i, g in enumerate(groups) if g != question]
        blend = fit_blend([rows[i] for i in train], [grades[i] for i in train], fitted_on="")
        for i, g in enumerate(groups):
            if g == question:
                predicted[i] = blend.score(rows[i])
    return predicted


def _metrics(scores: Sequence[float], grades: Sequence[float]) -> str:
    rho = spearman(list(scores), list(grades))
    kappa = quadratic_weighted_kappa([round(s) for s in scores], [int(g) for g in grades])
    return f"{rho:.3f} / {kappa:.3f} / {within_one(list(scores), list(grades)):.1%}"


if __name__ == "__main__":
    main()
