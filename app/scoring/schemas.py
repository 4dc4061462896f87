"""What every scorer returns: one ScoreReport, whichever scorer produced it."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SkipValidation

from app.media.transcript_text import WordTiming
from app.questions.schemas import QuestionFile

Flag = Literal[
    "possible-prompt-injection", "keyword-list", "off-topic", "too-short", "rambling", "no-key-point"
]
FLAG_TEXT: dict[str, str] = {
    "possible-prompt-injection": "The answer contains text addressed to the grader; that text earns nothing.",
    "keyword-list": "The answer lists terms without explaining how they work or why.",
    "off-topic": "The answer seems to address a different question.",
    "too-short": "The answer is too short to show much.",
    "rambling": "The answer is long but has little concrete content.",
    "no-key-point": "The answer names the right things but explains none of the key points.",
}
Score = Annotated[int, Field(ge=1, le=5)]


class _Report(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CriterionScore(_Report):
    competency: str
    score: Score | None = Field(description="1-5, or null when the answer gives no evidence for it")
    rationale: str
    evidence: list[str] = Field(default_factory=list, description="quotes that appear verbatim in the answer")


class KeyPointResult(_Report):
    id: str
    point: str
    competency: str
    evidence: list[str] = Field(default_factory=list)
    uncertain_words: list[str] = Field(
        default_factory=list, description="low-confidence recognised words this point rests on: check them"
    )


class RedFlagHit(_Report):
    id: str
    misconception: str
    why_wrong: str
    evidence: list[str] = Field(default_factory=list)
    uncertain_words: list[str] = Field(
        default_factory=list,
        description="low-confidence recognised words this flag rests on: the candidate should check them",
    )


class DeliveryMetrics(_Report):
    words: int
    duration_seconds: float | None = None
    words_per_minute: float | None = None
    fillers: int = 0
    fillers_per_minute: float | None = None
    long_pauses: int | None = None


class Usage(_Report):
    """What an LLM call cost and how long it took (absent for the offline scorer)."""

    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: int = 0
    attempts: int = 1
    samples: int = 1


class ScoreReport(_Report):
    overall: float = Field(ge=1.0, le=5.0)
    criteria: list[CriterionScore]
    key_points_covered: list[KeyPointResult]
    key_points_missed: list[KeyPointResult]
    red_flags: list[RedFlagHit]
    flags: list[Flag]
    delivery: DeliveryMetrics
    scorer: Literal["rubric", "llm"]
    scorer_version: str
    rubric_version: int
    question: str
    question_version: int
    fallback: bool = False
    fallback_reason: str | None = None
    dropped_quotes: int = Field(
        default=0, description="quotes a model gave that are not verbatim in the answer"
    )
    usage: Usage | None = None


class ScoringInput(BaseModel):
    """One answer to score, with the exact question version it answered."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    # already a validated QuestionFile: checking its rules again for every answer would cost a tenth
    # of the offline scorer's time (pydantic re-runs a model's own validators on an instance)
    question: SkipValidation[QuestionFile]
    question_version: int = 1
    rubric_version: int = 1
    text: str
    duration_seconds: float | None = None
    words: list[WordTiming] | None = None
