"""Meaning, not words: how close a stretch of an answer comes to a key point or a misconception
when the speaker uses their own words ("the controller puts it back" for "self-heal reverts drift").

Each word piece has a vector distilled from the sentence model all-MiniLM-L6-v2
(`scripts/distil_static_embeddings.py`); a text's vector is the sum of its pieces' vectors, each
weighted by how rare the piece is in the question bank. No model runs at scoring time: a table
lookup and a sum, so the scorer stays at milliseconds per answer with numpy alone."""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from app.questions.schemas import QuestionFile, RedFlag
from app.scoring.similarity import Rarity

TABLE = Path(__file__).parent / "data" / "static_minilm_128.npz"
DIMENSIONS = 128
WINDOW_WORDS = 24  # a stretch about as long as one spoken sentence that makes a point
WINDOW_STRIDE = 12
MAX_PIECE_CHARS = 100  # longer "words" (a pasted hash, a URL) are not looked up piece by piece

Vectors = npt.NDArray[np.float32]
_WORDS = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class _Table:
    index: dict[str, int]
    vectors: Vectors


@cache
def _table() -> _Table:
    with np.load(TABLE) as data:
        pieces = str(data["pieces"]).split("\n")
        return _Table({piece: i for i, piece in enumerate(pieces)}, data["vectors"].astype(np.float32))


@cache
def _piece_names() -> list[str]:
    return list(_table().index)


def words(text: str) -> list[str]:
    """Lower-case words without accents, as the model's tokenizer sees them."""
    if text.isascii():  # no accents to strip
        return _WORDS.findall(text.lower())
    plain = unicodedata.normalize("NFD", text.lower())
    return _WORDS.findall("".join(c for c in plain if unicodedata.category(c) != "Mn"))


@lru_cache(maxsize=50_000)
def pieces(word: str) -> tuple[int, ...]:
    """The word's pieces by longest match first ("kustomization" -> kust, ##omi, ##zation); none
    for a word the vocabulary cannot spell."""
    index = _table().index
    found: list[int] = []
    start = 0
    while start < len(word) and len(word) <= MAX_PIECE_CHARS:
        for end in range(len(word), start, -1):
            piece = word[start:end] if start == 0 else f"##{word[start:end]}"
            if piece in index:
                found.append(index[piece])
                start = end
                break
        else:
            return ()
    return tuple(found)


def piece_set(text: str) -> set[str]:
    """The word pieces a text is made of, by name: what the bank's rarity counts."""
    names = _piece_names()
    return {names[p] for w in words(text) for p in pieces(w)}


def _unit(vector: Vectors) -> Vectors:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


@dataclass(frozen=True)
class QuestionMeaning:
    points: Vectors  # one row per key point
    misconceptions: Vectors  # one row per red flag in force (none: an empty matrix)
    model_answer: Vectors


@dataclass(frozen=True)
class Meaning:
    """What the answer says, read by meaning: each key point's closest stretch (highest first),
    the closest any stretch comes to a misconception, and the whole answer against the model answer."""

    points: tuple[float, ...]
    misconception: float
    model_answer: float


class Embedder:
    """Unit vectors of texts, each piece weighted by its rarity in the bank (piece_set counts)."""

    def __init__(self, rarity: Rarity) -> None:
        table = _table()
        weights = np.full(len(table.vectors), rarity.weight(0), np.float32)
        for piece, count in rarity.counts.items():
            if piece in table.index:
                weights[table.index[piece]] = rarity.weight(count)
        self._vectors = table.vectors * weights[:, None]

    def embed(self, text: str) -> Vectors:
        ids = [p for w in words(text) for p in pieces(w)]
        return _unit(self._vectors[ids].sum(0)) if ids else np.zeros(DIMENSIONS, np.float32)

    def windows(self, text: str) -> Vectors:
        """One unit vector per stretch of WINDOW_WORDS words, every WINDOW_STRIDE words."""
        per_word = [pieces(w) for w in words(text)]
        ids = [p for word in per_word for p in word]
        if not ids:
            return np.zeros((1, DIMENSIONS), np.float32)
        ends = np.cumsum([len(word) for word in per_word])  # pieces up to and including each word
        running = np.vstack([np.zeros(DIMENSIONS, np.float32), np.cumsum(self._vectors[ids], axis=0)])
        starts = range(0, max(1, len(per_word) - WINDOW_STRIDE), WINDOW_STRIDE)
        sums = np.array(
            [
                running[ends[min(s + WINDOW_WORDS, len(per_word)) - 1]] - running[ends[s - 1] if s else 0]
                for s in starts
            ]
        )
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        unit: npt.NDArray[np.float32] = np.divide(sums, norms, out=np.zeros_like(sums), where=norms > 0)
        return unit

    def question(self, question: QuestionFile, flags: Sequence[RedFlag]) -> QuestionMeaning:
        points = [p.wording for p in question.key_points]
        return QuestionMeaning(
            points=np.array([self.embed(text) for text in points]).reshape(len(points), DIMENSIONS),
            misconceptions=np.array([self.embed(f.misconception) for f in flags]).reshape(
                len(flags), DIMENSIONS
            ),
            model_answer=self.embed(question.model_answer),
        )

    def read(self, question: QuestionMeaning, text: str) -> Meaning:
        stretches = self.windows(text)
        points = (stretches @ question.points.T).max(0) if len(question.points) else np.zeros(1)
        wrong = float((stretches @ question.misconceptions.T).max()) if len(question.misconceptions) else 0.0
        return Meaning(
            points=tuple(sorted((round(float(p), 4) for p in points), reverse=True)),
            misconception=round(wrong, 4),
            model_answer=round(float(self.embed(text) @ question.model_answer), 4),
        )
