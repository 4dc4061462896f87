"""An assessment's ratings put together: agreement between the AI and people and among people
(per question and per competency), the largest disagreements, and candidates side by side.

Blind rating holds here too: someone who rates sees only the candidates they have submitted a
review for; the rest are left out and counted. Agreement is measured on the ratings given blind
(revision 0), which are independent; levels shown per candidate are the current ones."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import mean

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import InvalidInput
from app.hiring import access, service
from app.hiring.access import Action
from app.hiring.agreement import GroupAgreement, PairedAgreement, compare_pairs, compare_raters
from app.hiring.answers import Unit, ai_allowed, ai_levels, assessment_questions
from app.models import (
    Assessment,
    AssessmentQuestion,
    CandidateReview,
    Competency,
    Invitation,
    InvitationStatus,
    QuestionVersion,
    Rating,
    RetainedAgreement,
    Stage,
    User,
)

MAX_COMPARED = 5
MIN_COMPARED = 2
DISAGREEMENTS_SHOWN = 10
FAR_APART = 2  # levels: a gap this wide between raters is a disagreement worth reading


@dataclass(frozen=True)
class HumanRating:
    unit: Unit
    reviewer_id: int
    level: int


@dataclass
class AssessmentResults:
    assessment: Assessment
    candidates: list[Invitation]  # submitted, and revealed to the viewer
    left_out: int  # submitted candidates the viewer has not rated yet: their ratings stay blind
    questions: list[AssessmentQuestion]
    competency_names: dict[str, str]
    blind: list[HumanRating]  # revision 0 of every submitted review: independent ratings
    current: list[HumanRating]  # what each reviewer's ratings are now
    ai: dict[Unit, int]
    stages: dict[int, Stage]

    def ai_shown(self, candidate: Invitation) -> bool:
        return ai_allowed(self.assessment, candidate)


def revealed_to(
    db: Session, viewer: User, assessment: Assessment, candidates: list[Invitation]
) -> list[Invitation]:
    """Someone who rates sees a candidate's ratings only once they have submitted their own."""
    standing = service.standing_in(db, viewer, assessment)
    if standing is None or Action.rate not in access.ALLOWED[standing]:
        return candidates
    rated = set(
        db.scalars(
            select(CandidateReview.invitation_id).where(
                CandidateReview.reviewer_id == viewer.id, CandidateReview.submitted_at.is_not(None)
            )
        )
    )
    return [c for c in candidates if c.id in rated]


def human_ratings(db: Session, candidate_ids: list[int]) -> tuple[list[HumanRating], list[HumanRating]]:
    rows = db.execute(
        select(Rating, CandidateReview.invitation_id, CandidateReview.reviewer_id)
        .join(CandidateReview, Rating.review_id == CandidateReview.id)
        .where(CandidateReview.invitation_id.in_(candidate_ids), CandidateReview.submitted_at.is_not(None))
        .order_by(Rating.id)
    )
    blind, current = [], []
    for rating, invitation_id, reviewer_id in rows:
        given = HumanRating(
            (invitation_id, rating.assessment_question_id, rating.competency_id), reviewer_id, rating.level
        )
        if rating.revision == 0:
            blind.append(given)
        if rating.superseded_at is None:
            current.append(given)
    return blind, current


def assessment_results(
    db: Session, viewer: User, assessment_id: int, now: datetime, view: str
) -> AssessmentResults:
    """Everything the agreement, compare and export views read, as this viewer may see it; the
    view (`agreement`, `compare`, `export`) is recorded as staff access to candidates' data."""
    assessment = service.open_assessment(db, viewer, assessment_id, Action.view, now)
    service.record(db, viewer, f"assessment.{view}", "assessment", assessment.id, now)
    submitted = list(
        db.scalars(
            select(Invitation)
            .where(Invitation.assessment_id == assessment.id, Invitation.status == InvitationStatus.submitted)
            .order_by(Invitation.name, Invitation.id)
        )
    )
    candidates = revealed_to(db, viewer, assessment, submitted)
    blind, current = human_ratings(db, [c.id for c in candidates])
    return AssessmentResults(
        assessment=assessment,
        candidates=candidates,
        left_out=len(submitted) - len(candidates),
        questions=assessment_questions(db, assessment.id),
        competency_names={c.id: c.name for c in db.scalars(select(Competency))},
        blind=blind,
        current=current,
        ai=ai_levels(db, assessment, candidates),
        stages={c.id: service.current_stage(service.stage_history(db, c.id)) for c in candidates},
    )


