"""The editor's form and the file format, both ways. Simple fields are inputs; the structured
lists are YAML (as in the files), and problems are reported against the input they came from."""

from typing import Any

import yaml

from app.questions.bank_files import Problem, parse_question
from app.questions.service import QuestionInvalid, to_yaml

TEXT_FIELDS = ("id", "title", "category", "difficulty", "prompt", "model_answer")
NUMBER_FIELDS = ("prep_seconds", "answer_seconds")
LINE_FIELDS = ("follow_ups", "glossary")  # one entry per line
YAML_FIELDS = ("competencies", "key_points", "red_flags", "references")
MAX_YAML_DEPTH = 20  # the file format needs 3

NEW_QUESTION: dict[str, str] = {
    "category": "principles",
    "difficulty": "mid",
    "prep_seconds": "30",
    "answer_seconds": "120",
    "competencies": "- id: drift-reconciliation\n  weight: 1.0\n",
    "key_points": "- id: first-point\n  point: What a strong answer says, in one sentence.\n"
    "  competency: drift-reconciliation\n  cues:\n  - a phrase people say\n  - another phrase\n",
    "red_flags": "- id: first-misconception\n  misconception: The mistake a weak answer makes.\n"
    "  why_wrong: Why it is wrong, as the candidate will read it.\n  cues:\n  - the mistake as spoken\n",
    "references": "- title: Argo CD documentation\n  url: https://argo-cd.readthedocs.io/en/stable/\n",
}


def form_from_content(content: dict[str, Any]) -> dict[str, str]:
    form = {name: str(content[name]) for name in TEXT_FIELDS + NUMBER_FIELDS}
    form |= {name: "\n".join(content[name]) for name in LINE_FIELDS}
    form |= {name: to_yaml(content[name]) for name in YAML_FIELDS}
    return form


def content_from_form(form: dict[str, str]) -> tuple[dict[str, Any], list[Problem]]:
    """The raw question the form describes, and the inputs that could not even be parsed."""
    problems: list[Problem] = []
    raw: dict[str, Any] = {name: form.get(name, "").strip() for name in TEXT_FIELDS}
    raw["prompt"] = form.get("prompt", "")
    raw["model_answer"] = form.get("model_answer", "")
    for name in NUMBER_FIELDS:
        value = form.get(name, "").strip()
        raw[name] = int(value) if value.isdigit() else value
    for name in LINE_FIELDS:
        raw[name] = [line.strip() for line in form.get(name, "").splitlines() if line.strip()]
    for name in YAML_FIELDS:
        try:
            raw[name] = _load_yaml(form.get(name, ""))
        except yaml.YAMLError as exc:
            problems.append(Problem("question", name, f"not valid YAML: {exc}".replace("\n", " ")))
        except RecursionError:
            problems.append(Problem("question", name, f"nested more than {MAX_YAML_DEPTH} levels deep"))
    return raw, problems


def _load_yaml(text: str) -> Any:
    """The parsed list; brackets nested past MAX_YAML_DEPTH are refused before parsing, and any
    other deep nesting stops at Python's recursion limit (reported, never a 500)."""
    depth = deepest = 0
    for char in text:
        depth += (char in "[{") - (char in "]}")
        deepest = max(deepest, depth)
    if deepest > MAX_YAML_DEPTH:
        raise RecursionError
    return yaml.safe_load(text) or []


def question_from_form(form: dict[str, str]) -> dict[str, Any]:
    """The question the form describes, or QuestionInvalid with every problem at once
    (an input that is not even YAML is reported once, not again as a schema problem)."""
    raw, problems = content_from_form(form)
    unparsable = {problem.field for problem in problems}
    _, found = parse_question("question", raw)
    problems += [p for p in found if p.field.split(".")[0] not in unparsable]
    if problems:
        raise QuestionInvalid(problems)
    return raw


def errors_by_field(problems: list[Problem]) -> dict[str, list[str]]:
    """Problems keyed by the form input they belong to, located inside it ("item 2 > cues")."""
    errors: dict[str, list[str]] = {}
    for problem in problems:
        name, *rest = problem.field.split(".")
        where = " > ".join(f"item {int(part) + 1}" if part.isdigit() else part for part in rest)
        errors.setdefault(name, []).append(f"{where}: {problem.message}" if where else problem.message)
    return errors
