"""Reading and checking the question bank directory: `competencies.yaml` and `questions/*.yaml`."""

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from app.questions.schemas import (
    CATEGORIES,
    COMPETENCY_IDS,
    CompetencyFile,
    QuestionFile,
    consistency_problems,
)

COMPETENCY_FILE = "competencies.yaml"
QUESTION_DIR = "questions"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file, named precisely enough to fix it."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


@dataclass
class BankFiles:
    competencies: CompetencyFile | None
    questions: list[QuestionFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


_UNREADABLE = object()
# libyaml's safe loader where PyYAML was built with it: the same documents, ten times faster, and
# the bank is read at every start of the app and of `gitops-coach score`
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path, name: str, problems: list[Problem]) -> Any:
    """The file's data, or _UNREADABLE with the reason added to `problems`."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)  # noqa: S506 (a safe loader)
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(name, "(file)", f"cannot read: {exc}"))
        return _UNREADABLE
    except yaml.YAMLError as exc:
        problems.append(Problem(name, "(file)", f"not valid YAML: {exc}".replace("\n", " ")))
        return _UNREADABLE
    if not isinstance(raw, dict):
        problems.append(Problem(name, "(file)", "must be a YAML mapping of field names to values"))
        return _UNREADABLE
    return raw


def _validation_problems(name: str, exc: ValidationError) -> list[Problem]:
    return [
        Problem(
            name,
            ".".join(str(part) for part in error["loc"]) or "(file)",
            error["msg"].removeprefix("Value error, "),
        )
        for error in exc.errors()
    ]


def parse_question(name: str, raw: Any) -> tuple[QuestionFile | None, list[Problem]]:
    """Validate one question's data, reporting every problem at once: each field's own, and the
    rules that span fields, each at the field it names. The editor UI calls this too."""
    try:
        return QuestionFile.model_validate(raw), []
    except ValidationError as exc:
        problems = _validation_problems(name, exc)
    if isinstance(raw, dict):  # the cross-field rules, located, instead of their one combined error
        problems = [p for p in problems if p.field != "(file)"]
        problems += [Problem(name, where, message) for where, message in consistency_problems(raw)]
    return None, problems


def load_bank(directory: Path) -> BankFiles:
    """Read every file of the bank, collecting all problems rather than stopping at the first."""
    problems: list[Problem] = []
    competencies = None
    if not (directory / COMPETENCY_FILE).exists():
        problems.append(Problem(COMPETENCY_FILE, "(file)", "missing"))
    elif (raw := _read_yaml(directory / COMPETENCY_FILE, COMPETENCY_FILE, problems)) is not _UNREADABLE:
        try:
            competencies = CompetencyFile.model_validate(raw)
        except ValidationError as exc:
            problems.extend(_validation_problems(COMPETENCY_FILE, exc))
    questions: list[QuestionFile] = []
    for path in sorted((directory / QUESTION_DIR).glob("*.yaml")):
        name = f"{QUESTION_DIR}/{path.name}"
        raw = _read_yaml(path, name, problems)
        if raw is _UNREADABLE:
            continue
        question, found = parse_question(name, raw)
        problems.extend(found)
        if question is None:
            continue
        if question.id != path.stem:
            problems.append(Problem(name, "id", f"id {question.id!r} must match the file name"))
        questions.append(question)
    problems.extend(_duplicate_ids(questions))
    return BankFiles(competencies, questions, problems)


def _duplicate_ids(questions: list[QuestionFile]) -> list[Problem]:
    counts = Counter(q.id for q in questions)
    return [
        Problem(f"{QUESTION_DIR}/{qid}.yaml", "id", f"id {qid!r} is used by {n} questions")
        for qid, n in counts.items()
        if n > 1
    ]


def coverage_summary(questions: list[QuestionFile]) -> str:
    by_category = Counter(q.category for q in questions)
    covered = {c.id for q in questions for c in q.competencies}
    missing = [c for c in COMPETENCY_IDS if c not in covered]
    parts = [f"{len(questions)} questions"] + [f"{c}: {by_category[c]}" for c in CATEGORIES]
    if missing:
        parts.append("competencies not covered: " + ", ".join(missing))
    return "; ".join(parts)
