"""What the recorder in the browser sends and receives."""

from datetime import datetime

from pydantic import BaseModel, Field

from app.interviews.takes import Phase
from app.models import AnswerMode, TakeState


class TakeStatus(BaseModel):
    take_id: int
    number: int
    mode: AnswerMode
    state: TakeState
    prep_seconds: int
    answer_seconds: int
    prep_started_at: datetime
    answer_started_at: datetime | None
    deadline: datetime | None
    server_now: datetime
    received: list[int]
    takes_left: int
    grace_seconds: int


class SubmittedTake(BaseModel):
    take_id: int
    number: int
    kept: bool


class QuestionStatus(BaseModel):
    """Where one question stands; the answer page renders exactly this."""

    phase: Phase
    position: int
    total: int
    mode: AnswerMode
    take: TakeStatus | None
    submitted: list[SubmittedTake]
    takes_left: int
    next_position: int | None
    session_url: str
    finish_label: str  # what the link to session_url says when no question is left
    session_finished: bool


class BeginTake(BaseModel):
    retake: bool = False  # a question with a take gets another only when asked for


class KeepTake(BaseModel):
    take_id: int


class FinishUpload(BaseModel):
    chunks: int = Field(ge=1, le=2000)
    media_type: str = Field(max_length=40)
    interrupted: bool = False


class TypedAnswer(BaseModel):
    text: str = Field(max_length=20_000)


class Submitted(BaseModel):
    state: TakeState
    next_url: str
