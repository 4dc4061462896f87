"""Agreement between scores and human grades, for the evaluation harness in benchmarks/: the
evaluation sets read, their answers scored offline, and the measures of agreement."""

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from app.paths import QUESTION_BANK_DIR
from app.questions.bank_files import load_bank
from app.scoring.rubric import RubricScorer
from app.scoring.schemas import ScoreReport, ScoringInput

# the kinds of evaluation answer that try to game the scorer: each should score 2.0 at most
GAMING_KINDS = ("keyword-list", "injection", "off-topic", "rambling")


def read_answers(path: Path) -> list[dict[str, Any]]:
    """An evaluation set: one graded answer per line of JSON (id, question, text, grade, kind)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class OfflineScorer:
    """The offline rubric scorer over the shipped bank, as the evaluation harness runs it."""

    def __init__(self) -> None:
        bank = load_bank(QUESTION_BANK_DIR)
        self._questions = {q.id: q for q in bank.questions}
        self._rubric_version = bank.competencies.version if bank.competencies else 1
        self._scorer = RubricScorer(bank.questions)

    def score(self, answer: Mapping[str, Any]) -> ScoreReport:
        question = self._questions[answer["question"]]
        return self._scorer.score(
            ScoringInput(question=question, text=answer["text"], rubric_version=self._rubric_version)
        )


def _ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1  # ties share their average rank
        i = j + 1
    return ranks


def pearson(x: Sequence[float], y: Sequence[float]) -> float:
    n = len(x)
    mean_x, mean_y = sum(x) / n, sum(y) / n
    cov = sum((a - mean_x) * (b - mean_y) for a, b in zip(x, y, strict=True))
    var_x = sum((a - mean_x) ** 2 for a in x)
    var_y = sum((b - mean_y) ** 2 for b in y)
    return cov / (var_x * var_y) ** 0.5 if var_x and var_y else 0.0


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    return pearson(_ranks(x), _ranks(y))


def quadratic_weighted_kappa(a: Sequence[int], b: Sequence[int], low: int = 1, high: int = 5) -> float:
    """Cohen's kappa with quadratic weights: 1 is perfect agreement, 0 what chance gives."""
    k = high - low + 1
    observed = [[0.0] * k for _ in range(k)]
    for x, y in zip(a, b, strict=True):
        observed[x - low][y - low] += 1
    n = len(a)
    row = [sum(r) for r in observed]
    col = [sum(observed[i][j] for i in range(k)) for j in range(k)]
    numerator = denominator = 0.0
    for i in range(k):
        for j in range(k):
            weight = (i - j) ** 2 / (k - 1) ** 2
            numerator += weight * observed[i][j]
            denominator += weight * row[i] * col[j] / n
    return 1 - numerator / denominator if denominator else 1.0


def within_one(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(abs(x - y) <= 1 for x, y in zip(a, b, strict=True)) / len(a)
