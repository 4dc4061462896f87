"""Freeze how rare each word is in the shipped question bank (app/scoring/data/rarity.json).

Run it only when the scorer is re-measured as a new version (a refitted blend, new evaluation
numbers): until then bank edits add their new words and move no existing weight.

    .venv/bin/python scripts/freeze_rarity.py
"""

from app.paths import QUESTION_BANK_DIR
from app.questions.bank_files import load_bank
from app.scoring.rarity import RARITY_FILE, bank_rarity


def main() -> None:
    rarity = bank_rarity(load_bank(QUESTION_BANK_DIR).questions)
    rarity.save()
    print(f"{RARITY_FILE}: {len(rarity.pieces.counts)} word pieces, {len(rarity.stems.counts)} stems")


if __name__ == "__main__":
    main()
