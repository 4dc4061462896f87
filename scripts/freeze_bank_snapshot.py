"""Freeze the shipped bank as the scorer is measured on it (app/scoring/data/bank_snapshot.json):
how rare each word is, and which misconceptions the meaning signal compares each question's
answers with (app/scoring/snapshot.py).

Run it only when the scorer is re-measured as a new version (a refitted blend, new evaluation
numbers): until then a bank edit moves no score except where the edit itself speaks.

    .venv/bin/python scripts/freeze_bank_snapshot.py
"""

from app.paths import QUESTION_BANK_DIR
from app.questions.bank_files import load_bank
from app.scoring.snapshot import SNAPSHOT_FILE, bank_snapshot


def main() -> None:
    snapshot = bank_snapshot(load_bank(QUESTION_BANK_DIR).questions)
    snapshot.save()
    flags = sum(map(len, snapshot.misconceptions.values()))
    print(
        f"{SNAPSHOT_FILE}: {len(snapshot.pieces.counts)} word pieces, {len(snapshot.stems.counts)} stems, "
        f"{flags} red flags in force over {len(snapshot.misconceptions)} questions"
    )


if __name__ == "__main__":
    main()
