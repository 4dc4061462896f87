"""The offline rubric scorer: deterministic, no network, milliseconds per answer.

It reads a spoken answer the way a careful interviewer skims one: which key points it makes and
in what words, whether it states a misconception (and not merely mentions one to reject it),
whether it explains or only names things, and whether it answers this question at all. Every
point it credits is backed by a verbatim quote. The words it reads, and what the answer means
(app/scoring/meaning.py), are weighed into one score as human graders weigh them
(app/scoring/blend.py)."""

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property

import numpy as np

from app.questions.schemas import KeyPoint, QuestionFile, RedFlag
from app.scoring.assemble import assemble_report
from app.scoring.blend import Blend, load_blend, signals
from app.scoring.caps import ceiling
from app.scoring.claims import Claim, asserted, claim_spans, is_negative
from app.scoring.confidence import low_confidence_tokens
from app.scoring.injection import injection_spans
from app.scoring.meaning import Embedder, Meaning, QuestionMeaning
from app.scoring.schemas import (
    CriterionScore,
    Flag,
    ScoreReport,
    ScoringInput,
)
from app.scoring.text import (
    FUNCTION_WORDS,
    AnalysedText,
    Token,
    analyse,
    content_tokens,
    find_phrase,
    function_word_ratio,
    phrase_stems,
    stem,
)

SCORER_VERSION = "rubric-3.0"

# How much one matched cue says about a key point: a specific phrase more than a single word.
SPECIFIC_CUE_WEIGHT = 0.55
SHORT_CUE_WEIGHT = 0.35
LIST_LIKE_DISCOUNT = 0.4  # a cue inside a bare list of terms shows less than one in a sentence
COVERED_AT = 0.45
EVIDENCE_AT = 0.2
RED_FLAG_GAP = 3  # words allowed between a red flag's words ("prune is true, argo will revert")
TERM_CUE_WEIGHT = 0.2  # a cue that only names a thing ("prune", "Argo CD") shows vocabulary, not mechanism
GENERIC_IDF = 1.6  # stems in about a third of the questions or more ("git", "cluster") say nothing specific
COMMON_NEEDS_QUESTIONS = 10  # a smaller bank (a test's, a new installation's) cannot tell what is common
# Words in a point's sentence that say how often, how much or in what way, not what happens:
# rare enough to look distinctive, but an answer that shares them shares no mechanism.
FILLER_STEMS = frozenset(
    stem(word)
    for word in """often usually typically normally generally immediately quickly shortly always sometimes
    also still even already simply single whole entire own new old small large big several various many
    much more less least most rather instead default dependent depending mode mod carry carries way ways
    kind kinds thing things part parts lot lots example examples case cases point points setting
    makes""".split()
)
MECHANISM_WEIGHT = 0.85  # how much a sentence that says the point's mechanism in own words credits it
CLAUSE_WORDS = frozenset(
    """is are was were be been being do does did has have had can could would should will must i you we
    they he she it me us them my our your their this that these those if then than so because when where
    which who what why how not no never just isnt dont its im id wed thats there""".split()
)
EXPLAINERS = frozenset(
    "because so which means mean when if then otherwise since instead but unless until whereas why".split()
)
SIMILARITY_TERMS = 4
SIMILARITY_WINDOW = 24  # words in which a point's mechanism must be said
NO_COVERAGE = 0.0  # mean key-point strength that still shows nothing (a few words in common)
FULL_COVERAGE = 0.75  # and the strength at which every point is made
COVERAGE_CURVE = 0.8  # fitted on the dev and calibration sets, never the held-out set
SHORT_ANSWER_WORDS = 25
RAMBLING_WORDS = 180
RAMBLING_DENSITY = 8.0  # domain terms per 100 words; focused answers have 9-45
OFF_TOPIC_RELEVANCE = 0.5  # this question's similarity relative to the closest question


@dataclass(frozen=True)
class _Cue:
    stems: tuple[str, ...]
    weight: float
    names_only: bool  # names a thing ("prune", "Argo CD"): shows vocabulary, not mechanism


