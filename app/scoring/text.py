"""Spoken-answer text analysis: tokens that keep their place in the original (so evidence is
always quoted verbatim), sentences, light stemming and phrase matching that tolerates the ways
speech recognition spaces words ("self heal", "selfheal", "self-heal")."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache

from app.questions.cues import normalize_spoken

_WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?")
_SENTENCE_END = re.compile(r"[.!?;]+['\"\u2019\u201d)]*(?=\s|$)|\n+")  # a closing quote may follow
FUNCTION_WORDS = frozenset(
    """a an the and or but so if then than that this these those it its is are was were be been being
    to of in on at by for with from as into onto about over under after before because since while
    when where which who whom what why how i you we they he she me us them my our your their
    do does did done not no never can could would should will shall may might must have has had
    there here also just only very really all any some each every more most other such same
    again once both either neither nor too out up down off until unless whether though although
    lets id im were its thats dont doesnt isnt arent wont cant didnt shouldnt wouldnt um uh okay ok
    yeah yes like well actually basically""".split()
)


# How speech recognition tends to write the tools' names, mapped to the names themselves.
WORD_ALIASES = {
    "customize": "kustomize", "customise": "kustomize", "customization": "kustomization",
    "customizations": "kustomizations", "cube": "kube", "caverno": "kyverno", "converno": "kyverno",
    "sink": "sync", "sinks": "syncs", "sinking": "syncing", "sinked": "synced",
}  # fmt: skip
PAIR_ALIASES = {
    ("kube", "control"): "kubectl", ("kube", "ctl"): "kubectl", ("kube", "cuddle"): "kubectl",
    ("kube", "seal"): "kubeseal", ("kube", "config"): "kubeconfig",
    ("our", "go"): "argo", ("argo", "city"): "argocd",
    ("self", "heel"): "selfheal", ("self", "hell"): "selfheal",
    ("home", "release"): "helmrelease", ("home", "releases"): "helmreleases",
    ("helm", "realise"): "helmrelease",
}  # fmt: skip


def spoken_words(words: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Words with their spans, speech-recognition spellings of tool names merged and mapped."""
    out: list[tuple[str, int, int]] = []
    for word, start, end in words:
        word = WORD_ALIASES.get(word, word)
        if out and (out[-1][0], word) in PAIR_ALIASES:
            out[-1] = (PAIR_ALIASES[(out[-1][0], word)], out[-1][1], end)
        else:
            out.append((word, start, end))
    return out


