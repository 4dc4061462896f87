"""The overall score from everything the rubric scorer measured, weighted the way human graders
weigh it: a ridge regression fitted on the tuning sets' grades (`scripts/fit_blend.py`), never on
the held-out sets. The ceilings (app/scoring/caps.py) still apply after it."""

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from app.scoring.meaning import Meaning

BLEND_FILE = Path(__file__).parent / "data" / "blend.json"
RIDGE = 0.1  # per answer: how strongly the weights are pulled to zero (chosen by leave-one-question-out)
# Ridge pulls every prediction toward the mean grade; graders use the whole scale. Deviations from
# the mean are stretched by this much (chosen by leave-one-question-out on the tuning sets).
STRETCH = 1.3
DENSITY_SCALE = 40.0  # domain terms per 100 words above which density says nothing more

SIGNALS = (
    "rubric",  # the score from key points and competency weights, before blending
    "coverage",  # mean key-point strength by words and phrases
    "best_point",  # the strongest key point by words and phrases
    "misconceptions",  # how many misconceptions the answer states
    "log_words",
    "density",  # domain terms per 100 words
    "relevance",  # this question's similarity relative to the closest question
    "meaning_points",  # mean key-point similarity by meaning
    "meaning_best",
    "meaning_worst",
    "meaning_misconception",  # the closest a stretch comes to a misconception
    "meaning_wrong_over_right",  # that, less the mean key-point similarity
    "meaning_model_answer",
)


def signals(
    rubric: float,
    coverage: float,
    strengths: Sequence[float],
    misconceptions: int,
    words: int,
    term_density: float,
    relevance: float,
    meaning: Meaning,
) -> dict[str, float]:
    points = meaning.points or (0.0,)
    mean_point = sum(points) / len(points)
    return {
        "rubric": rubric,
        "coverage": coverage,
        "best_point": max(strengths, default=0.0),
        "misconceptions": float(misconceptions),
        "log_words": math.log(max(1, words)),
        "density": min(term_density, DENSITY_SCALE) / DENSITY_SCALE,
        "relevance": min(relevance, 1.0),
        "meaning_points": mean_point,
        "meaning_best": points[0],
        "meaning_worst": points[-1],
        "meaning_misconception": meaning.misconception,
        "meaning_wrong_over_right": meaning.misconception - mean_point,
        "meaning_model_answer": meaning.model_answer,
    }


@dataclass(frozen=True)
class Blend:
    intercept: float  # the mean grade: the weights are per standardised signal
    stretch: float
    weights: dict[str, float]  # per standardised signal
    means: dict[str, float]
    scales: dict[str, float]
    fitted_on: str  # which sets, for the record

    def score(self, values: Mapping[str, float]) -> float:
        return self.intercept + self.stretch * sum(
            w * (values[name] - self.means[name]) / self.scales[name] for name, w in self.weights.items()
        )

    def save(self, path: Path = BLEND_FILE) -> None:
        path.write_text(json.dumps(asdict(self), indent=1, sort_keys=True) + "\n")


def rubric_only() -> Blend:
    """The rubric's own score, unblended: what the blend is fitted from."""
    zero = dict.fromkeys(SIGNALS, 0.0)
    return Blend(0.0, 1.0, {**zero, "rubric": 1.0}, zero, dict.fromkeys(SIGNALS, 1.0), fitted_on="")


def load_blend(path: Path = BLEND_FILE) -> Blend:
    data = json.loads(path.read_text())
    blend = Blend(**data)
    if set(blend.weights) != set(SIGNALS):
        raise ValueError(f"{path} weighs {sorted(blend.weights)}, the scorer measures {sorted(SIGNALS)}")
    return blend


def fit_blend(rows: Sequence[Mapping[str, float]], grades: Sequence[float], fitted_on: str) -> Blend:
    """Ridge regression of the grades on the standardised signals (the intercept not shrunk)."""
    x = np.array([[row[name] for name in SIGNALS] for row in rows], dtype=float)
    means, scales = x.mean(0), x.std(0)
    scales[scales == 0] = 1.0
    design = np.c_[np.ones(len(x)), (x - means) / scales]
    penalty = RIDGE * len(x) * np.eye(design.shape[1])
    penalty[0, 0] = 0
    solved = np.linalg.solve(design.T @ design + penalty, design.T @ np.array(grades, dtype=float))
    return Blend(
        intercept=round(float(solved[0]), 6),
        stretch=STRETCH,
        weights={name: round(float(w), 6) for name, w in zip(SIGNALS, solved[1:], strict=True)},
        means={name: round(float(m), 6) for name, m in zip(SIGNALS, means, strict=True)},
        scales={name: round(float(s), 6) for name, s in zip(SIGNALS, scales, strict=True)},
        fitted_on=fitted_on,
    )
