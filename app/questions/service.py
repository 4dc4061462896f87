"""The question bank's rules: questions as code (sync, export, drift), immutable versions,
the editor's lifecycle operations and what candidates may see."""

import difflib
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session, selectinload

from app.errors import Conflict, InvalidInput, NotFound
from app.models import (
    Competency,
    InterviewSession,
    Question,
    QuestionStatus,
    QuestionVersion,
    Role,
    SessionQuestion,
    Take,
    TakeState,
    User,
    VersionOrigin,
)
from app.models.base import utcnow
from app.questions.bank_files import COMPETENCY_FILE, QUESTION_DIR, BankFiles, Problem, parse_question
from app.questions.schemas import CompetencyFile, QuestionFile


def question_content(question: QuestionFile) -> dict[str, Any]:
    return question.model_dump(mode="json")


def content_hash(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- reading ----------------------------------------------------------------------------------


def _with_current() -> Any:
    return select(Question).options(selectinload(Question.current_version))


def get_question(session: Session, slug: str) -> Question:
    question = session.scalar(_with_current().where(Question.slug == slug))
    if question is None or question.current_version is None:
        raise NotFound(f"There is no question {slug!r}.")
    return question


def current_content(question: Question) -> QuestionFile:
    assert question.current_version is not None
    return QuestionFile.model_validate(question.current_version.content)


@dataclass(frozen=True)
class QuestionFilter:
    text: str = ""
    category: str = ""
    difficulty: str = ""
    competency: str = ""
    status: str = ""  # draft | published | retired | "" (all but retired)


def list_questions(session: Session, wanted: QuestionFilter) -> list[Question]:
    """The editor's list: every question matching the filter, by category then title."""
    query = _with_current().order_by(Question.category, Question.title)
    if wanted.text:
        pattern = f"%{wanted.text.strip().lower()}%"
        query = query.where(or_(func.lower(Question.title).like(pattern), Question.slug.like(pattern)))
    if wanted.category:
        query = query.where(Question.category == wanted.category)
    if wanted.difficulty:
        query = query.where(Question.difficulty == wanted.difficulty)
    if wanted.status == "retired":
        query = query.where(Question.retired_at.is_not(None))
    else:
        query = query.where(Question.retired_at.is_(None))
        if wanted.status:
            query = query.where(Question.status == QuestionStatus(wanted.status))
    questions = list(session.scalars(query))
    if wanted.competency:
        questions = [q for q in questions if wanted.competency in competency_ids(q)]
    return questions


def competency_ids(question: Question) -> list[str]:
    assert question.current_version is not None
    return [c["id"] for c in question.current_version.content["competencies"]]


def _published(query: Any, by_category: bool, by_difficulty: bool) -> Any:
    """Published, not retired, optionally of one category and difficulty (bound at execution:
    `_filter_params`), so each statement is built once."""
    query = query.where(Question.status == QuestionStatus.published, Question.retired_at.is_(None))
    if by_category:
        query = query.where(Question.category == bindparam("category"))
    if by_difficulty:
        query = query.where(Question.difficulty == bindparam("difficulty"))
    return query.order_by(Question.category, Question.difficulty, Question.title)


def _filter_params(category: str, difficulty: str) -> tuple[tuple[bool, bool], dict[str, str]]:
    return (bool(category), bool(difficulty)), {"category": category, "difficulty": difficulty}


def list_published(
    session: Session, category: str = "", difficulty: str = "", *, with_content: bool = False
) -> list[Question]:
    """What candidates may browse: published questions that are not retired. Their content (a JSON
    document each, the costliest part of a listing) is loaded only when asked for."""
    query = select(Question)
    if with_content:
        query = query.options(selectinload(Question.current_version))
    flags, params = _filter_params(category, difficulty)
    return list(session.scalars(_published(query, *flags), params))


# The browser's listing, built once per filter combination: every candidate opens it, and
# building a statement costs more than running it on SQLite.
_TITLES = {
    (c, d): _published(select(Question.slug, Question.title, Question.category, Question.difficulty), c, d)
    for c in (False, True)
    for d in (False, True)
}


def published_titles(session: Session, category: str = "", difficulty: str = "") -> list[Any]:
    """The browser's listing: plain rows (slug, title, category, difficulty), no ORM objects."""
    flags, params = _filter_params(category, difficulty)
    return list(session.connection().execute(_TITLES[flags], params))  # Core rows: half the ORM's cost


def get_published(session: Session, slug: str) -> Question:
    question = get_question(session, slug)
    if not question.visible_to_candidates:
        raise NotFound(f"There is no question {slug!r}.")
    return question


def list_competencies(session: Session) -> list[Competency]:
    return list(session.scalars(select(Competency).order_by(Competency.position)))


def versions(session: Session, question: Question) -> list[QuestionVersion]:
    """Newest first, each with who saved it (none for versions written by `questions sync`)."""
    query = (
        select(QuestionVersion)
        .where(QuestionVersion.question_id == question.id)
        .options(selectinload(QuestionVersion.author))
    )
    return list(session.scalars(query.order_by(QuestionVersion.number.desc())))


def get_version(session: Session, question: Question, number: int) -> QuestionVersion:
    version = session.scalar(
        select(QuestionVersion).where(
            QuestionVersion.question_id == question.id, QuestionVersion.number == number
        )
    )
    if version is None:
        raise NotFound(f"Question {question.slug!r} has no version {number}.")
    return version


# --- writing versions -------------------------------------------------------------------------


def _add_version(
    session: Session, question: Question, content: dict[str, Any], origin: VersionOrigin, author: User | None
) -> QuestionVersion:
    number = (
        session.scalar(
            select(func.max(QuestionVersion.number)).where(QuestionVersion.question_id == question.id)
        )
        or 0
    ) + 1
    version = QuestionVersion(
        question_id=question.id,
        number=number,
        content=content,
        content_hash=content_hash(content),
        origin=origin,
        author_id=author.id if author else None,
    )
    session.add(version)
    session.flush()
    question.current_version = version
    question.title = content["title"]
    question.category = content["category"]
    question.difficulty = content["difficulty"]
    session.flush()
    return version


def _new_question(
    session: Session,
    content: dict[str, Any],
    status: QuestionStatus,
    origin: VersionOrigin,
    author: User | None,
) -> Question:
    question = Question(
        slug=content["id"], status=status, title=content["title"], category=content["category"],
        difficulty=content["difficulty"],
    )  # fmt: skip
    session.add(question)
    session.flush()
    _add_version(session, question, content, origin, author)
    return question


def validate_editor_input(raw: dict[str, Any]) -> QuestionFile:
    question, problems = parse_question("question", raw)
    if question is None:
        raise QuestionInvalid(problems)
    return question


class QuestionInvalid(InvalidInput):
    """Validation problems, kept by field so the editor can show each next to its input."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(
            "The question has problems: " + "; ".join(f"{p.field}: {p.message}" for p in problems)
        )
        self.problems = problems


def create_question(session: Session, raw: dict[str, Any], author: User) -> Question:
    """A new question from the editor, as a draft that candidates do not see yet."""
    content = question_content(validate_editor_input(raw))
    if session.scalar(select(Question.id).where(Question.slug == content["id"])) is not None:
        raise QuestionInvalid([Problem("question", "id", f"the id {content['id']!r} is already used")])
    return _new_question(session, content, QuestionStatus.draft, VersionOrigin.editor, author)


# Whether a question scores its own texts as its rubric says, judged against the whole bank. The
# scoring domain provides it (app.scoring.consistency); the editor passes it in.
PublishCheck = Callable[[list[QuestionFile], QuestionFile], list[Problem]]


def save_question(
    session: Session, slug: str, raw: dict[str, Any], author: User, *, check: PublishCheck | None = None
) -> QuestionVersion | None:
    """A new immutable version from the editor, or None when nothing changed. A published
    question's new version must pass `check`, as publishing it would."""
    question = get_question(session, slug)
    if raw.get("id") != slug:
        raise QuestionInvalid([Problem("question", "id", "the id of an existing question cannot change")])
    edited = validate_editor_input(raw)
    content = question_content(edited)
    assert question.current_version is not None
    if content_hash(content) == question.current_version.content_hash:
        return None
    if question.status == QuestionStatus.published and check is not None:
        _require_consistent(session, edited, check)
    return _add_version(session, question, content, VersionOrigin.editor, author)


def set_status(
    session: Session, slug: str, status: QuestionStatus, *, check: PublishCheck | None = None
) -> Question:
    """Publish or unpublish. Publishing requires the question to pass `check` (the editor always
    passes the scorer's consistency check)."""
    question = get_question(session, slug)
    if question.retired_at is not None:
        raise Conflict("Restore the question before changing whether it is published.")
    if status == QuestionStatus.published and check is not None:
        _require_consistent(session, current_content(question), check)
    question.status = status
    return question


def current_bank(session: Session) -> list[QuestionFile]:
    """The current version of every question, retired ones included (old answers still score)."""
    versions = session.scalars(
        select(QuestionVersion).join(Question, Question.current_version_id == QuestionVersion.id)
    )
    return [QuestionFile.model_validate(v.content) for v in versions]


def _require_consistent(session: Session, question: QuestionFile, check: PublishCheck) -> None:
    bank = [q for q in current_bank(session) if q.id != question.id] + [question]
    if problems := check(bank, question):
        raise QuestionInvalid(problems)


def retire(session: Session, slug: str) -> Question:
    """Hide a question from new sessions; it and every answer to it stay in history."""
    question = get_question(session, slug)
    question.retired_at = question.retired_at or utcnow()
    return question


def restore(session: Session, slug: str) -> Question:
    question = get_question(session, slug)
    question.retired_at = None
    return question


# --- diffs between versions ---------------------------------------------------------------------


def to_yaml(content: dict[str, Any]) -> str:
    """The file form of a question or competency set: block scalars for multi-line text."""
    return yaml.dump(content, Dumper=_BankDumper, sort_keys=False, allow_unicode=True, width=100)


class _BankDumper(yaml.SafeDumper):
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BankDumper.add_representer(str, _represent_str)


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "add" | "remove" | "context" | "hunk"
    text: str


def diff_versions(older: QuestionVersion, newer: QuestionVersion) -> list[DiffLine]:
    """A unified diff of two versions in their file form, line by line for the template."""
    lines = difflib.unified_diff(
        to_yaml(older.content).splitlines(), to_yaml(newer.content).splitlines(),
        f"version {older.number}", f"version {newer.number}", lineterm="", n=2,
    )  # fmt: skip
    kinds = {"+": "add", "-": "remove", "@": "hunk", " ": "context"}
    return [DiffLine(kinds.get(line[:1], "context"), line) for line in list(lines)[2:]]


# --- questions as code ------------------------------------------------------------------------


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


def sync_competencies(session: Session, competencies: CompetencyFile) -> bool:
    existing = {c.id: c for c in session.scalars(select(Competency))}
    changed = False
    for position, item in enumerate(competencies.competencies):
        values = {
            "position": position, "name": item.name, "description": item.description,
            "anchors": {str(level): text for level, text in item.anchors.items()},
            "rubric_version": competencies.version,
        }  # fmt: skip
        row = existing.get(item.id)
        if row is None:
            session.add(Competency(id=item.id, **values))
            changed = True
        elif any(getattr(row, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            changed = True
    session.flush()
    return changed


def sync_bank(session: Session, bank: BankFiles, *, force: bool = False) -> SyncReport:
    """Make the database match the files. Questions edited in the editor since the last sync
    are reported as drift and left alone (unless `force`), never silently overwritten."""
    if bank.problems or bank.competencies is None:
        raise InvalidInput("The question files have problems; run `gitops-coach questions validate` first.")
    report = SyncReport(competencies_changed=sync_competencies(session, bank.competencies))
    stored = {q.slug: q for q in session.scalars(_with_current())}
    for question_file in bank.questions:
        content = question_content(question_file)
        question = stored.pop(question_file.id, None)
        if question is None:
            _new_question(session, content, QuestionStatus.published, VersionOrigin.files, None)
            report.added.append(question_file.id)
        else:
            _sync_one(session, question, content, force, report)
        session.flush()
    for question in stored.values():
        _retire_missing(question, force, report)
    for question in session.scalars(
        select(Question).where(Question.slug.in_([q.id for q in bank.questions]))
    ):
        question.synced_hash = content_hash(question_content(_file_of(bank, question.slug)))
    session.flush()
    return report


def _file_of(bank: BankFiles, slug: str) -> QuestionFile:
    return next(q for q in bank.questions if q.id == slug)


def _sync_one(
    session: Session, question: Question, content: dict[str, Any], force: bool, report: SyncReport
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
    version = _add_version(session, question, content, VersionOrigin.files, None)
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


def export_bank(session: Session, directory: Path) -> int:
    """Write the database's bank as files (every question that is not retired), so that syncing
    those files changes nothing. Files of questions no longer in the bank are removed."""
    questions_dir = directory / QUESTION_DIR
    questions_dir.mkdir(parents=True, exist_ok=True)
    competencies = list_competencies(session)
    if competencies:
        (directory / COMPETENCY_FILE).write_text(to_yaml(_competency_file(competencies)), encoding="utf-8")
    live = list(session.scalars(_with_current().where(Question.retired_at.is_(None)).order_by(Question.slug)))
    for question in live:
        assert question.current_version is not None
        (questions_dir / f"{question.slug}.yaml").write_text(
            to_yaml(question.current_version.content), encoding="utf-8"
        )
        question.synced_hash = question.current_version.content_hash
    for stale in set(questions_dir.glob("*.yaml")) - {questions_dir / f"{q.slug}.yaml" for q in live}:
        stale.unlink()
    session.flush()
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


def bank_is_empty(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(Question)) == 0


ANSWERED = (TakeState.uploaded, TakeState.transcribed, TakeState.analysed, TakeState.scored)


def answered_question_ids(session: Session, user: User) -> set[int]:
    """The questions (any version) this user has submitted an answer to."""
    answered = (
        select(QuestionVersion.question_id)
        .join(SessionQuestion, SessionQuestion.question_version_id == QuestionVersion.id)
        .join(InterviewSession, SessionQuestion.session_id == InterviewSession.id)
        .join(Take, Take.session_question_id == SessionQuestion.id)
        .where(InterviewSession.user_id == user.id, Take.state.in_(ANSWERED))
        .distinct()
    )
    return set(session.scalars(answered))


def model_answer_unlocked(session: Session, user: User, question: Question) -> bool:
    """Editors, reviewers and admins always see the model answer. A candidate sees it only after
    answering the question once (any version of it), so it cannot shape a first attempt."""
    return user.role != Role.candidate or question.id in answered_question_ids(session, user)
