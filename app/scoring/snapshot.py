"""The bank as the scorer's version was measured on it, frozen in `data/bank_snapshot.json`
(`scripts/freeze_bank_snapshot.py`), so that an edit to one question moves no score except where
the edit itself speaks.

- **How rare each word is**, which sets how much it weighs: by word piece in the meaning signals
  (app/scoring/meaning.py), by stem in a key point's or a misconception's distinctive words. A
  bank edit adds the words it brings and moves no weight the snapshot already has.
- **Which misconceptions the meaning signal compares an answer with**, per question: those the
  blend was measured with. A red flag added later acts where an answer states it (its cues and
  its claim words), and does not make every answer on its topic read a little closer to a
  misconception. A question the snapshot does not know uses all its flags.

Off-topic detection still compares an answer with every question in the bank, as it must."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from app.questions.schemas import QuestionFile, RedFlag
from app.scoring.meaning import piece_set
from app.scoring.similarity import Rarity
from app.scoring.text import content_stems

SNAPSHOT_FILE = Path(__file__).parent / "data" / "bank_snapshot.json"


@dataclass(frozen=True)
class BankSnapshot:
    pieces: Rarity  # word pieces over prompts, model answers, key points and misconceptions
    stems: Rarity  # stems over key points and misconceptions
    misconceptions: dict[str, frozenset[str]]  # question id -> the red flags in force on it

    def with_new_terms(self, other: "BankSnapshot") -> "BankSnapshot":
        """These weights, and `other`'s for the words these have never seen."""
        return BankSnapshot(
            self.pieces.with_new_terms(other.pieces),
            self.stems.with_new_terms(other.stems),
            self.misconceptions,
        )

    def meaning_flags(self, question: QuestionFile, in_force: Sequence[RedFlag]) -> list[RedFlag]:
        """The flags the meaning signal compares this question's answers with."""
        known = self.misconceptions.get(question.id)
        return list(in_force) if known is None else [f for f in in_force if f.id in known]

    def save(self, path: Path = SNAPSHOT_FILE) -> None:
        data = {
            name: {"documents": r.documents, "counts": r.counts}
            for name, r in {"pieces": self.pieces, "stems": self.stems}.items()
        }
        data["misconceptions"] = {q: sorted(ids) for q, ids in self.misconceptions.items()}
        path.write_text(json.dumps(data, indent=0, sort_keys=True) + "\n")


def bank_snapshot(bank: Sequence[QuestionFile]) -> BankSnapshot:
    shared = {f.id for q in bank for f in q.red_flags if f.everywhere}
    return BankSnapshot(
        pieces=Rarity.of(piece_set(text) for q in bank for text in _texts(q)),
        stems=Rarity.of(
            [set(content_stems(p.wording)) for q in bank for p in q.key_points]
            + [set(content_stems(f.misconception)) for q in bank for f in q.red_flags]
        ),
        misconceptions={q.id: frozenset({f.id for f in q.red_flags} | shared) for q in bank},
    )


@cache
def frozen_snapshot(path: Path = SNAPSHOT_FILE) -> BankSnapshot:
    data = json.loads(path.read_text())
    pieces, stems = (
        Rarity(int(data[name]["documents"]), {str(k): int(v) for k, v in data[name]["counts"].items()})
        for name in ("pieces", "stems")
    )
    misconceptions = {q: frozenset(ids) for q, ids in data["misconceptions"].items()}
    return BankSnapshot(pieces, stems, misconceptions)


def _texts(question: QuestionFile) -> list[str]:
    """Prompts, model answers, key points and misconceptions: the texts whose pieces are counted."""
    return [
        question.prompt,
        question.model_answer,
        *(p.point for p in question.key_points),
        *(f.misconception for f in question.red_flags),
    ]