# --- agreement ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgreementRow:
    label: str
    ai_vs_people: PairedAgreement | None  # None: no answer has both an AI and a human level
    people: GroupAgreement


def _agreement(
    results: AssessmentResults, label: str, question_id: int | None = None, competency: str | None = None
) -> AgreementRow:
    """The AI against each person's blind level (one pair per rating), and people among
    themselves, over the units of one question or one competency (or all of them)."""

    def keep(unit: Unit) -> bool:
        return question_id in (None, unit[1]) and competency in (None, unit[2])

    pairs = [(results.ai[r.unit], r.level) for r in results.blind if keep(r.unit) and r.unit in results.ai]
    units: defaultdict[Unit, list[float | None]] = defaultdict(list)
    for rating in results.blind:
        if keep(rating.unit):
            units[rating.unit].append(rating.level)
    ai_vs_people = compare_pairs([a for a, _ in pairs], [h for _, h in pairs]) if pairs else None
    return AgreementRow(label, ai_vs_people, compare_raters(list(units.values())))


@dataclass(frozen=True)
class AgreementReport:
    overall: AgreementRow
    by_question: list[AgreementRow]
    by_competency: list[AgreementRow]


def agreement_report(results: AssessmentResults) -> AgreementReport:
    names = results.competency_names
    competencies = sorted(
        {r.unit[2] for r in results.blind} | {u[2] for u in results.ai}, key=lambda c: names.get(c, c)
    )
    return AgreementReport(
        overall=_agreement(results, "All answers"),
        by_question=[
            _agreement(results, f"{q.position}. {q.question_version.content['title']}", question_id=q.id)
            for q in results.questions
        ],
        by_competency=[_agreement(results, names.get(c, c), competency=c) for c in competencies],
    )


@dataclass(frozen=True)
class Disagreement:
    candidate: Invitation
    question: AssessmentQuestion
    competency: str
    ai: int | None
    people: list[int]
    gap: float  # the widest distance between any two of the levels


def disagreements(results: AssessmentResults) -> list[Disagreement]:
    """The answers on which raters (the AI included) are furthest apart, widest first."""
    people: defaultdict[Unit, list[int]] = defaultdict(list)
    for rating in results.blind:
        people[rating.unit].append(rating.level)
    candidates = {c.id: c for c in results.candidates}
    questions = {q.id: q for q in results.questions}
    found = []
    for unit, levels in people.items():
        ai = results.ai.get(unit)
        everyone = levels + ([ai] if ai is not None else [])
        gap = max(everyone) - min(everyone)
        if gap >= FAR_APART:
            found.append(
                Disagreement(candidates[unit[0]], questions[unit[1]], unit[2], ai, sorted(levels), gap)
            )
    found.sort(key=lambda d: (-d.gap, d.candidate.name, d.question.position, d.competency))
    return found[:DISAGREEMENTS_SHOWN]


# --- candidates side by side and the export --------------------------------------------------------


def mean_level(levels: Sequence[int]) -> float | None:
    return round(mean(levels), 2) if levels else None


@dataclass(frozen=True)
class CompetencyLine:
    """One candidate on one competency: people's current levels and the AI's, over all questions."""

    competency: str
    name: str
    human: float | None
    human_ratings: int
    ai: float | None
    ai_levels: int
    exact: float | None  # AI-human pairs (blind) at the same level, of all pairs
    adjacent: float | None

    @property
    def difference(self) -> float | None:
        return None if self.human is None or self.ai is None else round(self.ai - self.human, 2)


def competency_lines(results: AssessmentResults, candidate: Invitation) -> list[CompetencyLine]:
    asked = []
    for question in results.questions:
        for c in question.question_version.content["competencies"]:
            if c["id"] not in asked:
                asked.append(c["id"])
    lines = []
    for competency in asked:

        def mine(unit: Unit, competency: str = competency) -> bool:
            return unit[0] == candidate.id and unit[2] == competency

        human = [r.level for r in results.current if mine(r.unit)]
        ai = [level for unit, level in results.ai.items() if mine(unit)]
        pairs = [
            (results.ai[r.unit], r.level) for r in results.blind if mine(r.unit) and r.unit in results.ai
        ]
        lines.append(
            CompetencyLine(
                competency,
                results.competency_names.get(competency, competency),
                mean_level(human),
                len(human),
                mean_level(ai),
                len(ai),
                round(sum(a == h for a, h in pairs) / len(pairs), 2) if pairs else None,
                round(sum(abs(a - h) <= 1 for a, h in pairs) / len(pairs), 2) if pairs else None,
            )
        )
    return lines


