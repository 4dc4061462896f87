"""Questions as code: the files are synced into the database (new versions, retirements, drift
reported instead of overwritten) and the database's bank is exported back to files."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import InvalidInput
from app.models import Competency, Question, QuestionStatus, VersionOrigin
from app.models.base import utcnow
from app.questions.bank_files import COMPETENCY_FILE, QUESTION_DIR, BankFiles
from app.questions.schemas import CompetencyFile, QuestionFile
from app.questions.service import (
    add_version,
    content_hash,
    list_competencies,
    new_question,
    question_content,
    to_yaml,
    with_current_version,
)


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    drift: list[str] = field(default_factory=list)
    unchanged: int = 0
    competencies_changed: bool = False

    @property
    def changes(self) -> int:
        return (
            len(self.added)
            + len(self.changed)
            + len(self.retired)
            + len(self.restored)
            + self.competencies_changed
        )

    def lines(self) -> list[str]:
        out = [f"+ added      {slug}" for slug in self.added]
        out += [f"~ changed    {line}" for line in self.changed]
        out += [f"- retired    {slug}" for slug in self.retired]
        out += [f"^ restored   {slug}" for slug in self.restored]
        out += [f"! drift      {line}" for line in self.drift]
        if self.competencies_changed:
            out.append("~ changed    competencies.yaml")
        out.append(
            f"{len(self.added)} added, {len(self.changed)} changed, {len(self.retired)} retired, "
            f"{len(self.restored)} restored, {len(self.drift)} drift, {self.unchanged} unchanged"
        )
        return out


def sync_competencies(db: Session, competencies: CompetencyFile) -> bool:
    existing = {c.id: c for c in db.scalars(select(Competency))}
    changed = False
    for position, item in enumerate(competencies.competencies):
        values = {
            "position": position, "name": item.name, "description": item.description,
            "anchors": {str(level): text for level, text in item.anchors.items()},
            "rubric_version": competencies.version,
        }  # fmt: skip
        row = existing.get(item.id)
        if row is None:
            db.add(Competency(id=item.id, **values))
            changed = True
        elif any(getattr(row, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            changed = True
    db.flush()
    return changed


def sync_bank(db: Session, bank: BankFiles, *, force: bool = False) -> SyncReport:
    """Make the database match the files. Questions edited in the editor since the last sync
    are reported as drift and left alone (unless `force`), never silently overwritten."""
    if bank.problems or bank.competencies is None:
        raise InvalidInput("The question files have problems; run `gitops-coach questions validate` first.")
    report = SyncReport(competencies_changed=sync_competencies(db, bank.competencies))
    stored = {q.slug: q for q in db.scalars(with_current_version())}
    for question_file in bank.questions:
        content = question_content(question_file)
        question = stored.pop(question_file.id, None)
        if question is None:
            new_question(db, content, QuestionStatus.published, VersionOrigin.files, None)
            report.added.append(question_file.id)
        else:
            _sync_one(db, question, content, force, report)
        db.flush()
    for question in stored.values():
        _retire_missing(question, force, report)
    for question in db.scalars(select(Question).where(Question.slug.in_([q.id for q in bank.questions]))):
        question.synced_hash = content_hash(question_content(_file_of(bank, question.slug)))
    db.flush()
    return report


def _file_of(bank: BankFiles, slug: str) -> QuestionFile:
    return next(q for q in bank.questions if q.id == slug)


def _sync_one(
    db: Session, question: Question, content: dict[str, Any], force: bool, report: SyncReport
) -> None:
    assert question.current_version is not None
    current = question.current_version
    file_hash = content_hash(content)
    if question.retired_at is not None:
        question.retired_at = None
        report.restored.append(question.slug)
    if file_hash == current.content_hash:
        report.unchanged += 1
        return
    if current.content_hash != question.synced_hash and not force:
        report.drift.append(
            f"{question.slug}: edited in the editor since the last sync (version {current.number}); "
            "not overwritten. Export the bank to keep the edit, or sync with --force to discard it."
        )
        return
    version = add_version(db, question, content, VersionOrigin.files, None)
    report.changed.append(f"{question.slug} (version {current.number} -> {version.number})")


def _retire_missing(question: Question, force: bool, report: SyncReport) -> None:
    assert question.current_version is not None
    if question.retired_at is not None:
        return
    if question.synced_hash is None and not force:
        report.drift.append(
            f"{question.slug}: exists only in the database (made in the editor); export it or retire it."
        )
    elif question.current_version.content_hash != question.synced_hash and not force:
        report.drift.append(
            f"{question.slug}: removed from the files but edited in the editor since; not retired."
        )
    else:
        question.retired_at = utcnow()
        report.retired.append(question.slug)


def export_bank(db: Session, directory: Path) -> int:
    """Write the database's bank as files (every question that is not retired), so that syncing
    those files changes nothing. Files of questions no longer in the bank are removed."""
    questions_dir = directory / QUESTION_DIR
    questions_dir.mkdir(parents=True, exist_ok=True)
    competencies = list_competencies(db)
    if competencies:
        (directory / COMPETENCY_FILE).write_text(to_yaml(_competency_file(competencies)), encoding="utf-8")
    live = list(
        db.scalars(with_current_version().where(Question.retired_at.is_(None)).order_by(Question.slug))
    )
    for question in live:
        assert question.current_version is not None
        (questions_dir / f"{question.slug}.yaml").write_text(
            to_yaml(question.current_version.content), encoding="utf-8"
        )
        question.synced_hash = question.current_version.content_hash
    for stale in set(questions_dir.glob("*.yaml")) - {questions_dir / f"{q.slug}.yaml" for q in live}:
        stale.unlink()
    db.flush()
    return len(live)


def _competency_file(competencies: Iterable[Competency]) -> dict[str, Any]:
    rows = list(competencies)
    return {
        "version": max(c.rubric_version for c in rows),
        "competencies": [
            {
                "id": c.id,
                "name": c.name,
                "description": c.description,
                "anchors": {int(k): v for k, v in c.anchors.items()},
            }
            for c in rows
        ],
    }


def bank_is_empty(db: Session) -> bool:
    return db.scalar(select(func.count()).select_from(Question)) == 0
