"""The shipped question bank meets the product's bar (and keeps the seed's errors out)."""

import re
from collections import Counter

import pytest

from app.paths import QUESTION_BANK_DIR
from app.questions.bank_files import load_bank
from app.questions.schemas import CATEGORIES, COMPETENCY_IDS
from app.questions.service import to_yaml

SEED_SLUGS = {
    "gitops-vs-cicd", "secrets-in-git", "sync-interval", "drift-manual-edit", "rollback-bad-deploy",
    "staging-validation", "multi-cluster", "non-kubernetes-gitops", "auto-sync-risks",
}  # fmt: skip
BANK = load_bank(QUESTION_BANK_DIR)


def test_the_bank_has_no_problems() -> None:
    assert [str(p) for p in BANK.problems] == []


def test_the_bank_is_big_and_balanced_enough() -> None:
    assert len(BANK.questions) >= 44
    per_category = Counter(q.category for q in BANK.questions)
    assert all(per_category[c] >= 10 for c in CATEGORIES), per_category
    assert {c.id for q in BANK.questions for c in q.competencies} == set(COMPETENCY_IDS)
    assert {q.id for q in BANK.questions} >= SEED_SLUGS


@pytest.mark.parametrize("question", BANK.questions, ids=lambda q: q.id)
def test_each_question_is_complete(question) -> None:  # type: ignore[no-untyped-def]
    assert len(question.key_points) >= 3
    assert question.red_flags
    assert question.references
    assert question.follow_ups
    assert question.glossary
    assert all(str(ref.url).startswith("https://") for ref in question.references)


@pytest.mark.parametrize("question", BANK.questions, ids=lambda q: q.id)
def test_the_seeds_technical_errors_are_not_taught(question) -> None:  # type: ignore[no-untyped-def]
    taught = " ".join([question.model_answer, *(p.point for p in question.key_points)])
    assert "reconcileInterval" not in taught
    assert not re.search(r"syncOptions[^.]*(poll|interval)", taught, re.IGNORECASE)
    assert not re.search(r"\bprune\W+(\w+\W+){0,3}(revert|undo)", taught, re.IGNORECASE)


def test_a_red_flag_says_everywhere_only_where_it_is_true() -> None:
    """Files and stored versions mark the misconceptions checked in every answer, and only those."""
    drift = {q.id: q for q in BANK.questions}["drift-manual-edit"].model_dump(mode="json")
    flags = {f["id"]: f for f in drift["red_flags"]}
    assert flags["prune-reverts-drift"]["everywhere"] is True
    assert "everywhere" not in flags["always-reverts"]
    assert "everywhere: true" in to_yaml(drift["red_flags"])
