"""Questions as code: validation messages, sync, export, drift and immutable versions."""

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import cli
from app.errors import Conflict
from app.models import Question, QuestionStatus, QuestionVersion, Role, VersionOrigin
from app.paths import QUESTION_BANK_DIR
from app.questions import service, sync
from app.questions.bank_files import load_bank
from tests.factories import create_user

runner = CliRunner()
SAMPLE = ["gitops-vs-cicd", "drift-manual-edit", "sync-interval"]


@pytest.fixture
def bank_dir(tmp_path: Path) -> Path:
    """A small bank: the real competencies and three real questions."""
    (tmp_path / "bank" / "questions").mkdir(parents=True)
    shutil.copy(QUESTION_BANK_DIR / "competencies.yaml", tmp_path / "bank")
    for slug in SAMPLE:
        shutil.copy(QUESTION_BANK_DIR / "questions" / f"{slug}.yaml", tmp_path / "bank" / "questions")
    return tmp_path / "bank"


def read(path: Path) -> dict[str, Any]:
    content: dict[str, Any] = yaml.safe_load(path.read_text())
    return content


def write(path: Path, content: dict) -> None:  # type: ignore[type-arg]
    path.write_text(yaml.safe_dump(content, sort_keys=False))


def edited(content: dict, **changes: object) -> dict:  # type: ignore[type-arg]
    return {**content, **changes}


def test_validate_names_every_problem_with_its_file_and_field(bank_dir: Path) -> None:
    questions = bank_dir / "questions"
    good = read(questions / "sync-interval.yaml")
    write(
        questions / "unknown-competency.yaml",
        edited(good, id="unknown-competency", competencies=[{"id": "kubernetes-wizardry", "weight": 1.0}]),
    )
    write(questions / "copy-a.yaml", edited(good, id="sync-interval"))
    missing = edited(good, id="no-model-answer")
    del missing["model_answer"]
    write(questions / "no-model-answer.yaml", missing)
    points = [dict(good["key_points"][0], cues=["!!!", "argo"]), *good["key_points"][1:]]
    write(questions / "dead-cue.yaml", edited(good, id="dead-cue", key_points=points))
    (questions / "broken.yaml").write_text("id: [unclosed\n")

    result = runner.invoke(cli, ["questions", "validate", str(bank_dir)])
    assert result.exit_code == 1
    out = result.output
    assert "questions/unknown-competency.yaml: competencies.0.id:" in out
    assert "questions/copy-a.yaml: id: id 'sync-interval' must match the file name" in out
    assert "id 'sync-interval' is used by 2 questions" in out
    assert "questions/no-model-answer.yaml: model_answer: Field required" in out
    assert "questions/dead-cue.yaml: key_points.0.cues:" in out
    assert "can never match" in out
    assert "questions/broken.yaml: (file): not valid YAML" in out


def test_validate_accepts_the_shipped_bank() -> None:
    result = runner.invoke(cli, ["questions", "validate", str(QUESTION_BANK_DIR)])
    assert result.exit_code == 0, result.output
    assert "ok: 48 questions" in result.output or "ok: " in result.output


def test_sync_adds_then_export_and_sync_again_changes_nothing(
    db: Session, bank_dir: Path, tmp_path: Path
) -> None:
    first = sync.sync_bank(db, load_bank(bank_dir))
    assert sorted(first.added) == sorted(SAMPLE)
    assert all(q.status == QuestionStatus.published for q in db.scalars(select(Question)))
    assert sync.export_bank(db, tmp_path / "exported") == 3
    again = sync.sync_bank(db, load_bank(tmp_path / "exported"))
    assert again.changes == 0
    assert again.drift == []
    assert again.unchanged == 3
    sync.export_bank(db, tmp_path / "twice")
    for path in (tmp_path / "exported").rglob("*.yaml"):
        assert path.read_text() == (tmp_path / "twice" / path.relative_to(tmp_path / "exported")).read_text()


def test_a_changed_file_makes_a_new_version_and_keeps_the_old_one(db: Session, bank_dir: Path) -> None:
    sync.sync_bank(db, load_bank(bank_dir))
    path = bank_dir / "questions" / "sync-interval.yaml"
    original = read(path)
    write(path, edited(original, title="How often do Argo CD and Flux look at Git?"))
    report = sync.sync_bank(db, load_bank(bank_dir))
    assert report.changed == ["sync-interval (version 1 -> 2)"]
    question = service.get_question(db, "sync-interval")
    assert question.title == "How often do Argo CD and Flux look at Git?"
    old, new = reversed(service.versions(db, question))
    assert old.content["title"] == original["title"]
    assert (old.number, new.number) == (1, 2)


