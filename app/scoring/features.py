"""What the rubric scorer measures in an answer, before any policy turns it into a score: key-point
strengths with their evidence, misconceptions stated, the words it rests on that the recogniser
doubted, and the shape of the text (a bare list of terms, explanations, domain density)."""

import re
from dataclasses import dataclass, field
from functools import cached_property

from app.scoring.meaning import Meaning
from app.scoring.text import (
    AnalysedText,
    Token,
    function_word_ratio,
)

COVERED_AT = 0.45  # a key point this strong is made
CLAUSE_WORDS = frozenset(
    """is are was were be been being do does did has have had can could would should will must i you we
    they he she it me us them my our your their this that these those if then than so because when where
    which who what why how not no never just isnt dont its im id wed thats there""".split()
)
EXPLAINERS = frozenset(
    "because so which means mean when if then otherwise since instead but unless until whereas why".split()
)


@dataclass
class PointMatch:
    strength: float
    evidence: list[str] = field(default_factory=list)


@dataclass
class Features:
    """What the scorer measured; the evaluation harness prints these to explain a score."""

    words: int
    points: dict[str, PointMatch]
    red_flags: dict[str, list[str]]
    uncertain: dict[str, list[str]]  # finding id -> the low-confidence words it rests on
    injection: list[str]
    relevance: float  # similarity to this question relative to the closest question in the bank
    list_like: bool
    explainers_per_100: float
    domain_terms: int
    meaning: Meaning

    @property
    def term_density(self) -> float:
        """Distinct domain terms per 100 words: lists are dense, rambling is thin."""
        return 100 * self.domain_terms / max(1, self.words)

    @cached_property
    def coverage(self) -> float:
        return sum(p.strength for p in self.points.values()) / max(1, len(self.points))


def uncertain_words(
    text: AnalysedText,
    unsure: set[int],
    claims: dict[str, list[tuple[int, int]]],
    points: dict[str, PointMatch],
) -> dict[str, list[str]]:
    """The low-confidence words each finding rests on. A red flag is uncertain only when every
    place it was stated has such a word; a key point when its evidence has one."""
    if not unsure:
        return {}
    found: dict[str, list[str]] = {}
    for flag, spans in claims.items():
        per_place = [
            [text.text[t.start : t.end] for t in text.tokens[a : b + 1] if id(t) in unsure] for a, b in spans
        ]
        if all(per_place):
            found[flag] = list(dict.fromkeys(w for place in per_place for w in place))
    for point, match in points.items():
        if match.strength >= COVERED_AT:
            spans = [(at, at + len(q)) for q in match.evidence if (at := text.text.find(q)) >= 0]
            words = [text.text[t.start : t.end] for t in text.tokens if id(t) in unsure and _inside(t, spans)]
            if words:
                found[point] = list(dict.fromkeys(words))
    return found


def _inside(token: Token, spans: list[tuple[int, int]]) -> bool:
    return any(a <= token.start < b for a, b in spans)


def sentence_list_like(text: AnalysedText, index: int) -> bool:
    tokens = text.sentence_tokens(text.tokens[index].sentence)
    return len(tokens) >= 5 and function_word_ratio(tokens) < 0.2


_SEGMENTS = re.compile(r"[,.;:!?\n]+|\band\b", re.IGNORECASE)


def list_like(raw: str, tokens: list[Token]) -> bool:
    """A bare list of terms: mostly short fragments between commas or "and"s that are noun
    phrases, not clauses. Speech recognition also chops fluent speech at every pause, but those
    fragments keep their verbs and pronouns ("has no global knob", "after changing it")."""
    segments = [s.lower().replace("'", "").split() for s in _SEGMENTS.split(raw) if s.strip()]
    if len(segments) >= 6:
        short = sum(1 for s in segments if len(s) <= 4) / len(segments)
        mean_words = sum(len(s) for s in segments) / len(segments)
        clauses = sum(1 for s in segments if CLAUSE_WORDS.intersection(s)) / len(segments)
        if short >= 0.75 and mean_words <= 3.5 and clauses < 0.35:
            return True
    return len(tokens) >= 8 and function_word_ratio(tokens) < 0.15
