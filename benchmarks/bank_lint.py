"""Prints every self-consistency problem of the question bank (optionally of the named questions)."""

import sys
from collections import Counter

from app.config import DEFAULT_QUESTION_BANK
from app.questions.bank_files import load_bank
from app.scoring.consistency import inconsistencies
from app.scoring.rubric import RubricScorer

bank = load_bank(DEFAULT_QUESTION_BANK)
scorer = RubricScorer(bank.questions)
only = set(sys.argv[1:])
kinds = Counter()
total = 0
for q in bank.questions:
    if only and q.id not in only:
        continue
    for p in inconsistencies(q, scorer):
        total += 1
        kinds[
            p.field.split("[")[0] + ":" + p.message.split(" ")[1 if p.message.startswith("the") else 0]
        ] += 1
        print(f"{q.id}: {p.field}: {p.message}")
print("TOTAL", total, dict(kinds))
