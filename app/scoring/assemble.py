"""Turning a scorer's findings into the ScoreReport, the same way for every scorer."""

from typing import Literal

from app.scoring.delivery import delivery_metrics
from app.scoring.schemas import CriterionScore, Flag, KeyPointResult, RedFlagHit, ScoreReport, ScoringInput


def assemble_report(
    answer: ScoringInput,
    *,
    scorer: Literal["rubric", "llm"],
    scorer_version: str,
    overall: float,
    criteria: list[CriterionScore],
    covered: dict[str, list[str]],
    red_flags: dict[str, list[str]],
    flags: list[Flag],
    uncertain: dict[str, list[str]] | None = None,
) -> ScoreReport:
    """`covered` and `red_flags` map ids to their evidence quotes; the question supplies the text.
    `uncertain` maps key-point and red-flag ids to the low-confidence words they rest on."""
    unsure = uncertain or {}
    question = answer.question
    return ScoreReport(
        overall=round(min(5.0, max(1.0, overall)), 1),
        criteria=criteria,
        key_points_covered=[
            KeyPointResult(
                id=p.id,
                point=p.point,
                competency=p.competency,
                evidence=covered[p.id],
                uncertain_words=unsure.get(p.id, []),
            )
            for p in question.key_points
            if p.id in covered
        ],
        key_points_missed=[
            KeyPointResult(id=p.id, point=p.point, competency=p.competency)
            for p in question.key_points
            if p.id not in covered
        ],
        red_flags=[
            RedFlagHit(
                id=f.id,
                misconception=f.misconception,
                why_wrong=f.why_wrong,
                evidence=red_flags[f.id],
                uncertain_words=unsure.get(f.id, []),
            )
            for f in question.red_flags
            if f.id in red_flags
        ],
        flags=flags,
        delivery=delivery_metrics(answer.text, answer.duration_seconds, answer.words),
        scorer=scorer,
        scorer_version=scorer_version,
        rubric_version=answer.rubric_version,
        question=question.id,
        question_version=answer.question_version,
    )
