"""What the model returns, and reading one reply: a valid judgement, a reply to ask again about,
or a reason the model cannot score this answer."""

import re
from typing import Literal

from openai.types.chat.chat_completion import Choice
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.questions.schemas import QuestionFile
from app.scoring.schemas import Flag, Score

INJECTION_FLAG: Flag = "possible-prompt-injection"
MAX_QUOTES = 3


class _Reply(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CriterionJudgement(_Reply):
    competency: str = Field(description="one of the assessed competency ids")
    score: Score | None = Field(description="1-5 against the anchors, or null when the answer shows nothing")
    rationale: str = Field(description="one sentence")
    evidence: list[str] = Field(description="short quotes copied verbatim from the answer")


class PointJudgement(_Reply):
    id: str = Field(description="a key point or red flag id from the question")
    evidence: list[str] = Field(description="short quotes copied verbatim from the answer")


class Judgement(_Reply):
    """One grading of one answer against the question's competencies, key points and red flags."""

    criteria: list[CriterionJudgement]
    key_points_covered: list[PointJudgement]
    red_flags: list[PointJudgement] = Field(description="misconceptions the answer states as true")
    flags: list[Flag]


JUDGEMENT_SCHEMA = Judgement.model_json_schema()


class ScorerUnavailable(Exception):
    """The model cannot give a usable judgement; `reason` is shown to the user with the fallback."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidReply(Exception):
    """One reply that cannot be used; the model is asked again, a bounded number of times."""

    def __init__(self, kind: Literal["json", "format"], detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


def parse_choice(choice: Choice, question: QuestionFile) -> Judgement:
    """A valid judgement from one choice; a refusal ends the attempt, anything else malformed is re-asked."""
    message = choice.message
    if message.refusal or choice.finish_reason == "content_filter":
        raise ScorerUnavailable("The LLM declined to score this answer")
    if choice.finish_reason == "length":
        raise InvalidReply("json", "the reply was cut off at the length limit")
    content = _unwrap_code_fence(message.content or "")
    try:
        judgement = Judgement.model_validate_json(content)
    except ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            raise InvalidReply("json", "the reply is not valid JSON") from exc
        raise InvalidReply("format", _validation_summary(exc)) from exc
    missing = [c.id for c in question.competencies if c.id not in {j.competency for j in judgement.criteria}]
    if missing:
        raise InvalidReply("format", f"no score for the competencies {', '.join(missing)}")
    return judgement


def _unwrap_code_fence(content: str) -> str:
    """Some local models wrap JSON in a Markdown code fence even in JSON mode."""
    match = re.fullmatch(r"\s*```(?:json)?\s*(.*?)\s*```\s*", content, re.DOTALL)
    return match.group(1) if match else content


def _validation_summary(exc: ValidationError) -> str:
    parts = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:3]]
    return "; ".join(parts)


def invalid_reason(problem: InvalidReply, attempts: int) -> str:
    if problem.kind == "json":
        return f"The LLM did not return valid JSON after {attempts_text(attempts)}"
    return f"The LLM returned an invalid report after {attempts_text(attempts)} ({problem.detail})"


def attempts_text(count: int) -> str:
    return f"{count} attempt" if count == 1 else f"{count} attempts"