def test_an_edit_made_in_the_editor_is_reported_as_drift_not_overwritten(db: Session, bank_dir: Path) -> None:
    editor = create_user(db, Role.editor)
    sync.sync_bank(db, load_bank(bank_dir))
    path = bank_dir / "questions" / "drift-manual-edit.yaml"
    content = read(path)
    service.save_question(db, "drift-manual-edit", edited(content, title="Edited in the UI"), editor)
    write(path, edited(content, title="Edited in the files"))

    report = sync.sync_bank(db, load_bank(bank_dir))
    assert report.changed == []
    assert len(report.drift) == 1
    assert report.drift[0].startswith("drift-manual-edit: edited in the editor")
    assert service.get_question(db, "drift-manual-edit").title == "Edited in the UI"

    forced = sync.sync_bank(db, load_bank(bank_dir), force=True)
    assert forced.changed == ["drift-manual-edit (version 2 -> 3)"]
    assert service.get_question(db, "drift-manual-edit").title == "Edited in the files"


def test_a_question_made_in_the_editor_is_drift_until_exported(
    db: Session, bank_dir: Path, tmp_path: Path
) -> None:
    editor = create_user(db, Role.editor)
    sync.sync_bank(db, load_bank(bank_dir))
    new = edited(
        read(bank_dir / "questions" / "sync-interval.yaml"),
        id="webhooks-vs-polling",
        title="Webhooks or polling?",
    )
    created = service.create_question(db, new, editor)
    assert created.status == QuestionStatus.draft
    report = sync.sync_bank(db, load_bank(bank_dir))
    assert report.drift == [
        "webhooks-vs-polling: exists only in the database (made in the editor); export it or retire it."
    ]
    assert service.get_question(db, "webhooks-vs-polling").retired_at is None

    sync.export_bank(db, tmp_path / "exported")
    assert sync.sync_bank(db, load_bank(tmp_path / "exported")).drift == []


def test_a_removed_file_retires_the_question_and_its_return_restores_it(db: Session, bank_dir: Path) -> None:
    sync.sync_bank(db, load_bank(bank_dir))
    path = bank_dir / "questions" / "gitops-vs-cicd.yaml"
    saved = path.read_text()
    path.unlink()
    assert sync.sync_bank(db, load_bank(bank_dir)).retired == ["gitops-vs-cicd"]
    question = service.get_question(db, "gitops-vs-cicd")
    assert question.retired_at is not None
    assert not question.visible_to_candidates
    assert len(service.versions(db, question)) == 1  # history is kept
    path.write_text(saved)
    assert sync.sync_bank(db, load_bank(bank_dir)).restored == ["gitops-vs-cicd"]


def test_sync_dry_run_prints_the_diff_and_changes_nothing(db: Session, bank_dir: Path) -> None:
    result = runner.invoke(cli, ["questions", "sync", str(bank_dir), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "+ added      drift-manual-edit" in result.output
    assert "dry run: nothing was changed" in result.output
    assert db.scalars(select(Question)).all() == []
    applied = runner.invoke(cli, ["questions", "sync", str(bank_dir)])
    assert "3 added" in applied.output
    assert len(db.scalars(select(Question)).all()) == 3


def test_sync_refuses_a_bank_with_problems(bank_dir: Path) -> None:
    (bank_dir / "questions" / "broken.yaml").write_text("id: [")
    result = runner.invoke(cli, ["questions", "sync", str(bank_dir)])
    assert result.exit_code == 1
    assert "broken.yaml" in result.output


def test_saving_unchanged_content_makes_no_version_and_versions_are_immutable(
    db: Session, bank_dir: Path
) -> None:
    editor = create_user(db, Role.editor)
    sync.sync_bank(db, load_bank(bank_dir))
    content = read(bank_dir / "questions" / "sync-interval.yaml")
    assert service.save_question(db, "sync-interval", content, editor) is None
    version = service.save_question(db, "sync-interval", edited(content, prep_seconds=45), editor)
    assert version is not None
    assert version.origin == VersionOrigin.editor
    assert version.author_id == editor.id
    first = db.scalars(
        select(QuestionVersion).where(
            QuestionVersion.number == 1, QuestionVersion.question_id == version.question_id
        )
    ).one()
    assert first.content["prep_seconds"] == content["prep_seconds"]
    diff = service.diff_versions(first, version)
    assert any(line.kind == "remove" and "prep_seconds: " in line.text for line in diff)
    assert any(line.kind == "add" and "prep_seconds: 45" in line.text for line in diff)


def test_retired_questions_cannot_be_published_until_restored(db: Session, bank_dir: Path) -> None:
    sync.sync_bank(db, load_bank(bank_dir))
    service.retire(db, "sync-interval")
    with pytest.raises(Conflict):
        service.set_status(db, "sync-interval", QuestionStatus.published)
    service.restore(db, "sync-interval")
    assert service.get_question(db, "sync-interval").visible_to_candidates
