"""Domain vocabulary heard right: after recognition, near-misses of a GitOps term are mapped back
to the term ("R C D" / "our go CD" -> "Argo CD", "cube control" -> "kubectl", "customization" ->
"Kustomization"). The corrected word keeps its timings and what was heard (`heard`), so a reviewer
can always see the recogniser's own words.

Only two sources of terms, so nothing is "corrected" into a term the answer had no reason to say:
the universal terms every GitOps answer uses (Git, kubectl, Argo CD, Flux, GitOps, Kubernetes),
and the question's own glossary (known near-misses plus a phonetic match)."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from app.media.transcript_text import DOTTED_LETTERS, TranscriptWord, joined

MAX_SPAN = 4  # words one term can have been heard as ("our go C D")
FUZZY_MIN_LETTERS = 6  # shorter terms ("prune", "age") sound like too many ordinary words
FUZZY_MIN_SIMILARITY = 0.7
TRAILING_PUNCTUATION = re.compile(r"[.,;:!?]+$")

# Mishearings seen in practice (espeak-ng, flite and people through tiny.en), written as heard
# with spaces and punctuation removed. Universal terms apply to every question.
UNIVERSAL: dict[str, tuple[str, ...]] = {
    "Argo CD": (
        "rcd",
        "arcd",
        "ourgocd",
        "argoscd",
        "argocity",
        "ergocd",
        "argosity",
        "ourgocity",
        "argocdee",
    ),
    "kubectl": (
        "cubecontrol",
        "kubecontrol",
        "cubectl",
        "kubecconsole",
        "kubecontroll",
        "cubecuddle",
        "kubecuddle",
        "cubecuttle",
        "kubecuttle",
        "cubesctl",
        "kubesctl",
        "cubecettle",
    ),
    "GitOps": ("getops", "goodops", "kitops", "gidops", "gitups", "gettops"),
    "Kubernetes": (
        "kubernetis",
        "kubernetties",
        "coopernetties",
        "cubernetties",
        "cubernetes",
        "kuberneties",
    ),
    "Flux": ("flucks", "fluxx"),
}
# Mishearings of terms that only some questions use: applied when the glossary has the term.
GLOSSARY_ONLY: dict[str, tuple[str, ...]] = {
    "Kustomization": ("customization", "customisation", "kustomisation"),
    "Kustomizations": ("customizations", "customisations"),
    "Kustomize": ("customize", "customise"),
    "argocd-cm": ("rcm", "rcdcm", "argocm", "ourgocm", "ourgocdcm", "argoscm"),
    "argocd-rbac-cm": ("rcdrbaccm", "argocdrbacm", "ourgocdrbaccm"),
    "kubeseal": ("cubeseal", "kubeseel", "cubeseel", "cubesealed"),
    "Kyverno": ("kiverno", "caverno", "kyverna", "civerno", "kaverno"),
}
# "Git" is heard as "good"/"get"/"kit", which are ordinary words: corrected only where an ordinary
# word cannot stand ("good repository", "get revert", "stored in good.").
GIT_SOUNDALIKES = frozenset({"good", "get", "kit", "gid"})
GIT_COMMANDS = frozenset({"revert", "commit", "push", "pull", "log", "diff", "clone", "checkout", "rebase"})
GIT_NOUNS = frozenset(
    {"repo", "repos", "repository", "repositories", "history", "branch", "branches", "server"}
)
NOT_GIT_AFTER = frozenset({"a", "an", "very", "really", "so", "too", "is", "be", "are", "was", "quite"})
GIT_BEFORE = frozenset({"in", "into", "from", "to", "of", "with"})


@dataclass(frozen=True)
class Vocabulary:
    """The terms one answer may be corrected into, by how each sounds when misheard."""

    variants: dict[str, str]  # heard (no spaces, lower case) -> term
    fuzzy_terms: dict[str, str]  # phonetic key -> glossary term
    spelt: frozenset[str]  # every allowed term without spaces, lower case: never corrected again


def compact(text: str) -> str:
    """Lower-case letters and digits only: "R .C .D." -> "rcd", "Argo CD" -> "argocd"."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def phonetic_key(text: str) -> str:
    """A rough sound-alike key: c/k/q as k, z as s, ph as f, vowels after the first letter dropped,
    doubled letters once ("customization" and "Kustomization" both give "kstmstn")."""
    letters = re.sub(r"[^a-z]", "", text.lower())
    for spelt, sound in (
        ("ph", "f"),
        ("ck", "k"),
        ("q", "k"),
        ("c", "k"),
        ("z", "s"),
        ("x", "ks"),
        ("y", "i"),
    ):
        letters = letters.replace(spelt, sound)
    key = letters[:1] + re.sub(r"[aeiou]", "", letters[1:])
    return re.sub(r"(.)\1+", r"\1", key)


