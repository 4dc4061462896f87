"""The question bank's rules: immutable versions, the editor's lifecycle operations, diffs
between versions and what candidates may see. Syncing with the files is in `sync.py`."""

import difflib
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import yaml
from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.orm import Session, selectinload

from app.errors import Conflict, InvalidInput, NotFound
from app.models import (
    Competency,
    Question,
    QuestionStatus,
    QuestionVersion,
    User,
    VersionOrigin,
)
from app.models.base import utcnow
from app.questions.bank_files import Problem, parse_question
from app.questions.schemas import Competency as CompetencySchema
from app.questions.schemas import CompetencyFile, QuestionFile


def question_content(question: QuestionFile) -> dict[str, Any]:
    return question.model_dump(mode="json")


def content_hash(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- reading ----------------------------------------------------------------------------------


def with_current_version() -> Select[Question]:
    return select(Question).options(selectinload(Question.current_version))


def get_question(db: Session, slug: str) -> Question:
    question = db.scalar(with_current_version().where(Question.slug == slug))
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


def list_questions(db: Session, wanted: QuestionFilter) -> list[Question]:
    """The editor's list: every question matching the filter, by category then title."""
    query = with_current_version().order_by(Question.category, Question.title)
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
    questions = list(db.scalars(query))
    if wanted.competency:
        questions = [q for q in questions if wanted.competency in competency_ids(q)]
    return questions


# a query of questions, whatever its columns
AnySelect = TypeVar("AnySelect", bound=Select[*tuple[Any, ...]])


def competency_ids(question: Question) -> list[str]:
    assert question.current_version is not None
    return [c["id"] for c in question.current_version.content["competencies"]]


def _published(query: AnySelect, by_category: bool, by_difficulty: bool) -> AnySelect:
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
    db: Session, category: str = "", difficulty: str = "", *, with_content: bool = False
) -> list[Question]:
    """What candidates may browse: published questions that are not retired. Their content (a JSON
    document each, the costliest part of a listing) is loaded only when asked for."""
    query = select(Question)
    if with_content:
        query = query.options(selectinload(Question.current_version))
    flags, params = _filter_params(category, difficulty)
    return list(db.scalars(_published(query, *flags), params))


# The browser's listing, built once per filter combination: every candidate opens it, and
# building a statement costs more than running it on SQLite.
_TITLES = {
    (c, d): _published(select(Question.slug, Question.title, Question.category, Question.difficulty), c, d)
    for c in (False, True)
    for d in (False, True)
}


def published_titles(db: Session, category: str = "", difficulty: str = "") -> list[Any]:
    """The browser's listing: plain rows (slug, title, category, difficulty), no ORM objects."""
    flags, params = _filter_params(category, difficulty)
    return list(db.connection().execute(_TITLES[flags], params))  # Core rows: half the ORM's cost


def get_published(db: Session, slug: str) -> Question:
    question = get_question(db, slug)
    if not question.visible_to_candidates:
        raise NotFound(f"There is no question {slug!r}.")
    return question


def list_competencies(db: Session) -> list[Competency]:
    return list(db.scalars(select(Competency).order_by(Competency.position)))


def versions(db: Session, question: Question) -> list[QuestionVersion]:
    """Newest first, each with who saved it (none for versions written by `questions sync`)."""
    query = (
        select(QuestionVersion)
        .where(QuestionVersion.question_id == question.id)
        .options(selectinload(QuestionVersion.author))
    )
    return list(db.scalars(query.order_by(QuestionVersion.number.desc())))


def get_version(db: Session, question: Question, number: int) -> QuestionVersion:
    version = db.scalar(
        select(QuestionVersion).where(
            QuestionVersion.question_id == question.id, QuestionVersion.number == number
        )
    )
    if version is None:
        raise NotFound(f"Question {question.slug!r} has no version {number}.")
    return version


# --- writing versions -------------------------------------------------------------------------


