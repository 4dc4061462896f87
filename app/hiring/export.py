"""An assessment as CSV: one row per candidate and competency, with people's level, the AI's, and
how far they agree: the numbers the compare page shows, so the two never disagree."""

import csv
import io

from app.hiring.results import AssessmentResults, competency_lines

COLUMNS = [
    "candidate",
    "email",
    "stage",
    "competency_id",
    "competency",
    "human_level",
    "human_ratings",
    "ai_level",
    "ai_levels",
    "ai_minus_human",
    "exact_agreement",
    "adjacent_agreement",
]


def _cell(value: float | int | str | None) -> str:
    return "" if value is None else str(value)


def spreadsheet_safe(text: str) -> str:
    """A name a spreadsheet would run as a formula (=, +, -, @ first) is quoted with an apostrophe."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def assessment_csv(results: AssessmentResults) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for candidate in results.candidates:
        for line in competency_lines(results, candidate):
            writer.writerow(
                [
                    spreadsheet_safe(candidate.name),
                    spreadsheet_safe(candidate.email),
                    results.stages[candidate.id].value,
                    line.competency,
                    line.name,
                    *map(_cell, (line.human, line.human_ratings, line.ai, line.ai_levels)),
                    *map(_cell, (line.difference, line.exact, line.adjacent)),
                ]
            )
    return out.getvalue()
