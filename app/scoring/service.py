"""Choosing and running the configured scorer."""

from collections.abc import Sequence
from typing import Protocol

from app.config import Settings
from app.questions.schemas import QuestionFile
from app.scoring.rubric import RubricScorer
from app.scoring.schemas import ScoreReport, ScoringInput


class Scorer(Protocol):
    name: str
    version: str

    def score(self, answer: ScoringInput) -> ScoreReport: ...


def build_scorer(settings: Settings, bank: Sequence[QuestionFile], name: str | None = None) -> Scorer:
    """The scorer `name` (default: settings.scorer). The LLM scorer falls back to the rubric
    scorer, labelled as a fallback, whenever the model cannot give a valid report."""
    rubric = RubricScorer(bank)
    if (name or settings.scorer) == "llm":
        from app.scoring.llm.scorer import LLMScorer

        return LLMScorer(settings, fallback=rubric)
    return rubric
