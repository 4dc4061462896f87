"""A candidate's answers to an assessment as staff see them: per assessment question the kept
take, its transcript in timed sentences, and the AI's score, which exists for no one when the
candidate declined automatic scoring or the assessment does not use it."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.models import (
    Assessment,
    AssessmentQuestion,
    InterviewSession,
    Invitation,
    SessionQuestion,
    Take,
    TakeScore,
    TakeTranscript,
    TakeVideoReport,
)
from app.scoring.reports import TimedSentence, quote_start, timed_sentences
from app.scoring.schemas import ScoreReport

Unit = tuple[int, int, str]  # (invitation id, assessment question id, competency id): one thing rated


def ai_allowed(assessment: Assessment, invitation: Invitation) -> bool:
    """Whether an AI score of this candidate may be shown or counted anywhere."""
    return assessment.ai_scoring and not invitation.declined_ai_scoring


def assessment_questions(db: Session, assessment_id: int) -> list[AssessmentQuestion]:
    return list(
        db.scalars(
            select(AssessmentQuestion)
            .options(selectinload(AssessmentQuestion.question_version))
            .where(AssessmentQuestion.assessment_id == assessment_id)
            .order_by(AssessmentQuestion.position)
        )
    )


def kept_takes(
    db: Session, assessment_id: int, invitation_ids: Collection[int]
) -> dict[tuple[int, int], Take]:
    """The take each candidate kept, by (invitation id, assessment question id). A session
    question is matched to the assessment's by the question version both are pinned to."""
    by_version = {
        q.question_version_id: q.id
        for q in db.scalars(
            select(AssessmentQuestion).where(AssessmentQuestion.assessment_id == assessment_id)
        )
    }
    rows = db.execute(
        select(InterviewSession.invitation_id, SessionQuestion.question_version_id, Take)
        .join(SessionQuestion, SessionQuestion.session_id == InterviewSession.id)
        .join(Take, Take.id == SessionQuestion.chosen_take_id)
        .where(InterviewSession.invitation_id.in_(invitation_ids))
    )
    return {
        (invitation_id, by_version[version_id]): take
        for invitation_id, version_id, take in rows
        if invitation_id is not None and version_id in by_version
    }


def ai_levels(db: Session, assessment: Assessment, invitations: Sequence[Invitation]) -> dict[Unit, int]:
    """The AI's level per unit, for the candidates whose AI scores may be used at all."""
    allowed = [i.id for i in invitations if ai_allowed(assessment, i)]
    takes = kept_takes(db, assessment.id, allowed)
    unit_of = {take.id: key for key, take in takes.items()}
    levels: dict[Unit, int] = {}
    for score in db.scalars(select(TakeScore).where(TakeScore.take_id.in_(unit_of))):
        invitation_id, question_id = unit_of[score.take_id]
        for criterion in ScoreReport.model_validate(score.report).criteria:
            if criterion.score is not None:
                levels[invitation_id, question_id, criterion.competency] = criterion.score
    return levels


@dataclass
class CandidateAnswer:
    question: AssessmentQuestion
    take: Take | None
    transcript: TakeTranscript | None = None
    sentences: list[TimedSentence] = field(default_factory=list)
    ai: ScoreReport | None = None  # None: not scored yet, or AI scores are not shown for this candidate
    quote_times: dict[str, float | None] = field(default_factory=dict)
    has_poster: bool = False

    @property
    def content(self) -> dict[str, object]:
        return self.question.question_version.content


ResultRow = TypeVar("ResultRow", TakeTranscript, TakeScore, TakeVideoReport)


def _one(db: Session, model: type[ResultRow], take_id: int) -> ResultRow | None:
    return db.scalar(select(model).where(model.take_id == take_id))


def candidate_answers(
    db: Session, assessment: Assessment, invitation: Invitation, *, with_ai: bool
) -> list[CandidateAnswer]:
    """Every question of the assessment with what the candidate handed in; the AI's report only
    when `with_ai` (the viewer has rated, or does not rate) and the candidate allowed it."""
    takes = kept_takes(db, assessment.id, [invitation.id])
    answers = []
    for question in assessment_questions(db, assessment.id):
        answer = CandidateAnswer(question, takes.get((invitation.id, question.id)))
        if answer.take is not None:
            _fill(db, answer, answer.take, with_ai and ai_allowed(assessment, invitation))
        answers.append(answer)
    return answers


def _fill(db: Session, answer: CandidateAnswer, take: Take, with_ai: bool) -> None:
    answer.transcript = _one(db, TakeTranscript, take.id)
    if answer.transcript is not None:
        answer.sentences = timed_sentences(answer.transcript)
    video = _one(db, TakeVideoReport, take.id)
    answer.has_poster = video is not None and video.has_poster
    score = _one(db, TakeScore, take.id) if with_ai else None
    if score is not None:
        answer.ai = ScoreReport.model_validate(score.report)
        quotes = {q for c in answer.ai.criteria for q in c.evidence}
        transcript = answer.transcript
        answer.quote_times = {q: quote_start(transcript, q) if transcript else None for q in quotes}


def answer_take(db: Session, assessment_id: int, invitation_id: int, take_id: int) -> Take | None:
    """The take, if it is one this candidate kept for this assessment (the only ones staff see)."""
    takes = kept_takes(db, assessment_id, [invitation_id])
    return next((t for t in takes.values() if t.id == take_id), None)
