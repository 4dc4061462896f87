"""Scoring answers given as text or JSON lines, against the question files (the CLI's path).
Answers scored this way report question_version 0: they were scored against the files,
not against a version stored in the database."""

import json
from collections.abc import Iterable
from typing import TextIO

from app.errors import InvalidInput
from app.questions.bank_files import BankFiles
from app.scoring.schemas import ScoreReport, ScoringInput
from app.scoring.service import Scorer

FILE_VERSION = 0


def score_one(
    scorer: Scorer, bank: BankFiles, question_id: str, text: str, duration: float | None = None
) -> ScoreReport:
    question = next((q for q in bank.questions if q.id == question_id), None)
    if question is None:
        raise InvalidInput(f"There is no question {question_id!r} in the question bank.")
    if not text.strip():
        raise InvalidInput("The answer is empty.")
    rubric_version = bank.competencies.version if bank.competencies else 1
    return scorer.score(
        ScoringInput(
            question=question,
            question_version=FILE_VERSION,
            rubric_version=rubric_version,
            text=text,
            duration_seconds=duration,
        )
    )


def score_batch(scorer: Scorer, bank: BankFiles, lines: Iterable[str], out: TextIO) -> int:
    """One output line per input line, in order: a ScoreReport, or {"line", "error"} for a line
    that cannot be scored, so nothing is silently dropped. Returns how many lines failed."""
    failures = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if (
                not isinstance(item, dict)
                or not isinstance(item.get("question"), str)
                or not isinstance(item.get("text"), str)
            ):
                raise InvalidInput('each line must be an object with string fields "question" and "text"')
            duration = item.get("duration_seconds")
            report = score_one(
                scorer, bank, item["question"], item["text"], float(duration) if duration else None
            )
            out.write(report.model_dump_json() + "\n")
        except (json.JSONDecodeError, InvalidInput, ValueError, TypeError) as error:
            failures += 1
            message = error.message if isinstance(error, InvalidInput) else f"not valid JSON: {error}"
            out.write(json.dumps({"line": number, "error": message}) + "\n")
    return failures
