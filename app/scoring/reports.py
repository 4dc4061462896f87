"""What a candidate reads: one answer's report, a session's report, and progress over time."""

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from statistics import mean
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import NotFound
from app.interviews import history
from app.interviews import service as interviews
from app.interviews.processing import Processing, measured_speeds, processing, seconds_left
from app.models import (
    AnswerMode,
    Competency,
    InterviewSession,
    SessionQuestion,
    Take,
    TakeScore,
    TakeState,
    TakeTranscript,
    TakeVideoReport,
    User,
)
from app.questions import service as questions
from app.questions.schemas import QuestionFile
from app.scoring.schemas import ScoreReport

_SENTENCE_END = re.compile(r"[.!?]$")
STRENGTH_SCORE = 3.5  # a competency scored at least this (out of 5) in a session is a strength
SHORTLIST = 3  # strengths, things to work on and weakest competencies shown at most


# --- one answer ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimedSentence:
    text: str
    start: float | None  # seconds into the recording, when the words' timings are known


def timed_sentences(transcript: TakeTranscript) -> list[TimedSentence]:
    """The transcript in sentences with the time each starts, for click-to-seek. A corrected
    transcript no longer matches the recording's timings, so it is shown without them."""
    if transcript.edited_at is not None or not transcript.words:
        return [
            TimedSentence(s.strip(), None) for s in re.split(r"(?<=[.!?])\s+", transcript.text) if s.strip()
        ]
    sentences: list[TimedSentence] = []
    words: list[str] = []
    start: float | None = None
    for word in transcript.words:
        start = word["start"] if start is None else start
        words.append(str(word["word"]).strip())
        if _SENTENCE_END.search(words[-1]):
            sentences.append(TimedSentence(" ".join(words), start))
            words, start = [], None
    if words:
        sentences.append(TimedSentence(" ".join(words), start))
    return sentences


def quote_start(transcript: TakeTranscript, quote: str) -> float | None:
    """When the quoted words were said: the timing of the word where the quote begins."""
    if transcript.edited_at is not None or not transcript.words:
        return None
    offset = transcript.text.find(quote)
    if offset < 0:
        return None
    seen = 0
    for word in transcript.words:
        seen += len(str(word["word"]).strip()) + 1
        if seen > offset:
            return float(word["start"])
    return None


@dataclass
class AnswerView:
    interview: InterviewSession
    question: SessionQuestion
    take: Take
    content: QuestionFile
    competency_names: dict[str, str]
    transcript: TakeTranscript | None = None
    sentences: list[TimedSentence] = field(default_factory=list)
    report: ScoreReport | None = None
    quote_times: dict[str, float | None] = field(default_factory=dict)
    presence: dict[str, Any] | None = None
    has_poster: bool = False


ResultRow = TypeVar("ResultRow", TakeTranscript, TakeScore, TakeVideoReport)


def _result_of(db: Session, model: type[ResultRow], take_id: int) -> ResultRow | None:
    """One of the pipeline's results for a take (each take has at most one of each)."""
    return db.scalar(select(model).where(model.take_id == take_id))


def answer_view(db: Session, user: User, session_id: int, take_id: int) -> AnswerView:
    interview = interviews.get_session(db, user, session_id)
    question = next((q for q in interview.questions for t in q.takes if t.id == take_id), None)
    if question is None:
        raise NotFound("There is no such answer in this session.")
    take = next(t for t in question.takes if t.id == take_id)
    view = AnswerView(
        interview,
        question,
        take,
        QuestionFile.model_validate(question.question_version.content),
        competency_names(db),
    )
    view.transcript = _result_of(db, TakeTranscript, take_id)
    score = _result_of(db, TakeScore, take_id)
    video = _result_of(db, TakeVideoReport, take_id)
    if view.transcript is not None:
        view.sentences = timed_sentences(view.transcript)
    if score is not None:
        view.report = ScoreReport.model_validate(score.report)
        quotes = {q for c in view.report.criteria for q in c.evidence} | {
            q for p in view.report.key_points_covered for q in p.evidence
        }
        view.quote_times = {q: quote_start(view.transcript, q) if view.transcript else None for q in quotes}
    if video is not None and take.mode == AnswerMode.video:  # audio and typed answers have no camera
        view.presence, view.has_poster = video.analysis, video.has_poster
    return view


