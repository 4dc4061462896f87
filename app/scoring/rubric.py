"""The offline rubric scorer: deterministic, no network, milliseconds per answer.

It reads a spoken answer the way a careful interviewer skims one: which key points it makes and
in what words, whether it states a misconception (and not merely mentions one to reject it),
whether it explains or only names things, and whether it answers this question at all. Every
point it credits is backed by a verbatim quote. The words it reads, and what the answer means
(app/scoring/meaning.py), are weighed into one score as human graders weigh them
(app/scoring/blend.py)."""

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

from app.questions.schemas import KeyPoint, QuestionFile, RedFlag
from app.scoring.blend import Blend, load_blend
from app.scoring.claims import Claim, asserted, claim_spans, is_negative
from app.scoring.confidence import low_confidence_tokens
from app.scoring.features import (
    EXPLAINERS,
    Features,
    PointMatch,
    list_like,
    sentence_list_like,
    uncertain_words,
)
from app.scoring.injection import injection_spans
from app.scoring.meaning import Embedder, QuestionMeaning
from app.scoring.policy import SCORER_VERSION, criterion_values, report, rubric_overall, signals_of
from app.scoring.schemas import (
    ScoreReport,
    ScoringInput,
)
from app.scoring.similarity import QuestionSimilarity, best_window_similarity
from app.scoring.snapshot import BankSnapshot, bank_snapshot, frozen_snapshot
from app.scoring.text import (
    FUNCTION_WORDS,
    AnalysedText,
    Phrases,
    analyse,
    content_stems,
    content_tokens,
    phrase_stems,
    stem,
)

# How much one matched cue says about a key point: a specific phrase more than a single word.
SPECIFIC_CUE_WEIGHT = 0.55
SHORT_CUE_WEIGHT = 0.35
LIST_LIKE_DISCOUNT = 0.4  # a cue inside a bare list of terms shows less than one in a sentence
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
    makes true enabled""".split()
)
OTHER_SUBJECTS_FILE = Path(__file__).parent / "data" / "other_subjects.json"
MECHANISM_WEIGHT = 0.85  # how much a sentence that says the point's mechanism in own words credits it


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
    def point_cues(self) -> Phrases:
        """The cues of its key points, to be looked for in an answer at once."""
        return Phrases(c.stems for p in self.points for c in p.cues)

    @cached_property
    def flag_cues(self) -> Phrases:
        """The cues of its red flags, to be looked for at once, with a few words allowed between
        a cue's words ("prune is true, argo will revert")."""
        return Phrases((c for f in self.flags for c, _ in f.cues), max_gap=RED_FLAG_GAP)

    @cached_property
    def domain_stems(self) -> frozenset[str]:
        """The content words of the key points' cues: what a focused answer is dense in."""
        function = {t.stem for t in analyse(" ".join(FUNCTION_WORDS)).tokens}
        return frozenset(s for p in self.points for cue in p.cues for s in cue.stems if s not in function)


def _claim_stems(text: str) -> list[str]:
    """A misconception's words that say what it claims ("Setting prune to true makes Argo CD revert
    manual changes" -> prune, revert, manual, change: "true" is a setting's value, which a speaker
    says as often as "enabled" or "on")."""
    return [s for s in content_stems(text) if s not in FILLER_STEMS]