def vocabulary_for(glossary: Sequence[str]) -> Vocabulary:
    """The universal terms, plus the glossary's terms with their known and phonetic near-misses."""
    in_glossary = {compact(term) for term in glossary}
    allowed = dict(UNIVERSAL) | {t: v for t, v in GLOSSARY_ONLY.items() if compact(t) in in_glossary}
    variants = {heard: term for term, heard_as in allowed.items() for heard in heard_as}
    fuzzy = {phonetic_key(t): t for t in glossary if len(compact(t)) >= FUZZY_MIN_LETTERS}
    spelt = frozenset(compact(t) for t in [*allowed, *glossary])
    return Vocabulary(variants, fuzzy, spelt)


def _term_for(span: Sequence[TranscriptWord], vocabulary: Vocabulary) -> str | None:
    heard = compact(" ".join(w.word for w in span))
    if not heard or heard in vocabulary.spelt:
        return None  # already the term (or another allowed term), whatever its spacing
    if heard in vocabulary.variants:
        return vocabulary.variants[heard]
    term = vocabulary.fuzzy_terms.get(phonetic_key(heard))
    if term is not None and SequenceMatcher(None, heard, compact(term)).ratio() >= FUZZY_MIN_SIMILARITY:
        return term
    return None


def _git_for(words: Sequence[TranscriptWord], index: int) -> str | None:
    """ "Git" (or "git" before a command) where a sound-alike ordinary word makes no sense."""
    heard = compact(words[index].word)
    if heard not in GIT_SOUNDALIKES:
        return None
    before = compact(words[index - 1].word) if index > 0 else ""
    after = compact(words[index + 1].word) if index + 1 < len(words) else ""
    if before in NOT_GIT_AFTER:
        return None
    if after in GIT_COMMANDS:
        return "git"
    if after in GIT_NOUNS:
        return "Git"
    clause_ends = index + 1 == len(words) or bool(TRAILING_PUNCTUATION.search(words[index].word))
    return "Git" if heard == "good" and before in GIT_BEFORE and clause_ends else None


def _corrected(span: Sequence[TranscriptWord], term: str) -> TranscriptWord:
    """The term in place of what was heard, keeping the trailing punctuation (a sentence end)."""
    heard = "".join(w.word for w in span)
    punctuation = "" if DOTTED_LETTERS.match(heard) else "".join(TRAILING_PUNCTUATION.findall(heard))
    return joined(list(span), term + punctuation).model_copy(update={"heard": " ".join(w.word for w in span)})


def correct_vocabulary(words: Sequence[TranscriptWord], glossary: Sequence[str]) -> list[TranscriptWord]:
    """The words with near-misses of allowed terms replaced, longest match first."""
    vocabulary = vocabulary_for(glossary)
    result: list[TranscriptWord] = []
    index = 0
    while index < len(words):
        for size in range(min(MAX_SPAN, len(words) - index), 0, -1):
            span = words[index : index + size]
            term = _term_for(span, vocabulary) or (_git_for(words, index) if size == 1 else None)
            if term is not None:
                result.append(_corrected(span, term))
                index += size
                break
        else:
            result.append(words[index])
            index += 1
    return result
