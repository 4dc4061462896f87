"""Checking a judgement against the transcript and the question: quotes must be the answer's own
words, ids must be the question's, and quotes inside text addressed to the grader never count."""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from app.scoring.llm.replies import MAX_QUOTES, CriterionJudgement, Judgement
from app.scoring.schemas import ScoringInput


@dataclass
class Sample:
    """One judgement after checking: assessed competencies only, verified quotes only."""

    criteria: dict[str, CriterionJudgement]
    points: dict[str, list[str]]
    red_flags: dict[str, list[str]]
    flags: set[str]


def check_samples(
    judgements: Sequence[Judgement], answer: ScoringInput, injected: list[tuple[int, int]]
) -> tuple[list[Sample], int]:
    """Each judgement with invented quotes and unknown ids removed, and how many distinct quotes went."""
    dropped: set[str] = set()
    samples = [_check(j, answer, injected, dropped) for j in judgements]
    return samples, len(dropped)


def _check(
    judgement: Judgement, answer: ScoringInput, injected: list[tuple[int, int]], dropped: set[str]
) -> Sample:
    """One judgement reduced to what can be trusted: assessed competencies, known ids, real quotes."""
    question = answer.question

    def verified(quotes: list[str]) -> list[str]:
        return _verified_quotes(quotes, answer.text, injected, dropped)

    assessed = {c.id for c in question.competencies}
    criteria: dict[str, CriterionJudgement] = {}
    for c in judgement.criteria:
        if c.competency in assessed and c.competency not in criteria:
            criteria[c.competency] = c.model_copy(update={"evidence": verified(c.evidence)})
    point_ids = {p.id for p in question.key_points}
    flag_ids = {f.id for f in question.red_flags}
    points = {p.id: verified(p.evidence) for p in judgement.key_points_covered if p.id in point_ids}
    red_flags = {f.id: verified(f.evidence) for f in judgement.red_flags if f.id in flag_ids}
    # a claim with no quote left standing is not credited (nor held against the candidate)
    return Sample(
        criteria,
        {i: quotes for i, quotes in points.items() if quotes},
        {i: quotes for i, quotes in red_flags.items() if quotes},
        set(judgement.flags),
    )


def _verified_quotes(
    quotes: list[str], transcript: str, injected: list[tuple[int, int]], dropped: set[str]
) -> list[str]:
    """The transcript's own words for each quote found in it; quotes not found are added to `dropped`.

    Quotes inside text addressed to the grader are left out without counting as invented."""
    kept: list[str] = []
    for quote in quotes:
        span = locate_quote(quote, transcript)
        if span is None:
            dropped.add(quote.strip())
        elif not any(a < span[1] and span[0] < b for a, b in injected):
            kept.append(transcript[span[0] : span[1]])
    return list(dict.fromkeys(kept))[:MAX_QUOTES]


def locate_quote(quote: str, transcript: str) -> tuple[int, int] | None:
    """Where a quote appears: verbatim first, else ignoring case, spacing and apostrophe style."""
    quote = quote.strip().strip("\"'“”‘’").strip()  # noqa: RUF001  # typographic quotes are the point
    if not quote:
        return None
    if (start := transcript.find(quote)) >= 0:
        return start, start + len(quote)
    words = ["".join("['’]" if ch in "'’" else re.escape(ch) for ch in word) for word in quote.split()]  # noqa: RUF001
    match = re.search(r"\s+".join(words), transcript, re.IGNORECASE)
    return match.span() if match else None
