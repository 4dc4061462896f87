"""Share links: the assessment's owner shares one candidate's packet with a colleague who has no
account: read-only, only the questions chosen, the name masked or not, for 1 to 30 days, revocable.
Every opening of the packet (and of a recording through it) is in the audit record."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import log as audit
from app.errors import Gone, InvalidInput, NotFound
from app.hiring.access import Action
from app.hiring.answers import CandidateAnswer, candidate_answers
from app.hiring.invitations import hash_token, issue_token
from app.hiring.service import open_invitation, record
from app.models import Assessment, Invitation, InvitationStatus, ShareLink, Take, User

MAX_DAYS = 30
SHARE_READER = audit.Actor(None, "share-link")


def create(
    db: Session,
    actor: User,
    invitation_id: int,
    question_ids: list[int],
    mask_name: bool,
    days: int,
    now: datetime,
) -> tuple[ShareLink, str]:
    invitation = open_invitation(db, actor, invitation_id, Action.edit, now)
    if invitation.status != InvitationStatus.submitted:
        raise InvalidInput("Only a submitted interview can be shared.")
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"A share link lasts from 1 to {MAX_DAYS} days.")
    answers = candidate_answers(
        db, db.get_one(Assessment, invitation.assessment_id), invitation, with_ai=False
    )
    known = {a.question.id for a in answers}
    chosen = sorted(set(question_ids))
    if not chosen or not set(chosen) <= known:
        raise InvalidInput("Choose at least one of this assessment's questions to share.")
    token = issue_token()
    link = ShareLink(
        invitation_id=invitation.id,
        created_by_id=actor.id,
        token_hash=token.token_hash,
        question_ids=chosen,
        mask_name=mask_name,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.add(link)
    db.flush()
    record(
        db, actor, "share.create", "invitation", invitation.id, now, detail=f"link {link.id}, {days} day(s)"
    )
    return link, token.token


def revoke(db: Session, actor: User, link_id: int, now: datetime) -> int:
    link = db.get(ShareLink, link_id)
    if link is None:
        raise NotFound("There is no such share link.")
    invitation = open_invitation(db, actor, link.invitation_id, Action.edit, now)
    if link.revoked_at is None:
        link.revoked_at = now
        record(db, actor, "share.revoke", "invitation", invitation.id, now, detail=f"link {link.id}")
    return invitation.assessment_id


def of_invitation(db: Session, invitation_id: int) -> list[ShareLink]:
    return list(
        db.scalars(select(ShareLink).where(ShareLink.invitation_id == invitation_id).order_by(ShareLink.id))
    )


@dataclass(frozen=True)
class Packet:
    link: ShareLink
    assessment: Assessment
    candidate: str  # the name, or "Candidate N" when masked
    answers: list[CandidateAnswer]


def _usable(db: Session, token: str, now: datetime) -> tuple[ShareLink, Invitation]:
    link = db.scalar(select(ShareLink).where(ShareLink.token_hash == hash_token(token)))
    if link is None or link.revoked_at is not None:
        raise NotFound("This shared link is not valid or was revoked.")
    if link.expires_at <= now:
        raise Gone("This shared link has expired. Ask the person who shared it for a new one.")
    return link, db.get_one(Invitation, link.invitation_id)


def open_packet(db: Session, token: str, now: datetime) -> Packet:
    link, invitation = _usable(db, token, now)
    assessment = db.get_one(Assessment, invitation.assessment_id)
    answers = [
        a
        for a in candidate_answers(db, assessment, invitation, with_ai=False)
        if a.question.id in link.question_ids
    ]
    audit.append(
        db,
        SHARE_READER,
        "share.open",
        ("invitation", invitation.id),
        now,
        assessment_id=assessment.id,
        subject_id=invitation.used_by_id,
        detail=f"link {link.id}",
    )
    name = f"Candidate {invitation.id}" if link.mask_name else invitation.name
    return Packet(link, assessment, name, answers)


def shared_take(db: Session, token: str, take_id: int, now: datetime) -> Take:
    """A recording the link shows; the first byte's request is recorded like any viewing."""
    link, invitation = _usable(db, token, now)
    assessment = db.get_one(Assessment, invitation.assessment_id)
    for answer in candidate_answers(db, assessment, invitation, with_ai=False):
        if answer.take is not None and answer.take.id == take_id and answer.question.id in link.question_ids:
            return answer.take
    raise NotFound("This answer is not in the shared packet.")