def competency_names(db: Session) -> dict[str, str]:
    return {c.id: c.name for c in db.scalars(select(Competency))}


def pending(takes: Sequence[Take | None]) -> int:
    """Questions still without a finished answer: not answered yet, or still being processed."""
    return sum(1 for take in takes if take is None or not take.state.done)


# --- the list of sessions -----------------------------------------------------------------------


def overall_score(scores: Sequence[float]) -> float | None:
    """A session's overall score: the mean of its scored answers' overall scores."""
    return round(mean(scores), 1) if scores else None


def session_status(interview: InterviewSession, takes: Sequence[Take | None]) -> str:
    """In the candidate's words: an answer needs attention first (it has a retry button), then
    questions neither answered nor skipped, then answers still in the pipeline."""
    if any(take is not None and take.state == TakeState.failed for take in takes):
        return "needs attention"
    if not all(interviews.is_settled(question) for question in interview.questions):
        return "in progress"
    if any(take is not None and not take.state.done for take in takes):
        return "processing"
    return "complete"


@dataclass(frozen=True)
class SessionSummary:
    interview: InterviewSession
    questions: int
    answered: int
    skipped: int
    overall: float | None
    status: str  # "in progress", "processing", "complete" or "needs attention"
    seconds_left: int | None  # while answers are processed: a rough estimate


def session_summaries(db: Session, user: User, now: datetime) -> list[SessionSummary]:
    """Every session of the user, newest first, with its score and status (one score query)."""
    history = interviews.list_sessions(db, user)
    chosen = {interview.id: interviews.chosen_takes(interview) for interview in history}
    take_ids = [take.id for takes in chosen.values() for take in takes if take is not None]
    rows = db.execute(select(TakeScore.take_id, TakeScore.overall).where(TakeScore.take_id.in_(take_ids)))
    scores = {take_id: overall for take_id, overall in rows}  # noqa: C416 dict() reads a Result as a mapping
    speeds = measured_speeds(db)
    return [
        SessionSummary(
            interview,
            len(takes),
            sum(1 for take in takes if take is not None),
            sum(1 for question in interview.questions if question.skipped_at is not None),
            overall_score([scores[t.id] for t in takes if t is not None and t.id in scores]),
            session_status(interview, takes),
            seconds_left(takes, now, speeds),
        )
        for interview, takes in ((i, chosen[i.id]) for i in history)
    ]


# --- one session --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompetencyResult:
    id: str
    name: str
    score: float | None


@dataclass(frozen=True)
class Improvement:
    position: int
    question_title: str
    take_id: int
    kind: str  # "red flag" or "missed key point"
    text: str
    value: float


@dataclass
class SessionReport:
    interview: InterviewSession
    answers: list[tuple[SessionQuestion, Take | None, ScoreReport | None]]
    competencies: list[CompetencyResult]
    overall: float | None
    strengths: list[CompetencyResult]
    improvements: list[Improvement]
    processing: dict[int, Processing] = field(default_factory=dict)  # by take id
    seconds_left: int | None = None

    @property
    def pending(self) -> int:
        """Answers still to come; a question the candidate skipped is not waited for."""
        return pending([take for question, take, _ in self.answers if take or question.skipped_at is None])


def _scores(db: Session, take_ids: list[int]) -> dict[int, ScoreReport]:
    rows = db.scalars(select(TakeScore).where(TakeScore.take_id.in_(take_ids)))
    return {row.take_id: ScoreReport.model_validate(row.report) for row in rows}


def _competency_results(reports: list[ScoreReport], names: dict[str, str]) -> list[CompetencyResult]:
    by_competency: dict[str, list[int]] = defaultdict(list)
    for report in reports:
        for criterion in report.criteria:
            by_competency.setdefault(criterion.competency, [])
            if criterion.score is not None:
                by_competency[criterion.competency].append(criterion.score)
    return [
        CompetencyResult(cid, names.get(cid, cid), round(mean(scores), 1) if scores else None)
        for cid, scores in sorted(by_competency.items(), key=lambda item: names.get(item[0], item[0]))
    ]