class RubricScorer:
    name = "rubric"
    version = SCORER_VERSION

    def __init__(self, bank: Sequence[QuestionFile], blend: Blend | None = None) -> None:
        self._bank = {q.id: q for q in bank}
        self._blend = blend or _default_blend()
        self._snapshot: BankSnapshot = frozen_snapshot().with_new_terms(bank_snapshot(bank))
        self._embedder = Embedder(self._snapshot.pieces)
        self._point_idf = self._snapshot.stems.idf()
        self._questions = QuestionSimilarity(
            {q.id: Counter(content_stems(_question_document(q))) for q in bank},
            _other_subjects(),
        )
        self._compiled: dict[tuple[str, str], _CompiledQuestion] = {}
        self._by_identity: dict[int, tuple[QuestionFile, _CompiledQuestion]] = {}
        self._shared = list({f.id: f for q in reversed(bank) for f in q.red_flags if f.everywhere}.values())
        # a shared misconception names the things of the question it comes from
        self._owners = {id(f): q for q in bank for f in q.red_flags if f.everywhere}
        self._in_force: dict[int, tuple[QuestionFile, QuestionFile]] = {}

    # --- public -----------------------------------------------------------------------------

    def score(self, answer: ScoringInput) -> ScoreReport:
        held = self.held_to(answer)
        return report(held, self._measure(held), self._blend)

    def signals(self, answer: ScoringInput) -> dict[str, float]:
        """What the blend weighs for this answer (`scripts/fit_blend.py` fits it on these)."""
        held = self.held_to(answer)
        features = self._measure(held)
        return signals_of(rubric_overall(held.question, criterion_values(held.question, features)), features)

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
        cues = question.flag_cues
        claims = {f.flag.id: spans for f in question.flags if (spans := _red_flag_spans(usable, f, cues))}
        # a sentence that asserts a misconception earns no key point, however many right words it has
        wrong = {usable.tokens[first].sentence for spans in claims.values() for first, _ in spans}
        sound = AnalysedText(text.text, [t for t in scored if t.sentence not in wrong], text.sentences)
        points = {p.point.id: self._match_point(sound, p, question.point_cues) for p in question.points}
        unsure = low_confidence_tokens(usable, answer.words)
        return Features(
            words=len(answer.text.split()),
            points=points,
            red_flags={
                flag: list(dict.fromkeys(usable.quote(*span) for span in spans))[:2]
                for flag, spans in claims.items()
            },
            uncertain=uncertain_words(usable, unsure, claims, points),
            injection=[answer.text[a:b] for a, b in injected],
            relevance=self._questions.relevance(usable, answer.question.id),
            list_like=list_like(answer.text, usable.tokens),
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
            said = frozenset(s for p in question.key_points for s in content_stems(p.wording))
            flags = [
                _CompiledFlag(
                    flag,
                    sorted({(phrase_stems(c), _negative(c)) for c in flag.cues}),
                    Claim(
                        self._weighted(_claim_stems(flag.misconception)),
                        (*contrasts, self._weighted(content_stems(flag.why_wrong))),
                        _negative(flag.misconception),
                        *self._about(_claim_stems(flag.misconception), self._owner_names(flag, names[0])),
                        frozenset(_claim_stems(flag.misconception)) - said,
                    ),
                )
                for flag in question.red_flags
            ]
            meaning = self._embedder.question(
                question, self._snapshot.meaning_flags(question, question.red_flags)
            )
            self._compiled[key] = _CompiledQuestion(question, points, flags, meaning)
        self._by_identity[id(question)] = (question, self._compiled[key])  # the same object: no re-dump
        return self._compiled[key]

    def _names(self, question: QuestionFile) -> tuple[frozenset[str], frozenset[str]]:
        """Stems that only name things here: the glossary's terms (also spelled as one word,
        "syncPolicy.retry" = "syncpolicy retry"), and with them the bank's most common words."""
        glossary = [phrase_stems(term) for term in question.glossary]
        named = {stem for stems in glossary for stem in stems} | {"".join(stems) for stems in glossary}
        return frozenset(named), frozenset(named | self._common)

    def _owner_names(self, flag: RedFlag, glossary: frozenset[str]) -> frozenset[str]:
        """The glossary names of the question a flag comes from (`glossary` when it is the asking
        question's own): a shared misconception is about what its own question names ("prune")."""
        owner = self._owners.get(id(flag))
        return self._names(owner)[0] if owner is not None else glossary

    @cached_property
    def _common(self) -> frozenset[str]:
        """The bank's most common words ("git", "cluster"): they name nothing in particular."""
        if len(self._bank) < COMMON_NEEDS_QUESTIONS:
            return frozenset()
        return frozenset(term for term, idf in self._questions.idf.items() if idf < GENERIC_IDF)

    def _about(self, stems: list[str], named: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
        """The things a claim is about: its words that the question's glossary names and that are
        not common across the bank ("prune", not "Argo CD"); and the other things it names
        ("selfHeal")."""
        subjects = (frozenset(stems) & named) - self._common
        return subjects, named - subjects - self._common

    def _compile_point(self, point: KeyPoint, names: tuple[frozenset[str], frozenset[str]]) -> _CompiledPoint:
        glossary, vocabulary = names
        cues = [
            _Cue(stems, TERM_CUE_WEIGHT if named else _cue_weight(stems), named)
            for stems in dict.fromkeys(phrase_stems(c) for c in point.cues)  # in the bank's order
            for named in [_only_names(stems, glossary)]
        ]
        own_words = content_stems(point.wording)
        mechanism = [s for s in own_words if s not in vocabulary and s not in FILLER_STEMS]
        return _CompiledPoint(point, cues, self._weighted(mechanism))

    def _weighted(self, stems: list[str]) -> dict[str, float]:
        return {s: self._point_idf.get(s, 1.0) for s in dict.fromkeys(stems)}  # one order: sums round alike

    def _match_point(self, text: AnalysedText, point: _CompiledPoint, cues: Phrases) -> PointMatch:
        missing, named = 1.0, 0.0
        evidence: list[tuple[float, str]] = []
        for cue in point.cues:
            spans = text.found(cues).get(cue.stems)
            if not spans:
                continue
            found = spans[0]
            weight = cue.weight * (LIST_LIKE_DISCOUNT if sentence_list_like(text, found[0]) else 1.0)
            if cue.names_only:  # naming more things shows no more mechanism
                named = max(named, weight)
            else:
                missing *= 1 - weight
            evidence.append((weight, text.quote(*found)))
        missing *= 1 - named
        similarity, sentence = best_window_similarity(text, point.mechanism)
        if similarity > 0:
            missing *= 1 - MECHANISM_WEIGHT * similarity
            if not evidence and similarity >= 0.35:
                evidence.append((similarity, sentence))
        quotes = list(dict.fromkeys(q for _, q in sorted(evidence, key=lambda e: -e[0])))
        return PointMatch(round(1 - missing, 3), quotes[:2])


def _only_names(stems: tuple[str, ...], names: frozenset[str]) -> bool:
    """A cue that only names a tool, object or field shows vocabulary, not how anything works."""
    return len(stems) == 1 or set(stems) <= names or "".join(stems) in names


def _negative(text: str) -> bool:
    return is_negative([t.norm for t in analyse(text).tokens])


def _cue_weight(stems: tuple[str, ...]) -> float:
    return SPECIFIC_CUE_WEIGHT if len(stems) > 1 or len(stems[0]) >= 7 else SHORT_CUE_WEIGHT


@cache
def _default_blend() -> Blend:
    return load_blend()


@cache
def _other_subjects() -> tuple[Counter[str], ...]:
    """Nearby subjects no question asks about (data/other_subjects.json), as stem counts, read once
    per process however many scorers are built: an answer closer to one of them than to its own
    question is about something else."""
    subjects = json.loads(OTHER_SUBJECTS_FILE.read_text(encoding="utf-8"))["subjects"]
    return tuple(Counter(content_stems(f"{subject['title']} {subject['text']}")) for subject in subjects)


def _question_document(question: QuestionFile) -> str:
    parts = [question.title, question.prompt, question.model_answer, " ".join(question.glossary)]
    parts += [p.wording for p in question.key_points]
    return " ".join(parts)


def _red_flag_spans(text: AnalysedText, flag: _CompiledFlag, cues: Phrases) -> list[tuple[int, int]]:
    """Where the answer asserts the flag's misconception: a cue phrase, or most of the
    misconception's own distinctive words, neither of them rejected. Once the answer has rejected
    the claim, what follows about it is the reasoning for rejecting it ("I'd avoid decrypting in CI.
    Decrypting in CI puts plaintext in a pipeline"), not the claim."""
    spans, rejected_at = [], len(text.tokens)
    for cue, negative in flag.cues:
        for first, last in text.found(cues).get(cue, []):
            if asserted(text.tokens, first, last, negative):
                spans.append((first, last))
            else:
                rejected_at = min(rejected_at, last)
    return [(first, last) for first, last in spans + claim_spans(text, flag.claim) if first <= rejected_at]
