"""From what was measured to a score: each competency from its key points, the blend of every
signal (app/scoring/blend.py), the flags, and the ceilings no weighting can lift."""

from app.questions.schemas import KeyPoint, QuestionFile
from app.scoring.assemble import assemble_report
from app.scoring.blend import Blend, signals
from app.scoring.caps import ceiling
from app.scoring.features import COVERED_AT, Features, PointMatch
from app.scoring.schemas import (
    CriterionScore,
    Flag,
    ScoreReport,
    ScoringInput,
)

SCORER_VERSION = "rubric-4.30"
EVIDENCE_AT = 0.2  # a point this strong is evidence of its competency, if not of a high level
NO_COVERAGE = 0.0  # mean key-point strength that still shows nothing (a few words in common)
FULL_COVERAGE = 0.75  # and the strength at which every point is made
COVERAGE_CURVE = 0.8  # fitted on the dev and calibration sets, never the held-out set
SHORT_ANSWER_WORDS = 25
RAMBLING_WORDS = 180
RAMBLING_DENSITY = 8.0  # domain terms per 100 words; focused answers have 9-45
OFF_TOPIC_RELEVANCE = 0.5  # this question's similarity relative to the closest question


def _criterion_value(strengths: list[float]) -> float:
    """1-5 from the mean strength of a competency's key points. Concave, because the anchors are:
    a correct mechanism without nuance (a third of the points, well made) is a 3, and the last
    points (failure modes, experience) separate a 4 from a 5."""
    coverage = sum(strengths) / len(strengths)
    reached = min(1.0, max(0.0, (coverage - NO_COVERAGE) / (FULL_COVERAGE - NO_COVERAGE)))
    curved: float = reached**COVERAGE_CURVE
    return 1 + 4 * curved


def criterion_values(question: QuestionFile, features: Features) -> dict[str, float | None]:
    """Each competency's 1-5 from its key points; None where the answer shows nothing of it."""
    values: dict[str, float | None] = {}
    for competency in question.competencies:
        matches = [features.points[p.id] for p in question.key_points if p.competency == competency.id]
        # a stated misconception is evidence too: of a low level, not of nothing
        has_evidence = bool(features.red_flags) or any(m.strength >= EVIDENCE_AT for m in matches)
        values[competency.id] = _criterion_value([m.strength for m in matches]) if has_evidence else None
    return values


def rubric_overall(question: QuestionFile, values: dict[str, float | None]) -> float:
    return sum(c.weight * (values[c.id] or 1.0) for c in question.competencies)


def signals_of(rubric: float, features: Features) -> dict[str, float]:
    return signals(
        rubric=rubric,
        coverage=features.coverage,
        strengths=[p.strength for p in features.points.values()],
        misconceptions=len(features.red_flags),
        words=features.words,
        term_density=features.term_density,
        relevance=features.relevance,
        meaning=features.meaning,
    )


def report(answer: ScoringInput, features: Features, blend: Blend) -> ScoreReport:
    question = answer.question
    flags = _flags(features)
    raw = criterion_values(question, features)
    rubric = rubric_overall(question, raw)
    # every competency moves with the blended overall, so the overall stays their weighted mean
    shift = blend.score(signals_of(rubric, features)) - rubric
    criteria = []
    for competency in question.competencies:
        points = [p for p in question.key_points if p.competency == competency.id]
        matches = [features.points[p.id] for p in points]
        value = raw[competency.id]
        shifted = None if value is None else min(5.0, max(1.0, value + shift))
        criteria.append(
            _criterion(competency.id, points, matches, _apply_caps(shifted, features, flags), features, flags)
        )
    overall = _apply_caps(min(5.0, max(1.0, rubric + shift)), features, flags) or 1.0
    covered = {
        p.id: m.evidence for p in question.key_points if (m := features.points[p.id]).strength >= COVERED_AT
    }
    return assemble_report(
        answer,
        scorer="rubric",
        scorer_version=SCORER_VERSION,
        overall=overall,
        criteria=criteria,
        covered=covered,
        red_flags=features.red_flags,
        flags=flags,
        uncertain=features.uncertain,
    )


MEASURED: tuple[Flag, ...] = (
    "possible-prompt-injection",
    "keyword-list",
    "off-topic",
    "too-short",
    "rambling",
)


def measured_flags(features: Features) -> list[Flag]:
    """The flags that come from measuring the text, which any scorer must respect."""
    return [flag for flag in _flags(features) if flag in MEASURED]


def _flags(features: Features) -> list[Flag]:
    flags: list[Flag] = []
    if features.injection:
        flags.append("possible-prompt-injection")
    if features.list_like:
        flags.append("keyword-list")
    if features.relevance < OFF_TOPIC_RELEVANCE:
        flags.append("off-topic")
    if features.words < SHORT_ANSWER_WORDS:
        flags.append("too-short")
    if features.words >= RAMBLING_WORDS and features.term_density < RAMBLING_DENSITY:
        flags.append("rambling")
    if not any(p.strength >= COVERED_AT for p in features.points.values()):
        flags.append("no-key-point")
    return flags


def answer_ceiling(features: Features) -> float:
    """The highest score this answer may get, whatever else it shows (app/scoring/caps.py)."""
    return ceiling(_flags(features), len(features.red_flags))


def _apply_caps(value: float | None, features: Features, flags: list[Flag]) -> float | None:
    return None if value is None else min(value, ceiling(flags, len(features.red_flags)))


def _criterion(
    competency: str,
    points: list[KeyPoint],
    matches: list[PointMatch],
    value: float | None,
    features: Features,
    flags: list[Flag],
) -> CriterionScore:
    if value is None:
        return CriterionScore(
            competency=competency, score=None, rationale="The answer gives no evidence for this competency."
        )
    covered = [p for p, m in zip(points, matches, strict=True) if m.strength >= COVERED_AT]
    rationale = f"Covers {len(covered)} of {len(points)} key points for this competency"
    if "possible-prompt-injection" in flags:
        rationale = "Not credited: the answer contains text addressed to the grader"
    elif features.red_flags:
        rationale += ", but states a misconception"
    elif "keyword-list" in flags:
        rationale += ", but only names terms without explaining them"
    evidence = list(dict.fromkeys(q for m in matches for q in m.evidence[:1]))[:3]
    return CriterionScore(
        competency=competency, score=round(value), rationale=rationale + ".", evidence=evidence
    )