def _improvements(
    answers: list[tuple[SessionQuestion, Take | None, ScoreReport | None]],
) -> list[Improvement]:
    """The three most valuable things to work on: misconceptions first, then the missed key
    points that weigh most in their question."""
    found: list[Improvement] = []
    for question, take, report in answers:
        if take is None or report is None:
            continue
        content = question.question_version.content
        weights = {c["id"]: c["weight"] for c in content["competencies"]}
        for flag in report.red_flags:
            found.append(
                Improvement(
                    question.position,
                    content["title"],
                    take.id,
                    "red flag",
                    f"{flag.misconception} {flag.why_wrong}",
                    10,
                )
            )
        for point in report.key_points_missed:
            found.append(
                Improvement(
                    question.position,
                    content["title"],
                    take.id,
                    "missed key point",
                    point.point,
                    weights.get(point.competency, 0),
                )
            )
    return sorted(found, key=lambda item: (-item.value, item.position))[:SHORTLIST]


def session_report(db: Session, user: User, session_id: int, now: datetime) -> SessionReport:
    interview = interviews.get_session(db, user, session_id)
    chosen = interviews.chosen_takes(interview)
    scores = _scores(db, [t.id for t in chosen if t is not None])
    answers = [
        (q, t, scores.get(t.id) if t else None) for q, t in zip(interview.questions, chosen, strict=True)
    ]
    reports = [r for _, _, r in answers if r is not None]
    competencies = _competency_results(reports, competency_names(db))
    strengths = sorted(
        [c for c in competencies if c.score is not None and c.score >= STRENGTH_SCORE],
        key=lambda c: -(c.score or 0),
    )
    overall = overall_score([r.overall for r in reports])
    report = SessionReport(
        interview, answers, competencies, overall, strengths[:SHORTLIST], _improvements(answers)
    )
    speeds = measured_speeds(db)
    report.processing = {
        t.id: p for t in chosen if t is not None and (p := processing(t, now, speeds)) is not None
    }
    report.seconds_left = seconds_left(chosen, now, speeds)
    return report


# --- progress over time -------------------------------------------------------------------------


@dataclass(frozen=True)
class LastAssessed:
    """A competency's most recent score and the session it comes from, so the page can say
    where the number comes from (a competency the latest session did not ask about keeps the
    score of the session that last did)."""

    id: str
    name: str
    score: float
    interview: InterviewSession
    since: int  # scored sessions after that one, which did not assess it


@dataclass
class Progress:
    sessions: list[SessionSummary]  # newest first
    trends: dict[str, list[tuple[datetime, float]]]  # by competency name: (session start, score)
    weakest: list[LastAssessed]
    suggestions: list[tuple[str, str]]  # (slug, title)


def progress(db: Session, user: User, now: datetime) -> Progress:
    names = competency_names(db)
    summaries = session_summaries(db, user, now)
    oldest_first = [s.interview for s in reversed(summaries)]
    chosen = {i.id: [t.id for t in interviews.chosen_takes(i) if t is not None] for i in oldest_first}
    reports = _scores(db, [take_id for ids in chosen.values() for take_id in ids])
    trends: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
    last: dict[str, tuple[CompetencyResult, int]] = {}  # by id: (result, index among scored sessions)
    scored: list[InterviewSession] = []
    for interview in oldest_first:
        results = [
            r
            for r in _competency_results([reports[t] for t in chosen[interview.id] if t in reports], names)
            if r.score is not None
        ]
        if results:
            scored.append(interview)
        for result in results:
            trends[result.name].append((interview.created_at, result.score or 0))
            last[result.id] = (result, len(scored) - 1)
    weakest = sorted(
        (
            LastAssessed(r.id, r.name, r.score or 0, scored[at], len(scored) - 1 - at)
            for r, at in last.values()
        ),
        key=lambda item: (item.score, item.name),
    )[:SHORTLIST]
    return Progress(summaries, dict(trends), weakest, _suggestions(db, user, {c.id for c in weakest}))


def _suggestions(db: Session, user: User, competencies: set[str]) -> list[tuple[str, str]]:
    """Published questions that exercise the weakest competencies, unanswered ones first."""
    answered = history.answered_question_ids(db, user)
    picked = [
        (question.id in answered, question.slug, question.title)
        for question in questions.list_published(db, with_content=True)
        if competencies & set(questions.competency_ids(question))
    ]
    return [(slug, title) for _, slug, title in sorted(picked)[:5]]
