"""How much two texts share, by weighted words: tf-idf over the bank's questions (is this answer
about this question at all?) and the share of a point's distinctive terms said within one stretch."""

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from app.scoring.text import (
    FUNCTION_WORDS,
    AnalysedText,
)

SIMILARITY_TERMS = 4
SIMILARITY_WINDOW = 24  # words in which a point's mechanism must be said


@dataclass(frozen=True)
class Rarity:
    """In how many of a corpus's documents each term occurs, and how many documents there are."""

    documents: int
    counts: dict[str, int]

    @classmethod
    def of(cls, documents: Iterable[set[str]]) -> "Rarity":
        docs = list(documents)
        return cls(len(docs), dict(Counter(term for doc in docs for term in doc)))

    def weight(self, count: int) -> float:
        """Inverse document frequency: 1 for a term in every document, highest for an unseen one."""
        return math.log((1 + self.documents) / (1 + count)) + 1

    def idf(self) -> dict[str, float]:
        return {term: self.weight(n) for term, n in self.counts.items()}

    def with_new_terms(self, other: "Rarity") -> "Rarity":
        """These counts, and `other`'s for the terms these have never seen."""
        new = {term: n for term, n in other.counts.items() if term not in self.counts}
        return Rarity(self.documents, {**self.counts, **new})


def _tfidf(counts: Counter[str], weights: dict[str, float]) -> dict[str, float]:
    return {term: (1 + math.log(n)) * weights[term] for term, n in counts.items() if term in weights}


def _unit(vector: dict[str, float]) -> dict[str, float]:
    """The vector scaled to length 1, so a cosine is a dot product."""
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {term: v / norm for term, v in vector.items()} if norm else vector


class QuestionSimilarity:
    """Each question of the bank, and each of a few nearby subjects that no question asks about
    (rolling updates, etcd encryption, the test pyramid...), as a tf-idf vector of its stems. An
    answer closer to another question or to one of those subjects than to its own question is
    about something else."""

    def __init__(self, documents: dict[str, Counter[str]], others: Sequence[Counter[str]] = ()) -> None:
        bank = Rarity.of(set(doc) for doc in documents.values())
        self.idf = bank.idf()  # how common a word is in the bank, which the other subjects do not change
        # their own words weigh as words the bank has never seen; the bank's weigh as in the bank,
        # so an answer's relevance moves only where another subject is the closest
        weights = bank.with_new_terms(Rarity.of(set(doc) for doc in others)).idf()
        self._ids = list(documents)
        self._weights = weights
        self._column = {term: i for i, term in enumerate(weights)}
        rows = [*documents.values(), *others]
        self._matrix = np.zeros((len(rows), len(self._column)))
        for row, doc in enumerate(rows):
            for term, value in _unit(_tfidf(doc, weights)).items():
                self._matrix[row, self._column[term]] = value

    def relevance(self, text: AnalysedText, question_id: str) -> float:
        """Cosine similarity to this question divided by the best similarity to any question or
        other subject."""
        stems = Counter(t.stem for t in text.tokens if t.norm not in FUNCTION_WORDS and len(t.norm) > 2)
        answer = _unit(_tfidf(stems, self._weights))
        if not answer or question_id not in self._ids:
            return 1.0
        columns = [self._column[term] for term in answer]
        similarities = self._matrix[:, columns] @ np.array(list(answer.values()))
        best = float(similarities.max())
        return float(similarities[self._ids.index(question_id)]) / best if best > 0 else 1.0


def best_window_similarity(text: AnalysedText, terms: dict[str, float]) -> tuple[float, str]:
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
