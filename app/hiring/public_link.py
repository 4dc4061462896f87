"""A public link: one address a reviewer can post (a job advert, a careers page) through which
any account may join the assessment, up to a cap. Joining makes an ordinary invitation owned by
that account, so everything after it (terms, answering, review) is the invited candidate's path.
Only the link's SHA-256 is kept; a new link replaces the old one, and closing it stops joins
(those who joined keep their invitations)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import Conflict, Gone, InvalidInput, NotFound
from app.hiring.access import Action
from app.hiring.invitations import hash_token, issue_token
from app.hiring.service import MAX_INVITATIONS, open_assessment, record
from app.models import Assessment, Invitation, InvitationStatus, User

NOT_VALID = "This interview link is not valid or was closed. Ask the person who shared it."


def joined(db: Session, assessment_id: int) -> int:
    """How many candidates came in through the public link (any link it ever had)."""
    count = db.scalar(
        select(func.count()).where(Invitation.assessment_id == assessment_id, Invitation.public.is_(True))
    )
    return count or 0


def open_link(db: Session, actor: User, assessment_id: int, cap: int, now: datetime) -> str:
    """A new public link (the previous one stops working) letting up to `cap` candidates in all join."""
    assessment = open_assessment(db, actor, assessment_id, Action.invite, now)
    if assessment.deadline_at <= now:
        raise Gone("This assessment's deadline has passed; move it before sharing a link.")
    if not 1 <= cap <= MAX_INVITATIONS:
        raise InvalidInput(f"The cap is a number of candidates from 1 to {MAX_INVITATIONS}.")
    token = issue_token()
    assessment.public_token_hash, assessment.public_cap = token.token_hash, cap
    record(db, actor, "assessment.public-link", "assessment", assessment.id, now, detail=f"cap {cap}")
    db.flush()
    return token.token


def close_link(db: Session, actor: User, assessment_id: int, now: datetime) -> None:
    assessment = open_assessment(db, actor, assessment_id, Action.invite, now)
    if assessment.public_token_hash is not None:
        assessment.public_token_hash = None
        record(db, actor, "assessment.public-link-closed", "assessment", assessment.id, now)
        db.flush()


@dataclass(frozen=True)
class PublicLink:
    assessment: Assessment
    owner: str
    places_left: int


def preview(db: Session, token: str, now: datetime) -> PublicLink:
    """What the link leads to, for anyone who has it."""
    assessment = _usable(db, token, now, lock=False)
    owner = db.get_one(User, assessment.owner_id).display_name
    return PublicLink(assessment, owner, max(0, assessment.public_cap - joined(db, assessment.id)))


def join(db: Session, token: str, account: User, now: datetime) -> Invitation:
    """The account's invitation to the link's assessment: the one it already has, or a new one
    while places are left. The assessment's row is locked while places are counted, so two
    accounts joining at once cannot both take the last place."""
    assessment = _usable(db, token, now, lock=True)
    mine = db.scalar(
        select(Invitation).where(
            Invitation.assessment_id == assessment.id, Invitation.used_by_id == account.id
        )
    )
    if mine is not None:
        return mine
    if db.scalar(
        select(Invitation.id).where(
            Invitation.assessment_id == assessment.id, Invitation.email == account.email
        )
    ):
        raise Conflict("You have a personal invitation to this interview: use the link you were sent.")
    total = db.scalar(select(func.count()).where(Invitation.assessment_id == assessment.id)) or 0
    if joined(db, assessment.id) >= assessment.public_cap or total >= MAX_INVITATIONS:
        raise Gone("This interview is full: the link has reached its number of candidates.")
    invitation = Invitation(
        assessment_id=assessment.id,
        token_hash=issue_token().token_hash,  # never shown: this invitation is opened by the account
        email=account.email,
        name=account.display_name[:100],
        invited_by_id=assessment.owner_id,
        created_at=now,
        expires_at=assessment.deadline_at,
        used_by_id=account.id,
        used_at=now,
        status=InvitationStatus.opened,
        public=True,
    )
    db.add(invitation)
    db.flush()
    record(db, account, "invitation.public-join", "invitation", invitation.id, now)
    return invitation


def _usable(db: Session, token: str, now: datetime, *, lock: bool) -> Assessment:
    query = select(Assessment).where(Assessment.public_token_hash == hash_token(token))
    assessment = db.scalar(query.with_for_update() if lock else query)
    if assessment is None:
        raise NotFound(NOT_VALID)
    if assessment.deadline_at <= now:
        raise Gone("This interview has closed: its deadline has passed.")
    return assessment


def link(site: str, token: str) -> str:
    return f"{site.rstrip('/')}/join/{token}"