@dataclass(frozen=True)
class _CompiledPoint:
    point: KeyPoint
    cues: list[_Cue]
    mechanism: dict[str, float]  # the point's own words that are not mere names, with their idf


@dataclass(frozen=True)
class _CompiledFlag:
    flag: RedFlag
    cues: list[tuple[tuple[str, ...], bool]]  # stems, and whether the cue is itself negative
    claim: Claim


@dataclass
class _CompiledQuestion:
    question: QuestionFile
    points: list[_CompiledPoint]
    flags: list[_CompiledFlag]
    meaning: QuestionMeaning

    @cached_property
    def domain_stems(self) -> frozenset[str]:
        """The content words of the key points' cues: what a focused answer is dense in."""
        function = {t.stem for t in analyse(" ".join(FUNCTION_WORDS)).tokens}
        return frozenset(s for p in self.points for cue in p.cues for s in cue.stems if s not in function)


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


def _content_stems(text: str) -> list[str]:
    return [t.stem for t in content_tokens(analyse(text).tokens)]


def _claim_stems(text: str) -> list[str]:
    """A misconception's words that say what it claims ("Setting prune to true makes..." -> prune, true)."""
    return [s for s in _content_stems(text) if s not in FILLER_STEMS]


class RubricScorer:
    name = "rubric"
    version = SCORER_VERSION

    def __init__(self, bank: Sequence[QuestionFile], blend: Blend | None = None) -> None:
        self._bank = {q.id: q for q in bank}
        self._blend = blend or _default_blend()
        self._embedder = Embedder([text for q in bank for text in _question_texts(q)])
        point_docs = [
            set(_content_stems(f"{p.point} {' '.join(p.cues)}")) for q in bank for p in q.key_points
        ] + [set(_content_stems(f.misconception)) for q in bank for f in q.red_flags]
        self._point_idf = _idf(point_docs)
        question_docs = {q.id: Counter(_content_stems(_question_document(q))) for q in bank}
        self._question_idf = _idf([set(doc) for doc in question_docs.values()])
        self._question_ids = list(question_docs)
        self._term_column = {term: i for i, term in enumerate(self._question_idf)}
        self._question_matrix = np.zeros((len(question_docs), len(self._term_column)))
        for row, doc in enumerate(question_docs.values()):
            for term, value in _unit(_tfidf(doc, self._question_idf)).items():
                self._question_matrix[row, self._term_column[term]] = value
        self._compiled: dict[tuple[str, str], _CompiledQuestion] = {}
        self._by_identity: dict[int, tuple[QuestionFile, _CompiledQuestion]] = {}
        self._shared = list({f.id: f for q in reversed(bank) for f in q.red_flags if f.everywhere}.values())
        self._in_force: dict[int, tuple[QuestionFile, QuestionFile]] = {}

    # --- public -----------------------------------------------------------------------------

    def score(self, answer: ScoringInput) -> ScoreReport:
        held = self.held_to(answer)
        return _report(held, self._measure(held), self._blend)

    def signals(self, answer: ScoringInput) -> dict[str, float]:
        """What the blend weighs for this answer (`scripts/fit_blend.py` fits it on these)."""
        held = self.held_to(answer)
        features = self._measure(held)
        return _signals(_rubric_overall(held.question, _criterion_values(held.question, features)), features)

    def held_to(self, answer: ScoringInput) -> ScoringInput:
        """The answer with the rubric it is held to: its question's red flags and the bank's
        misconceptions that are wrong whatever the question."""
        question = answer.question
        known = self._in_force.get(id(question))
        if known is None or known[0] is not question:
            own = {f.id for f in question.red_flags}
            shared = [f for f in self._shared if f.id not in own]
            flags = [*question.red_flags, *shared]
            rubric = question.model_copy(update={"red_flags": flags}) if shared else question
            known = self._in_force[id(question)] = (question, rubric)
        return answer if known[1] is question else answer.model_copy(update={"question": known[1]})

    def features(self, answer: ScoringInput) -> Features:
        return self._measure(self.held_to(answer))

    def _measure(self, answer: ScoringInput) -> Features:
        """What the answer shows against the rubric it is already held to (`held_to`)."""
        question = self._compile(answer.question)
        text = analyse(answer.text)
        injected = injection_spans(answer.text)
        scored = [t for t in text.tokens if not any(a <= t.start < b for a, b in injected)]
        usable = AnalysedText(text.text, scored, text.sentences)
        claims = {f.flag.id: spans for f in question.flags if (spans := _red_flag_spans(usable, f))}
        # a sentence that asserts a misconception earns no key point, however many right words it has
        wrong = {usable.tokens[first].sentence for spans in claims.values() for first, _ in spans}
        sound = AnalysedText(text.text, [t for t in scored if t.sentence not in wrong], text.sentences)
        points = {p.point.id: self._match_point(sound, p) for p in question.points}
        unsure = low_confidence_tokens(usable, answer.words)
        return Features(
            words=len(answer.text.split()),
            points=points,
            red_flags={
                flag: list(dict.fromkeys(usable.quote(*span) for span in spans))[:2]
                for flag, spans in claims.items()
            },
            uncertain=_uncertain(usable, unsure, claims, points),
            injection=[answer.text[a:b] for a, b in injected],
            relevance=self._relevance(usable, answer.question.id),
            list_like=_list_like(answer.text, usable.tokens),
            explainers_per_100=100 * sum(t.norm in EXPLAINERS for t in scored) / max(1, len(scored)),
            domain_terms=len(question.domain_stems & {t.stem for t in content_tokens(scored)}),
            meaning=self._embedder.read(question.meaning, answer.text),
        )

    # --- matching ---------------------------------------------------------------------------

    def _compile(self, question: QuestionFile) -> _CompiledQuestion:
        known = self._by_identity.get(id(question))
        if known is not None and known[0] is question:
            return known[1]
        key = (question.id, question.model_dump_json())
        if key not in self._compiled:
            names = self._names(question)
            points = [self._compile_point(point, names) for point in question.key_points]
            contrasts = tuple(p.mechanism for p in points)
            flags = [
                _CompiledFlag(
                    flag,
                    sorted({(phrase_stems(c), _negative(c)) for c in flag.cues}),
                    Claim(
                        self._weighted(_claim_stems(flag.misconception)),
                        (*contrasts, self._weighted(_content_stems(flag.why_wrong))),
                        _negative(flag.misconception),
                    ),
                )
                for flag in question.red_flags
            ]
            meaning = self._embedder.question(question, question.red_flags)
            self._compiled[key] = _CompiledQuestion(question, points, flags, meaning)
        self._by_identity[id(question)] = (question, self._compiled[key])  # the same object: no re-dump
        return self._compiled[key]

    def _names(self, question: QuestionFile) -> tuple[frozenset[str], frozenset[str]]:
        """Stems that only name things here: the glossary's terms (also spelled as one word,
        "syncPolicy.retry" = "syncpolicy retry"), and with them the bank's most common words."""
        glossary = [phrase_stems(term) for term in question.glossary]
        named = {stem for stems in glossary for stem in stems} | {"".join(stems) for stems in glossary}
        common = (
            {term for term, idf in self._question_idf.items() if idf < GENERIC_IDF}
            if len(self._bank) >= COMMON_NEEDS_QUESTIONS
            else set()
        )
        return frozenset(named), frozenset(named | common)

    def _compile_point(self, point: KeyPoint, names: tuple[frozenset[str], frozenset[str]]) -> _CompiledPoint:
        glossary, vocabulary = names
        cues = [
            _Cue(stems, TERM_CUE_WEIGHT if named else _cue_weight(stems), named)
            for stems in {phrase_stems(c) for c in point.cues}
            for named in [_only_names(stems, glossary)]
        ]
        own_words = _content_stems(f"{point.point} {' '.join(point.cues)}")
        mechanism = [s for s in own_words if s not in vocabulary and s not in FILLER_STEMS]
        return _CompiledPoint(point, cues, self._weighted(mechanism))

    def _weighted(self, stems: list[str]) -> dict[str, float]:
        return {s: self._point_idf.get(s, 1.0) for s in set(stems)}

    def _match_point(self, text: AnalysedText, point: _CompiledPoint) -> PointMatch:
        missing, named = 1.0, 0.0
        evidence: list[tuple[float, str]] = []
        for cue in point.cues:
            found = next(find_phrase(text.tokens, cue.stems, index=text.positions), None)
            if found is None:
                continue
            weight = cue.weight * (LIST_LIKE_DISCOUNT if _sentence_list_like(text, found[0]) else 1.0)
            if cue.names_only:  # naming more things shows no more mechanism
                named = max(named, weight)
            else:
                missing *= 1 - weight
            evidence.append((weight, text.quote(*found)))
        missing *= 1 - named
        similarity, sentence = _best_sentence_similarity(text, point.mechanism)
        if similarity > 0:
            missing *= 1 - MECHANISM_WEIGHT * similarity
            if not evidence and similarity >= 0.35:
                evidence.append((similarity, sentence))
        quotes = list(dict.fromkeys(q for _, q in sorted(evidence, key=lambda e: -e[0])))
        return PointMatch(round(1 - missing, 3), quotes[:2])

    def _relevance(self, text: AnalysedText, question_id: str) -> float:
        """Cosine similarity to this question divided by the best similarity to any question."""
        stems = Counter(t.stem for t in text.tokens if t.norm not in FUNCTION_WORDS and len(t.norm) > 2)
        answer = _unit(_tfidf(stems, self._question_idf))
        if not answer or question_id not in self._question_ids:
            return 1.0
        columns = [self._term_column[term] for term in answer]
        similarities = dict(
            zip(
                self._question_ids,
                self._question_matrix[:, columns] @ np.array(list(answer.values())),
                strict=True,
            )
        )
        best = max(similarities.values())
        return similarities[question_id] / best if best > 0 else 1.0


