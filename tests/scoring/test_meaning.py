"""Reading an answer by meaning: the distilled word-piece table, and the blend that weighs it."""

import json
from pathlib import Path

import numpy as np
import pytest

from app.scoring.blend import BLEND_FILE, SIGNALS, Blend, fit_blend, load_blend, rubric_only
from app.scoring.meaning import WINDOW_STRIDE, Embedder, piece_set, pieces, words
from app.scoring.rubric import RubricScorer
from app.scoring.schemas import ScoringInput
from app.scoring.similarity import Rarity
from tests.scoring.shipped_bank import BANK, QUESTIONS, score

EMBEDDER = Embedder(Rarity.of(piece_set(q.model_answer) for q in BANK.questions))


def test_words_are_split_into_the_vocabularys_pieces_longest_first() -> None:
    assert words("Argo CD's selfHeal — naïve!") == ["argo", "cd", "s", "selfheal", "naive"]
    assert len(pieces("selfheal")) >= 2
    assert len(pieces("the")) == 1
    assert pieces("x" * 200) == ()  # a pasted blob is not spelled out piece by piece


def test_a_paraphrase_is_closer_to_its_point_than_to_another_point() -> None:
    point = EMBEDDER.embed("With self heal on, the controller reverts a manual change to the live state")
    paraphrase = EMBEDDER.embed("if someone kubectl edits it, Argo just puts it back to what the repo says")
    unrelated = EMBEDDER.embed("Sealed Secrets encrypts a secret with the controller's public key")
    assert float(paraphrase @ point) > float(unrelated @ point) + 0.1


def test_stretches_of_an_answer_are_read_one_window_at_a_time() -> None:
    text = " ".join(f"word{i}" for i in range(60))
    stretches = EMBEDDER.windows(text)
    assert stretches.shape[0] == len(range(0, 60 - WINDOW_STRIDE, WINDOW_STRIDE))
    assert np.allclose(np.linalg.norm(stretches, axis=1), 1.0, atol=1e-4)
    assert EMBEDDER.windows("").shape[0] == 1
    assert not EMBEDDER.embed("").any()


def test_an_answer_reads_closer_to_its_own_questions_points() -> None:
    question = QUESTIONS["drift-manual-edit"]
    meaning = EMBEDDER.question(question, question.red_flags)
    on_topic = EMBEDDER.read(meaning, question.model_answer)
    off_topic = EMBEDDER.read(meaning, QUESTIONS["sealed-secrets-workflow"].model_answer)
    assert on_topic.points == tuple(sorted(on_topic.points, reverse=True))
    assert on_topic.points[0] > off_topic.points[0]
    assert on_topic.model_answer > off_topic.model_answer


def test_the_blend_is_fitted_by_ridge_and_stretched_back_to_the_grades_scale() -> None:
    rng = np.random.default_rng(0)
    rows = [dict(zip(SIGNALS, rng.random(len(SIGNALS)), strict=True)) for _ in range(200)]
    grades = [1 + 4 * row["rubric"] for row in rows]
    blend = fit_blend(rows, grades, fitted_on="synthetic")
    predicted = [blend.score(row) for row in rows]
    assert np.corrcoef(predicted, grades)[0, 1] > 0.99
    assert abs(blend.weights["rubric"]) > 10 * max(abs(w) for n, w in blend.weights.items() if n != "rubric")
    assert rubric_only().score({**rows[0], "rubric": 3.7}) == pytest.approx(3.7)


def test_a_blend_file_that_weighs_other_signals_is_refused(tmp_path: Path) -> None:
    shipped = json.loads(BLEND_FILE.read_text())
    shipped["weights"].pop("rubric")
    broken = tmp_path / "blend.json"
    broken.write_text(json.dumps(shipped))
    with pytest.raises(ValueError, match="weighs"):
        load_blend(broken)


def test_every_competency_moves_with_the_blended_overall() -> None:
    question = QUESTIONS["drift-manual-edit"]
    answer = ScoringInput(
        question=question,
        text="Argo CD compares the live state with Git and marks the app out of sync. Only automated sync with "
        "self heal reverts the edit, prune only deletes what was removed from Git, so fix it with a pull request.",
    )
    plain = RubricScorer(BANK.questions, blend=rubric_only()).score(answer)
    lifted_blend = Blend(
        1.0,
        1.0,
        {**dict.fromkeys(SIGNALS, 0.0), "rubric": 1.0},
        dict.fromkeys(SIGNALS, 0.0),
        dict.fromkeys(SIGNALS, 1.0),
        fitted_on="test",
    )
    lifted = RubricScorer(BANK.questions, blend=lifted_blend).score(answer)
    assert lifted.overall == pytest.approx(min(5.0, plain.overall + 1), abs=0.11)
    scored = [(b.score, a.score) for b, a in zip(plain.criteria, lifted.criteria, strict=True) if b.score]
    assert scored
    assert all(after == min(5, before + 1) for before, after in scored)


def test_an_answer_built_on_a_misconception_scores_low_even_where_no_cue_names_it() -> None:
    report = score(
        "drift-manual-edit",
        "Argo CD compares live and desired state and marks the app out of sync. Because prune is enabled, "
        "Argo reverts the manual edit to the deployment straight away, so the fix is to turn prune off.",
    )
    assert report.overall <= 2.0
