"""How rare each word is in the question bank, which sets how much it weighs when an answer is
read: by its word pieces (meaning, app/scoring/meaning.py) and by its stems (a key point's or a
misconception's distinctive words).

The weights are part of the scoring model, like the blend: `data/rarity.json` freezes them
(`scripts/freeze_rarity.py`) for the bank the scorer's version was measured on. A bank edit adds
the words it brings and moves no weight the snapshot already has, so adding a red flag to one
question, or publishing a new question, leaves the scores of every other question's answers as
they were (off-topic detection aside: it compares an answer with every question on purpose)."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from app.questions.schemas import QuestionFile
from app.scoring.meaning import piece_set
from app.scoring.similarity import Rarity
from app.scoring.text import content_stems

RARITY_FILE = Path(__file__).parent / "data" / "rarity.json"


@dataclass(frozen=True)
class BankRarity:
    pieces: Rarity  # word pieces over prompts, model answers, key points and misconceptions
    stems: Rarity  # stems over key points and misconceptions

    def with_new_terms(self, other: "BankRarity") -> "BankRarity":
        return BankRarity(self.pieces.with_new_terms(other.pieces), self.stems.with_new_terms(other.stems))

    def save(self, path: Path = RARITY_FILE) -> None:
        parts = {"pieces": self.pieces, "stems": self.stems}
        data = {
            name: {"documents": r.documents, "counts": dict(sorted(r.counts.items()))}
            for name, r in parts.items()
        }
        path.write_text(json.dumps(data, indent=0, sort_keys=True) + "\n")


def bank_rarity(bank: Sequence[QuestionFile]) -> BankRarity:
    return BankRarity(
        pieces=Rarity.of(piece_set(text) for q in bank for text in _texts(q)),
        stems=Rarity.of(
            [set(content_stems(p.wording)) for q in bank for p in q.key_points]
            + [set(content_stems(f.misconception)) for q in bank for f in q.red_flags]
        ),
    )


@cache
def frozen_rarity(path: Path = RARITY_FILE) -> BankRarity:
    data = json.loads(path.read_text())
    pieces, stems = (
        Rarity(int(data[name]["documents"]), {str(k): int(v) for k, v in data[name]["counts"].items()})
        for name in ("pieces", "stems")
    )
    return BankRarity(pieces, stems)


def _texts(question: QuestionFile) -> list[str]:
    """Prompts, model answers, key points and misconceptions: the texts whose pieces are counted."""
    return [
        question.prompt,
        question.model_answer,
        *(p.point for p in question.key_points),
        *(f.misconception for f in question.red_flags),
    ]
