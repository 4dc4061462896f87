"""Whether a question's own texts score the way its rubric says they should.

A question is self-consistent when its model answer scores high and states no misconception,
its key points and `why_wrong` texts trip no red flag, every misconception trips its own flag
without earning key points, and an answer made only of its glossary terms scores low. The bank
tests run this over every question, and the editor runs it before a question is published."""

from dataclasses import dataclass

from app.questions.bank_files import Problem
from app.questions.schemas import QuestionFile
from app.scoring.features import COVERED_AT, Features
from app.scoring.rubric import RubricScorer
from app.scoring.schemas import ScoringInput

MODEL_ANSWER_AT_LEAST = 4.5
BUZZWORD_AT_MOST = 2.5


@dataclass(frozen=True)
class Inconsistency:
    field: str  # where the editor should look: "model_answer", "red_flags[1].cues", ...
    message: str


def buzzword_answer(question: QuestionFile) -> str:
    """Fluent sentences that name the question's glossary terms and explain none of them."""
    terms = list(question.glossary) or [question.title]
    groups = [terms[i : i + 3] for i in range(0, len(terms), 3)]
    templates = (
        "In my experience {} are really central here.",
        "We rely on {} every day, and it is all about best practices.",
        "Honestly {} make it work, that is the GitOps way.",
        "I have used {} a lot, it is the modern approach and it scales.",
    )
    return " ".join(
        templates[i % len(templates)].format(
            ", ".join(group[:-1]) + " and " + group[-1] if len(group) > 1 else group[0]
        )
        for i, group in enumerate(groups)
    )


def inconsistencies(question: QuestionFile, scorer: RubricScorer) -> list[Inconsistency]:
    """Every way this question's own texts contradict its rubric, in field order."""

    def features(text: str) -> Features:
        return scorer.features(ScoringInput(question=question, text=text))

    found: list[Inconsistency] = []
    model = scorer.score(ScoringInput(question=question, text=question.model_answer))
    if model.overall < MODEL_ANSWER_AT_LEAST:
        found.append(
            Inconsistency(
                "model_answer", f"the model answer scores {model.overall}, below {MODEL_ANSWER_AT_LEAST}"
            )
        )
    for hit in model.red_flags:
        found.append(
            Inconsistency("model_answer", f"the model answer trips red flag {hit.id!r}: {hit.evidence}")
        )
    for i, point in enumerate(question.key_points):
        for tripped in features(point.point).red_flags:
            found.append(
                Inconsistency(f"key_points[{i}].point", f"key point {point.id!r} trips red flag {tripped!r}")
            )
    for i, flag in enumerate(question.red_flags):
        if flag.id in features(flag.why_wrong).red_flags:
            found.append(
                Inconsistency(f"red_flags[{i}].why_wrong", f"the why_wrong of {flag.id!r} trips its own flag")
            )
        stated = features(flag.misconception)
        if flag.id not in stated.red_flags:
            found.append(
                Inconsistency(
                    f"red_flags[{i}].cues", f"the misconception of {flag.id!r} does not trip its own flag"
                )
            )
        earned = [pid for pid, match in stated.points.items() if match.strength >= COVERED_AT]
        if earned:
            found.append(
                Inconsistency(
                    f"red_flags[{i}].misconception",
                    f"the misconception of {flag.id!r} earns key points {earned}",
                )
            )
    buzz = scorer.score(ScoringInput(question=question, text=buzzword_answer(question)))
    if buzz.overall > BUZZWORD_AT_MOST:
        found.append(
            Inconsistency(
                "glossary",
                f"an answer made of glossary terms scores {buzz.overall}, above {BUZZWORD_AT_MOST}",
            )
        )
    return found


def publishing_problems(bank: list[QuestionFile], question: QuestionFile) -> list[Problem]:
    """What keeps `question` from being published, judged by a scorer over `bank` (which holds it)."""
    found = inconsistencies(question, RubricScorer(bank))
    return [Problem("question", item.field.split("[")[0], item.message) for item in found]