@dataclass(frozen=True)
class QuestionLine:
    question: AssessmentQuestion
    human: float | None  # the mean of people's current levels on this answer's competencies
    ai: float | None


def question_lines(results: AssessmentResults, candidate: Invitation) -> list[QuestionLine]:
    return [
        QuestionLine(
            q,
            mean_level([r.level for r in results.current if r.unit[:2] == (candidate.id, q.id)]),
            mean_level([level for unit, level in results.ai.items() if unit[:2] == (candidate.id, q.id)]),
        )
        for q in results.questions
    ]


@dataclass(frozen=True)
class ComparedCandidate:
    candidate: Invitation
    stage: Stage
    ai_shown: bool
    competencies: list[CompetencyLine]
    questions: list[QuestionLine]


def compare(results: AssessmentResults, candidate_ids: Sequence[int]) -> list[ComparedCandidate]:
    """2-5 of the assessment's candidates, in the order asked, each as the viewer may see them."""
    wanted = list(dict.fromkeys(candidate_ids))
    if not MIN_COMPARED <= len(wanted) <= MAX_COMPARED:
        raise InvalidInput(f"Choose between {MIN_COMPARED} and {MAX_COMPARED} candidates to compare.")
    shown = {c.id: c for c in results.candidates}
    missing = [i for i in wanted if i not in shown]
    if missing:
        raise InvalidInput(
            "Compare only submitted candidates you have rated; "
            f"{len(missing)} of those chosen are not among them."
        )
    return [
        ComparedCandidate(
            shown[i],
            results.stages[i],
            results.ai_shown(shown[i]),
            competency_lines(results, shown[i]),
            question_lines(results, shown[i]),
        )
        for i in wanted
    ]


def compare_candidates(
    db: Session, viewer: User, assessment_id: int, candidate_ids: Sequence[int], now: datetime
) -> list[ComparedCandidate]:
    compared = compare(assessment_results(db, viewer, assessment_id, now, "compare"), candidate_ids)
    for shown in compared:
        service.record(db, viewer, "candidate.compare", "invitation", shown.candidate.id, now)
    return compared


# --- across the installation: the bank's questions ------------------------------------------------


@dataclass(frozen=True)
class QuestionDisagreement:
    """How the AI and people agree on one question of the bank, over every assessment that asked it."""

    slug: str
    title: str
    agreement: PairedAgreement


def bank_disagreements(db: Session) -> list[QuestionDisagreement]:
    """The bank's questions, least AI-human agreement first: blind human levels paired with the
    AI's on the same answer and competency, only where the candidate allowed automatic scoring,
    including the anonymous levels kept from assessments past their retention period."""
    pairs: defaultdict[str, list[tuple[int, int]]] = defaultdict(list)
    titles: dict[str, str] = {}
    for assessment in db.scalars(select(Assessment).where(Assessment.ai_scoring.is_(True))):
        candidates = list(
            db.scalars(
                select(Invitation).where(
                    Invitation.assessment_id == assessment.id, Invitation.status == InvitationStatus.submitted
                )
            )
        )
        ai = ai_levels(db, assessment, candidates)
        blind, _current = human_ratings(db, [c.id for c in candidates])
        questions = {q.id: q.question_version.content for q in assessment_questions(db, assessment.id)}
        for rating in blind:
            if rating.unit in ai:
                content = questions[rating.unit[1]]
                titles[content["id"]] = content["title"]
                pairs[content["id"]].append((ai[rating.unit], rating.level))
    kept = db.execute(
        select(RetainedAgreement, QuestionVersion.content).join(
            QuestionVersion, QuestionVersion.id == RetainedAgreement.question_version_id
        )
    )
    for levels, content in kept:  # assessments past their retention period: anonymous levels only
        if levels.ai_level is not None:
            titles[content["id"]] = content["title"]
            pairs[content["id"]].extend((levels.ai_level, human) for human in levels.human_levels)
    rows = [
        QuestionDisagreement(slug, titles[slug], compare_pairs([a for a, _ in found], [h for _, h in found]))
        for slug, found in pairs.items()
    ]
    return sorted(rows, key=lambda r: (r.agreement.adjacent, r.agreement.exact, r.slug))
