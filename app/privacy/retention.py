"""Retention: when an assessment's retention period has run out after its deadline, every
candidate's answers, recordings, transcripts, scores, ratings and invitation are erased (each
erasure in the audit record, by the system). What is kept is anonymous: each answer's levels for
each competency, the AI's and people's blind ones, with no candidate, reviewer or answer behind
them, so agreement figures still count them; and for the adverse-impact report, counts per
self-identified group (candidates, selected, above the median), never a person's row."""

import logging
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import log as audit
from app.hiring import adverse_impact
from app.hiring.answers import ai_levels, assessment_questions
from app.hiring.results import human_ratings
from app.media.storage import MediaStorage
from app.models import Assessment, Invitation, InvitationStatus, RetainedAgreement
from app.privacy.erasure import erase_submission

log = logging.getLogger(__name__)
SYSTEM = audit.Actor(None, audit.SYSTEM)


@dataclass(frozen=True)
class Purged:
    assessment_id: int
    candidates: int
    kept_levels: int


def retention_ends(assessment: Assessment) -> datetime:
    return assessment.deadline_at + timedelta(days=assessment.retention_days)


def due(db: Session, now: datetime) -> list[Assessment]:
    open_ones = db.scalars(
        select(Assessment).where(Assessment.purged_at.is_(None), Assessment.deadline_at <= now)
    )
    return [a for a in open_ones if retention_ends(a) <= now]


def _anonymous_levels(
    db: Session, assessment: Assessment, submitted: list[Invitation]
) -> list[RetainedAgreement]:
    versions = {q.id: q.question_version_id for q in assessment_questions(db, assessment.id)}
    people: defaultdict[tuple[int, int, str], list[int]] = defaultdict(list)
    for rating in human_ratings(db, [i.id for i in submitted])[0]:  # the blind levels
        people[rating.unit].append(rating.level)
    ai = ai_levels(db, assessment, submitted)
    kept = [
        RetainedAgreement(
            assessment_id=assessment.id,
            question_version_id=versions[question_id],
            competency_id=competency,
            ai_level=ai.get((invitation_id, question_id, competency)),
            human_levels=sorted(people.get((invitation_id, question_id, competency), [])),
        )
        for invitation_id, question_id, competency in set(people) | set(ai)
    ]
    random.shuffle(kept)  # not even the order of rows follows the candidates
    return kept


def purge(db: Session, storage: MediaStorage, assessment: Assessment, now: datetime) -> Purged:
    invitations = list(db.scalars(select(Invitation).where(Invitation.assessment_id == assessment.id)))
    submitted = [i for i in invitations if i.status == InvitationStatus.submitted]
    kept = _anonymous_levels(db, assessment, submitted)
    db.add_all(kept)
    groups = adverse_impact.retained(db, assessment)
    db.add_all(groups)
    for invitation in invitations:
        erase_submission(db, storage, invitation, SYSTEM, now)
    assessment.purged_at = now
    detail = (
        f"{len(invitations)} candidate(s) erased, {len(kept)} anonymous level(s) "
        f"and {len(groups)} group count(s) kept"
    )
    audit.append(
        db,
        SYSTEM,
        "retention.purge",
        ("assessment", assessment.id),
        now,
        assessment_id=assessment.id,
        detail=detail,
    )
    return Purged(assessment.id, len(invitations), len(kept))


def purge_due(db: Session, storage: MediaStorage, now: datetime) -> list[Purged]:
    done = [purge(db, storage, assessment, now) for assessment in due(db, now)]
    for purged in done:
        log.info("retention: assessment %d: %d candidate(s) erased", purged.assessment_id, purged.candidates)
    return done
