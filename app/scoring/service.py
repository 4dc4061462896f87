"""Choosing and running the configured scorer."""

from collections.abc import Sequence
from typing import Protocol

from app.config import Settings
from app.questions.schemas import CompetencyFile, QuestionFile
from app.scoring.rubric import RubricScorer
from app.scoring.schemas import ScoreReport, ScoringInput


class Scorer(Protocol):
    name: str
    version: str

    def score(self, answer: ScoringInput) -> ScoreReport: ...


def build_scorer(
    settings: Settings,
    bank: Sequence[QuestionFile],
    competencies: CompetencyFile | None,
    name: str | None = None,
) -> Scorer:
    """The scorer `name` (default: settings.scorer) over the caller's bank and rubric. The LLM
    scorer falls back to the rubric scorer, labelled as a fallback, whenever the model cannot
    give a valid report."""
    rubric = RubricScorer(bank)
    if (name or settings.scorer) == "llm":
        from app.scoring.llm.scorer import LLMScorer

        if competencies is None:
            raise ValueError("the LLM scorer needs the competencies: sync the question bank first")
        return LLMScorer(settings, fallback=rubric, competencies=competencies)
    return rubric
