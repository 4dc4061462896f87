"""The shipped question bank and an offline scorer over it, for tests that score answers."""

from app.paths import QUESTION_BANK_DIR
from app.questions.bank_files import load_bank
from app.scoring.rubric import RubricScorer
from app.scoring.schemas import ScoreReport, ScoringInput

BANK = load_bank(QUESTION_BANK_DIR)
QUESTIONS = {q.id: q for q in BANK.questions}
SCORER = RubricScorer(BANK.questions)


def score(question: str, text: str, **kwargs: object) -> ScoreReport:
    return SCORER.score(ScoringInput(question=QUESTIONS[question], text=text, **kwargs))
