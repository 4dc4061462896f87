"""The question bank's file format: what a question file and the competency file must hold."""

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from app.questions.cues import normalize_spoken

COMPETENCY_IDS = (
    "pull-vs-push",
    "argocd-flux",
    "drift-reconciliation",
    "secrets-management",
    "environment-promotion",
    "templating-repo-structure",
    "rbac-access-control",
    "policy-as-code",
    "disaster-recovery",
    "production-mindset",
)
CompetencyId = Literal[
    "pull-vs-push",
    "argocd-flux",
    "drift-reconciliation",
    "secrets-management",
    "environment-promotion",
    "templating-repo-structure",
    "rbac-access-control",
    "policy-as-code",
    "disaster-recovery",
    "production-mindset",
]
Category = Literal["behavioural", "principles", "tooling", "advanced"]
CATEGORIES: tuple[Category, ...] = ("behavioural", "principles", "tooling", "advanced")
Difficulty = Literal["junior", "mid", "senior"]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)]
Text = Annotated[str, Field(min_length=1)]
MODEL_ANSWER_WORDS = (150, 300)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


def _check_cues(cues: list[str]) -> list[str]:
    """A cue is matched against normalised speech, so one that normalises to nothing can never match."""
    seen: set[str] = set()
    for cue in cues:
        spoken = normalize_spoken(cue)
        if not spoken:
            raise ValueError(f"cue {cue!r} can never match: it has no words once normalised")
        if spoken in seen:
            raise ValueError(f"cue {cue!r} repeats another cue once normalised ({spoken!r})")
        seen.add(spoken)
    return cues


class CompetencyWeight(_Strict):
    id: CompetencyId
    weight: float = Field(gt=0, le=1)


class KeyPoint(_Strict):
    id: Slug
    point: Text
    competency: CompetencyId
    cues: list[Text] = Field(min_length=2)

    _cues_match = field_validator("cues")(_check_cues)

    @property
    def wording(self) -> str:
        """The point's sentence and its cues: every way the bank says it."""
        return f"{self.point} {' '.join(self.cues)}"


class RedFlag(_Strict):
    id: Slug
    misconception: Text
    why_wrong: Text
    cues: list[Text] = Field(min_length=1)
    # wrong whatever the question ("prune reverts manual edits"): every answer in the bank is
    # checked for it, so its cues must name the claim on their own
    everywhere: bool = False

    _cues_match = field_validator("cues")(_check_cues)

    @model_serializer(mode="wrap")
    def _omit_default_scope(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Files and stored versions say `everywhere` only where it is true."""
        data: dict[str, Any] = handler(self)
        if not self.everywhere:
            data.pop("everywhere", None)
        return data


class Reference(_Strict):
    title: Text
    url: HttpUrl


class QuestionFile(_Strict):
    """One question as an editor writes it in `question_bank/questions/<id>.yaml`."""

    id: Slug
    title: Annotated[str, Field(min_length=3, max_length=160)]
    prompt: Text
    category: Category
    difficulty: Difficulty
    competencies: list[CompetencyWeight] = Field(min_length=1, max_length=3)
    prep_seconds: int = Field(ge=0, le=300)
    answer_seconds: int = Field(ge=30, le=600)
    key_points: list[KeyPoint] = Field(min_length=3)
    red_flags: list[RedFlag] = Field(min_length=1)
    model_answer: Text
    follow_ups: list[Text] = Field(min_length=1)
    glossary: list[Text] = Field(min_length=1)
    references: list[Reference] = Field(min_length=1)

    @field_validator("model_answer")
    @classmethod
    def _model_answer_length(cls, answer: str) -> str:
        words = len(answer.split())
        low, high = MODEL_ANSWER_WORDS
        if not low <= words <= high:
            raise ValueError(f"model answer has {words} words; it must have {low}-{high} words")
        return answer

    @model_validator(mode="after")
    def _consistent(self) -> "QuestionFile":
        problems = consistency_problems(self.model_dump())
        if problems:
            raise ValueError("; ".join(f"{where}: {message}" for where, message in problems))
        return self


def _items(raw: dict[str, Any], name: str) -> list[tuple[int, dict[str, Any]]]:
    value = raw.get(name)
    return (
        [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]
        if isinstance(value, list)
        else []
    )


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def consistency_problems(raw: dict[str, Any]) -> list[tuple[str, str]]:
    """Every rule that spans fields, as (field path, message) pairs. It reads the raw data
    defensively, so the editor can report these together with every field's own problems
    instead of one at a time."""
    competencies = _items(raw, "competencies")
    points, flags = _items(raw, "key_points"), _items(raw, "red_flags")
    assessed = [c.get("id") for _, c in competencies]
    problems: list[tuple[str, str]] = []
    if len(set(assessed)) != len(assessed):
        problems.append(("competencies", "an id is listed twice"))
    weights = [c.get("weight") for _, c in competencies]
    numbers = [float(w) for w in weights if isinstance(w, int | float)]
    if numbers and len(numbers) == len(weights) and abs(sum(numbers) - 1.0) > 0.01:
        problems.append(("competencies", "weights must add up to 1.0"))
    for i, point in points:
        if isinstance(point.get("competency"), str) and point["competency"] not in assessed:
            problems.append(
                (f"key_points.{i}.competency", f"{point['competency']!r} is not one the question assesses")
            )
    ids = [item.get("id") for _, item in points + flags]
    if len(set(ids)) != len(ids):
        problems.append(("key_points", "key point and red flag ids must be unique within the question"))
    point_cues = {normalize_spoken(c) for _, p in points for c in _strings(p.get("cues"))}
    for i, flag in flags:
        for cue in _strings(flag.get("cues")):
            if normalize_spoken(cue) in point_cues:
                problems.append((f"red_flags.{i}.cues", f"cue {cue!r} is also a key point cue"))
    return problems


Level = Literal[1, 2, 3, 4, 5]


class Competency(_Strict):
    id: CompetencyId
    name: Text
    description: Text
    anchors: dict[Level, Text]

    @field_validator("anchors")
    @classmethod
    def _every_level(cls, anchors: dict[int, str]) -> dict[int, str]:
        """Behaviourally anchored: each of the levels 1-5 says what such an answer looks like."""
        if sorted(anchors) != [1, 2, 3, 4, 5]:
            raise ValueError("anchors must describe each level 1, 2, 3, 4 and 5")
        return anchors


class CompetencyFile(_Strict):
    version: int = Field(ge=1)
    competencies: list[Competency]

    @model_validator(mode="after")
    def _all_ten(self) -> "CompetencyFile":
        ids = [c.id for c in self.competencies]
        if sorted(ids) != sorted(COMPETENCY_IDS):
            raise ValueError(f"competencies must be exactly the ten ids {COMPETENCY_IDS}")
        return self
