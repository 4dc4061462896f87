"""What a reviewer gives to create an assessment (the form will post exactly this)."""

import unicodedata
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from app.models import AnswerMode
from app.questions.schemas import Difficulty, Slug

MAX_QUESTIONS = 20
RETENTION_DAYS = (7, 1095)  # a week to three years (Colorado SB 24-205 asks for three-year records)


def _one_line(value: str) -> str:
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise ValueError("must be one line of text without control characters")
    return value


Line = Annotated[str, AfterValidator(_one_line)]


class AssessmentSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    title: Line = Field(min_length=3, max_length=160)
    role: Line = Field(min_length=2, max_length=100)
    level: Difficulty
    instructions: str = Field(default="", max_length=5000)
    question_slugs: list[Slug] = Field(min_length=1, max_length=MAX_QUESTIONS)
    # None: each question's own time from the bank; a number: that time for every question
    prep_seconds: int | None = Field(default=None, ge=0, le=300)
    answer_seconds: int | None = Field(default=None, ge=30, le=600)
    retakes_allowed: int = Field(default=0, ge=0, le=5)
    answer_modes: frozenset[AnswerMode] = Field(min_length=1)
    deadline_local: datetime  # the wall-clock time in `time_zone`, as the owner typed it
    time_zone: str = Field(min_length=1, max_length=64)
    ai_scoring: bool = True
    feedback_after_close: bool = False
    retention_days: int = Field(default=365, ge=RETENTION_DAYS[0], le=RETENTION_DAYS[1])

    @field_validator("question_slugs")
    @classmethod
    def _distinct(cls, slugs: list[str]) -> list[str]:
        if len(set(slugs)) != len(slugs):
            raise ValueError("a question is listed twice")
        return slugs

    @field_validator("deadline_local")
    @classmethod
    def _wall_time(cls, value: datetime) -> datetime:
        if value.tzinfo is not None:
            raise ValueError("give the deadline as a local time; the time zone is its own field")
        return value
