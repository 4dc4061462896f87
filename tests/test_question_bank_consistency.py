"""Every question scores its own texts as its rubric says, and the editor publishes no question
that does not: the model answer high and clean, no correct text tripping a red flag, every
misconception tripping its own, a glossary-only answer low."""

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import QuestionStatus, Role
from app.paths import QUESTION_BANK_DIR
from app.questions import service
from app.questions.bank_files import load_bank
from app.questions.editor_form import form_from_content
from app.scoring.consistency import buzzword_answer, inconsistencies
from app.scoring.rubric import RubricScorer
from tests.factories import create_user, post_form, sign_in

BANK = load_bank(QUESTION_BANK_DIR)
SCORER = RubricScorer(BANK.questions)


@pytest.mark.parametrize("question", BANK.questions, ids=lambda q: q.id)
def test_the_question_scores_its_own_texts_as_its_rubric_says(question) -> None:  # type: ignore[no-untyped-def]
    assert [f"{i.field}: {i.message}" for i in inconsistencies(question, SCORER)] == []


def test_the_buzzword_answer_names_the_glossary_and_explains_nothing() -> None:
    question = next(q for q in BANK.questions if q.id == "drift-manual-edit")
    answer = buzzword_answer(question)
    assert all(term in answer for term in question.glossary)
    assert " because " not in answer
    assert " only " not in answer


def _draft(db: Session, content: dict) -> str:  # type: ignore[type-arg]
    return service.create_question(db, content, create_user(db, Role.editor)).slug


def test_the_editor_will_not_publish_a_question_whose_model_answer_states_its_misconception(
    client: TestClient, db: Session
) -> None:
    content = yaml.safe_load((QUESTION_BANK_DIR / "questions" / "drift-manual-edit.yaml").read_text())
    content["model_answer"] += " Setting prune to true is what makes Argo CD revert manual changes."
    slug = _draft(db, content)
    sign_in(client, create_user(db, Role.editor))

    refused = post_form(client, f"/editor/questions/{slug}/status", {"status": "published"})

    assert refused.status_code == 422
    assert "trips red flag" in refused.text
    assert "prune-reverts-drift" in refused.text
    db.expire_all()
    assert service.get_question(db, slug).status == QuestionStatus.draft


def test_the_editor_publishes_a_consistent_question_and_checks_its_later_versions(
    client: TestClient, db: Session
) -> None:
    content = yaml.safe_load((QUESTION_BANK_DIR / "questions" / "drift-manual-edit.yaml").read_text())
    slug = _draft(db, content)
    sign_in(client, create_user(db, Role.editor))

    published = post_form(client, f"/editor/questions/{slug}/status", {"status": "published"})
    assert published.status_code == 303
    db.expire_all()
    assert service.get_question(db, slug).status == QuestionStatus.published
    versions = len(service.versions(db, service.get_question(db, slug)))

    form = form_from_content(content)
    form["model_answer"] += " Prune will put it back, that is what prune is for."
    refused = post_form(client, f"/editor/questions/{slug}", form)
    assert refused.status_code == 422
    assert "trips red flag" in refused.text
    db.expire_all()
    assert len(service.versions(db, service.get_question(db, slug))) == versions