def add_version(
    db: Session, question: Question, content: dict[str, Any], origin: VersionOrigin, author: User | None
) -> QuestionVersion:
    number = (
        db.scalar(select(func.max(QuestionVersion.number)).where(QuestionVersion.question_id == question.id))
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
    db.add(version)
    db.flush()
    question.current_version = version
    question.title = content["title"]
    question.category = content["category"]
    question.difficulty = content["difficulty"]
    db.flush()
    return version


def new_question(
    db: Session,
    content: dict[str, Any],
    status: QuestionStatus,
    origin: VersionOrigin,
    author: User | None,
) -> Question:
    question = Question(
        slug=content["id"], status=status, title=content["title"], category=content["category"],
        difficulty=content["difficulty"],
    )  # fmt: skip
    db.add(question)
    db.flush()
    add_version(db, question, content, origin, author)
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


def create_question(db: Session, raw: dict[str, Any], author: User) -> Question:
    """A new question from the editor, as a draft that candidates do not see yet."""
    content = question_content(validate_editor_input(raw))
    if db.scalar(select(Question.id).where(Question.slug == content["id"])) is not None:
        raise QuestionInvalid([Problem("question", "id", f"the id {content['id']!r} is already used")])
    return new_question(db, content, QuestionStatus.draft, VersionOrigin.editor, author)


# Whether a question scores its own texts as its rubric says, judged against the whole bank. The
# scoring domain provides it (app.scoring.consistency); the editor passes it in.
PublishCheck = Callable[[list[QuestionFile], QuestionFile], list[Problem]]


def save_question(
    db: Session, slug: str, raw: dict[str, Any], author: User, *, check: PublishCheck | None = None
) -> QuestionVersion | None:
    """A new immutable version from the editor, or None when nothing changed. A published
    question's new version must pass `check`, as publishing it would."""
    question = get_question(db, slug)
    if raw.get("id") != slug:
        raise QuestionInvalid([Problem("question", "id", "the id of an existing question cannot change")])
    edited = validate_editor_input(raw)
    content = question_content(edited)
    assert question.current_version is not None
    if content_hash(content) == question.current_version.content_hash:
        return None
    if question.status == QuestionStatus.published and check is not None:
        _require_consistent(db, edited, check)
    return add_version(db, question, content, VersionOrigin.editor, author)


def set_status(
    db: Session, slug: str, status: QuestionStatus, *, check: PublishCheck | None = None
) -> Question:
    """Publish or unpublish. Publishing requires the question to pass `check` (the editor always
    passes the scorer's consistency check)."""
    question = get_question(db, slug)
    if question.retired_at is not None:
        raise Conflict("Restore the question before changing whether it is published.")
    if status == QuestionStatus.published and check is not None:
        _require_consistent(db, current_content(question), check)
    question.status = status
    return question


def current_bank(db: Session) -> list[QuestionFile]:
    """The current version of every question, retired ones included (old answers still score)."""
    versions = db.scalars(
        select(QuestionVersion).join(Question, Question.current_version_id == QuestionVersion.id)
    )
    return [QuestionFile.model_validate(v.content) for v in versions]


def current_competencies(db: Session) -> CompetencyFile | None:
    """The rubric as the database holds it (what the LLM scorer describes to the model), or None
    before the first sync."""
    rows = list_competencies(db)
    if not rows:
        return None
    return CompetencyFile(
        version=max(c.rubric_version for c in rows),
        competencies=[
            CompetencySchema(
                id=c.id,
                name=c.name,
                description=c.description,
                anchors={int(level): text for level, text in c.anchors.items()},
            )
            for c in rows
        ],
    )


def _require_consistent(db: Session, question: QuestionFile, check: PublishCheck) -> None:
    bank = [q for q in current_bank(db) if q.id != question.id] + [question]
    if problems := check(bank, question):
        raise QuestionInvalid(problems)


def retire(db: Session, slug: str) -> Question:
    """Hide a question from new sessions; it and every answer to it stay in history."""
    question = get_question(db, slug)
    question.retired_at = question.retired_at or utcnow()
    return question


def restore(db: Session, slug: str) -> Question:
    question = get_question(db, slug)
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
