"""The report from checked samples: the median per criterion, the majority for key points, red
flags and flags, then the same ceilings as the rubric scorer, whatever the model said."""

import math
from collections import Counter
from collections.abc import Callable
from typing import get_args

from app.scoring.assemble import assemble_report
from app.scoring.caps import ceiling
from app.scoring.llm.quotes import Sample
from app.scoring.llm.replies import INJECTION_FLAG, MAX_QUOTES, CriterionJudgement
from app.scoring.schemas import CriterionScore, Flag, ScoreReport, ScoringInput

SCORER_VERSION = "llm-1.1"
INJECTION_RATIONALE = "Not credited: the answer contains text addressed to the grader."
UNQUOTED_RATIONALE = (
    "Not credited above 1: the model quoted nothing from the answer that supports a higher score."
)
FLAG_ORDER: tuple[Flag, ...] = get_args(Flag)


def build_report(
    answer: ScoringInput, samples: list[Sample], force_injection: bool, measured: list[Flag]
) -> ScoreReport:
    """The ScoreReport from checked samples: median per criterion, majority for points and flags,
    then the same ceilings as the rubric scorer, whatever the model said."""
    question = answer.question
    covered = _majority(samples, lambda s: s.points)
    hits = _majority(samples, lambda s: s.red_flags)
    flags = _flags(samples, force_injection, measured, covered)
    limit = ceiling(flags, len(hits))
    criteria = [
        _capped(_median_criterion(c.id, [s.criteria[c.id] for s in samples]), limit)
        for c in question.competencies
    ]
    if INJECTION_FLAG in flags:
        criteria = [c.model_copy(update={"score": 1, "rationale": INJECTION_RATIONALE}) for c in criteria]
    scores = {c.competency: c.score or 1 for c in criteria}
    overall = min(limit, sum(c.weight * scores[c.id] for c in question.competencies))
    return assemble_report(
        answer,
        scorer="llm",
        scorer_version=SCORER_VERSION,
        overall=overall,
        criteria=criteria,
        covered=covered,
        red_flags=hits,
        flags=flags,
    )


def _capped(criterion: CriterionScore, limit: float) -> CriterionScore:
    """No score above 1 without a quote from the answer that survived checking, and none above
    the answer's ceiling."""
    if criterion.score is None:
        return criterion
    if criterion.score > 1 and not criterion.evidence:
        return criterion.model_copy(update={"score": 1, "rationale": UNQUOTED_RATIONALE})
    return criterion.model_copy(update={"score": min(criterion.score, max(1, math.floor(limit)))})


def _median_criterion(competency: str, judgements: list[CriterionJudgement]) -> CriterionScore:
    """The lower median sample (null ranks lowest), kept whole so its rationale matches its score."""
    chosen = sorted(judgements, key=lambda j: j.score or 0)[(len(judgements) - 1) // 2]
    return CriterionScore(
        competency=competency,
        score=chosen.score,
        rationale=chosen.rationale,
        evidence=chosen.evidence if chosen.score is not None else [],
    )


def _majority(samples: list[Sample], found: Callable[[Sample], dict[str, list[str]]]) -> dict[str, list[str]]:
    """Ids more than half the samples report, with the distinct quotes given for them."""
    counts = Counter(i for s in samples for i in found(s))
    quotes: dict[str, list[str]] = {}
    for sample in samples:
        for item, evidence in found(sample).items():
            if 2 * counts[item] > len(samples):
                quotes[item] = list(dict.fromkeys([*quotes.get(item, []), *evidence]))[:MAX_QUOTES]
    return quotes


def _flags(
    samples: list[Sample], force_injection: bool, measured: list[Flag], covered: dict[str, list[str]]
) -> list[Flag]:
    """The model's majority flags, plus what the offline measures found, plus no-key-point when no
    key point is left with a verified quote."""
    counts = Counter(flag for s in samples for flag in s.flags)
    raised = {flag for flag, n in counts.items() if 2 * n > len(samples)} | set(measured)
    if force_injection:
        raised.add(INJECTION_FLAG)
    if not covered:
        raised.add("no-key-point")
    return [flag for flag in FLAG_ORDER if flag in raised]