# Words people use for the same mechanism, so an answer in its own words meets the bank's wording
# ("undoes the edit" = "reverts the edit"). Stems on the left become the stem on the right.
SAME_MECHANISM = {
    "undo": "revert", "undon": "revert", "restor": "revert", "rollback": "revert",
    "remov": "delet", "wip": "delet",
    "diff": "compar", "notic": "detect", "spot": "detect",
    "overwritten": "overwrit", "clobber": "overwrit",
    "fetch": "pull",
    "repository": "repo",
    "unseal": "decrypt",
    "notify": "alert", "pag": "alert",
    "watch": "monitor",
}  # fmt: skip


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A deliberately light stemmer: enough for "reverts"/"reverted"/"reverting" to meet, and
    words for the same mechanism to meet (SAME_MECHANISM)."""
    base = _light_stem(word)
    return SAME_MECHANISM.get(base, base)


def _light_stem(word: str) -> str:
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    else:
        if (word.endswith("es") and word[-3] in "sxz") or word.endswith(("ches", "shes")):
            word = word[:-2]
        elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
            word = word[:-1]
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


@dataclass(frozen=True)
class Token:
    norm: str  # normalised word
    stem: str
    start: int  # character span in the original text
    end: int
    sentence: int
    colon: bool = False  # a colon comes right before this word ("the trap: X")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int


@dataclass(frozen=True)
class AnalysedText:
    text: str
    tokens: list[Token]
    sentences: list[Sentence]

    def quote(self, first: int, last: int, max_words: int = 30) -> str:
        """A verbatim quote around tokens first..last: their sentence, trimmed to a window."""
        sentence = self.tokens[first].sentence
        in_sentence = [i for i, t in enumerate(self.tokens) if t.sentence == sentence]
        lo, hi = in_sentence[0], in_sentence[-1]
        if hi - lo + 1 > max_words:
            spare = max(0, max_words - (last - first + 1))
            lo = max(lo, first - spare // 2)
            hi = min(hi, lo + max_words - 1)
            lo = min(lo, first)
            hi = max(hi, last)
        return self.text[self.tokens[lo].start : self.tokens[hi].end]

    @cached_property
    def positions(self) -> dict[str, list[int]]:
        """Where each stem occurs."""
        found: dict[str, list[int]] = {}
        for i, token in enumerate(self.tokens):
            found.setdefault(token.stem, []).append(i)
        return found

    @cached_property
    def by_sentence(self) -> list[list[int]]:
        """The token indices of each sentence that has tokens, in order."""
        found: dict[int, list[int]] = {}
        for i, token in enumerate(self.tokens):
            found.setdefault(token.sentence, []).append(i)
        return list(found.values())

    def found(self, phrases: "Phrases") -> dict[tuple[str, ...], list[tuple[int, int]]]:
        """Where each of the phrases occurs (Phrases.search), searched once per text."""
        if phrases not in self._found:
            self._found[phrases] = phrases.search(self)
        return self._found[phrases]

    @cached_property
    def _found(self) -> dict["Phrases", dict[tuple[str, ...], list[tuple[int, int]]]]:
        return {}

    def sentence_tokens(self, sentence: int) -> list[Token]:
        return [t for t in self.tokens if t.sentence == sentence]


def analyse(text: str) -> AnalysedText:
    boundaries = [m.end() for m in _SENTENCE_END.finditer(text)]
    sentences: list[Sentence] = []
    start = 0
    for end in [*boundaries, len(text)]:
        if text[start:end].strip():
            sentences.append(Sentence(start, end))
        start = end
    tokens: list[Token] = []
    for index, sentence in enumerate(sentences):
        words = [
            (word, match.start(), match.end())
            for match in _WORD.finditer(text, sentence.start, sentence.end)
            for word in _spoken(match.group())
        ]
        for word, start, end in spoken_words(words):
            before = text[tokens[-1].end if tokens else 0 : start]
            tokens.append(Token(word, stem(word), start, end, index, ":" in before))
    return AnalysedText(text, tokens, sentences)


@lru_cache(maxsize=65536)
def _spoken(word: str) -> tuple[str, ...]:
    """One written word as the spoken words it stands for ("selfHeal" -> self, heal)."""
    return tuple(normalize_spoken(word.replace("'", "")).split())


def phrase_stems(phrase: str) -> tuple[str, ...]:
    words = spoken_words([(word, 0, 0) for word in normalize_spoken(phrase).split()])
    return tuple(stem(word) for word, _, _ in words)


class Phrases:
    """The phrases one question looks for, compiled once so that an answer is read for all of
    them in one pass. A phrase is also found spelled with other spacing ("self heal" =
    "selfheal"), and with max_gap, with up to that many small words between its words ("prune
    ... will revert")."""

    def __init__(self, phrases: Iterable[tuple[str, ...]], max_gap: int = 0) -> None:
        self._spelled: dict[str, list[tuple[str, ...]]] = {}  # a phrase's words joined: the phrases
        self._gapped: dict[str, list[tuple[str, ...]]] = {}  # a first word: the phrases read with gaps
        for phrase in dict.fromkeys(phrases):
            self._spelled.setdefault("".join(phrase), []).append(phrase)
            if max_gap and len(phrase) > 1:
                self._gapped.setdefault(phrase[0], []).append(phrase)
        self._with_gaps = frozenset(p for gapped in self._gapped.values() for p in gapped)
        self._starts = frozenset(t[:n] for t in self._spelled for n in range(1, len(t) + 1))
        self._max_gap = max_gap

    def search(self, text: AnalysedText) -> dict[tuple[str, ...], list[tuple[int, int]]]:
        """Token ranges (first, last) within one sentence where each phrase occurs, in order; a
        phrase that does not occur is left out. Where a phrase could be read with gaps (its first
        word is there as a word), it is."""
        found: dict[tuple[str, ...], dict[int, int]] = {}
        tokens = text.tokens
        for first, token in enumerate(tokens):
            built, last = token.stem, first
            while built in self._starts:
                for phrase in self._spelled.get(built, []):
                    if token.stem != phrase[0] or phrase not in self._with_gaps:
                        found.setdefault(phrase, {})[first] = last
                last += 1
                if last == len(tokens) or tokens[last].sentence != token.sentence:
                    break
                built += tokens[last].stem
        for word, places in text.positions.items():
            for phrase in self._gapped.get(word, []):
                if all(w in text.positions for w in phrase[1:]):
                    for first in places:
                        if (end := _gapped(tokens, first, phrase, self._max_gap)) is not None:
                            found.setdefault(phrase, {})[first] = end
        return {phrase: sorted(spans.items()) for phrase, spans in found.items()}


def _gapped(tokens: list[Token], i: int, phrase: tuple[str, ...], max_gap: int) -> int | None:
    j = i
    for word in phrase[1:]:
        for k in range(j + 1, min(len(tokens), j + 2 + max_gap)):
            if tokens[k].sentence != tokens[i].sentence:
                return None
            if tokens[k].stem == word:
                j = k
                break
            if tokens[k].norm not in FUNCTION_WORDS:
                # only small words may sit in a gap: "commit the secret", not "commit only ExternalSecret"
                return None
        else:
            return None
    return j


def content_tokens(tokens: list[Token]) -> list[Token]:
    """The tokens that carry meaning: no function words, nothing of two letters or fewer."""
    return [t for t in tokens if t.norm not in FUNCTION_WORDS and len(t.norm) > 2]


def content_stems(text: str) -> list[str]:
    return [t.stem for t in content_tokens(analyse(text).tokens)]


def function_word_ratio(tokens: list[Token]) -> float:
    if not tokens:
        return 0.0
    return sum(t.norm in FUNCTION_WORDS for t in tokens) / len(tokens)