def _uncertain(
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


def _only_names(stems: tuple[str, ...], names: frozenset[str]) -> bool:
    """A cue that only names a tool, object or field shows vocabulary, not how anything works."""
    return len(stems) == 1 or set(stems) <= names or "".join(stems) in names


def _negative(text: str) -> bool:
    return is_negative([t.norm for t in analyse(text).tokens])


def _cue_weight(stems: tuple[str, ...]) -> float:
    return SPECIFIC_CUE_WEIGHT if len(stems) > 1 or len(stems[0]) >= 7 else SHORT_CUE_WEIGHT


def _question_texts(question: QuestionFile) -> list[str]:
    """The bank texts whose word pieces set their rarity: prompts, model answers, points, misconceptions."""
    return [
        question.prompt,
        question.model_answer,
        *(p.point for p in question.key_points),
        *(f.misconception for f in question.red_flags),
    ]


@cache
def _default_blend() -> Blend:
    return load_blend()


def _question_document(question: QuestionFile) -> str:
    parts = [question.title, question.prompt, question.model_answer, " ".join(question.glossary)]
    parts += [f"{p.point} {' '.join(p.cues)}" for p in question.key_points]
    return " ".join(parts)


def _idf(documents: list[set[str]]) -> dict[str, float]:
    counts = Counter(term for doc in documents for term in doc)
    return {term: math.log((1 + len(documents)) / (1 + n)) + 1 for term, n in counts.items()}


def _tfidf(counts: Counter[str], idf: dict[str, float]) -> dict[str, float]:
    return {term: (1 + math.log(n)) * idf[term] for term, n in counts.items() if term in idf}


def _unit(vector: dict[str, float]) -> dict[str, float]:
    """The vector scaled to length 1, so a cosine is a dot product."""
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {term: v / norm for term, v in vector.items()} if norm else vector


def _sentence_tokens(text: AnalysedText, index: int) -> list[Token]:
    sentence = text.tokens[index].sentence
    return [t for t in text.tokens if t.sentence == sentence]


def _sentence_list_like(text: AnalysedText, index: int) -> bool:
    tokens = _sentence_tokens(text, index)
    return len(tokens) >= 5 and function_word_ratio(tokens) < 0.2


def _best_sentence_similarity(text: AnalysedText, terms: dict[str, float]) -> tuple[float, str]:
    """How much of a point's mechanism one stretch of the answer carries, and that stretch.
    A point sentence names more than a speaker will: its most distinctive few terms are full
    similarity. Stretches are a fixed number of words, not sentences, so punctuated text and a
    recogniser's run-on transcript are judged alike."""
    total = sum(sorted(terms.values(), reverse=True)[:SIMILARITY_TERMS])
    if not total or not text.tokens:
        return 0.0, ""
    best, best_start = 0.0, 0
    for start in range(0, max(1, len(text.tokens) - SIMILARITY_WINDOW // 2), SIMILARITY_WINDOW // 2):
        present = {t.stem for t in text.tokens[start : start + SIMILARITY_WINDOW]}
        similarity = min(1.0, sum(w for term, w in terms.items() if term in present) / total)
        if similarity > best:
            best, best_start = similarity, start
    if best == 0:
        return 0.0, ""
    window = text.tokens[best_start : best_start + SIMILARITY_WINDOW]
    return round(best, 3), text.text[window[0].start : window[-1].end]


def _red_flag_spans(text: AnalysedText, flag: _CompiledFlag) -> list[tuple[int, int]]:
    """Where the answer asserts the flag's misconception: a cue phrase, or most of the
    misconception's own distinctive words, neither of them rejected."""
    spans = [
        (first, last)
        for cue, negative in flag.cues
        for first, last in find_phrase(
            text.tokens, cue, max_gap=RED_FLAG_GAP if len(cue) > 1 else 0, index=text.positions
        )
        if asserted(text.tokens, first, last, negative)
    ]
    return spans + claim_spans(text, flag.claim)


_SEGMENTS = re.compile(r"[,.;:!?\n]+|\band\b", re.IGNORECASE)


def _list_like(raw: str, tokens: list[Token]) -> bool:
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


# --- from features to a report ------------------------------------------------------------------


def _criterion_value(strengths: list[float]) -> float:
    """1-5 from the mean strength of a competency's key points. Concave, because the anchors are:
    a correct mechanism without nuance (a third of the points, well made) is a 3, and the last
    points (failure modes, experience) separate a 4 from a 5."""
    coverage = sum(strengths) / len(strengths)
    reached = min(1.0, max(0.0, (coverage - NO_COVERAGE) / (FULL_COVERAGE - NO_COVERAGE)))
    return 1 + 4 * reached**COVERAGE_CURVE


def _criterion_values(question: QuestionFile, features: Features) -> dict[str, float | None]:
    """Each competency's 1-5 from its key points; None where the answer shows nothing of it."""
    values: dict[str, float | None] = {}
    for competency in question.competencies:
        matches = [features.points[p.id] for p in question.key_points if p.competency == competency.id]
        # a stated misconception is evidence too: of a low level, not of nothing
        has_evidence = bool(features.red_flags) or any(m.strength >= EVIDENCE_AT for m in matches)
        values[competency.id] = _criterion_value([m.strength for m in matches]) if has_evidence else None
    return values


def _rubric_overall(question: QuestionFile, values: dict[str, float | None]) -> float:
    return sum(c.weight * (values[c.id] or 1.0) for c in question.competencies)


def _signals(rubric: float, features: Features) -> dict[str, float]:
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


def _report(answer: ScoringInput, features: Features, blend: Blend) -> ScoreReport:
    question = answer.question
    flags = _flags(features)
    raw = _criterion_values(question, features)
    rubric = _rubric_overall(question, raw)
    # every competency moves with the blended overall, so the overall stays their weighted mean
    shift = blend.score(_signals(rubric, features)) - rubric
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
