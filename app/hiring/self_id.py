"""Voluntary self-identification, offered to a candidate once they have submitted: sex and
race/ethnicity in the categories NYC Local Law 144 bias audits use (the EEO-1 ones), each with
"I prefer not to say". Optional, changeable and erasable by the candidate at any time. It is
read by the candidate, the aggregate adverse-impact report, erasure and the data download only:
never by the scorer, a review page, an export or the API."""

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.errors import Conflict, InvalidInput
from app.hiring.candidates import candidate_view
from app.models import InvitationStatus, SelfIdentification, User

DECLINED = "declined"  # "I prefer not to say"
SEX = {"female": "Female", "male": "Male", DECLINED: "I prefer not to say"}
RACE = {
    "hispanic-latino": "Hispanic or Latino",
    "white": "White",
    "black": "Black or African American",
    "pacific-islander": "Native Hawaiian or Other Pacific Islander",
    "asian": "Asian",
    "american-indian": "American Indian or Alaska Native",
    "two-or-more": "Two or More Races",
    DECLINED: "I prefer not to say",
}


def _submitted_own(db: Session, user: User, invitation_id: int, now: datetime) -> int:
    """The candidate's own invitation, once submitted (the questions come after the interview,
    so answering them cannot touch it)."""
    view = candidate_view(db, user, invitation_id, now)
    if view.invitation.status != InvitationStatus.submitted:
        raise Conflict("These questions are asked once you have submitted your interview.")
    return view.invitation.id


def _choice(value: str, allowed: dict[str, str], what: str) -> str | None:
    if not value:
        return None
    if value not in allowed:
        raise InvalidInput(f"Choose one of the listed answers for {what}, or leave it unanswered.")
    return value


def own(db: Session, invitation_id: int) -> SelfIdentification | None:
    """For the candidate's own page only."""
    return db.scalar(select(SelfIdentification).where(SelfIdentification.invitation_id == invitation_id))


def answer(db: Session, user: User, invitation_id: int, sex: str, race: str, now: datetime) -> None:
    """Keep the candidate's answers (blank: not answered); answering nothing at all keeps nothing."""
    found = _submitted_own(db, user, invitation_id, now)
    chosen_sex, chosen_race = _choice(sex, SEX, "sex"), _choice(race, RACE, "race/ethnicity")
    existing = own(db, found)
    if chosen_sex is None and chosen_race is None:
        if existing is not None:
            db.delete(existing)
    elif existing is None:
        db.add(SelfIdentification(invitation_id=found, sex=chosen_sex, race=chosen_race, answered_at=now))
    else:
        existing.sex, existing.race, existing.answered_at = chosen_sex, chosen_race, now
    db.flush()


def erase(db: Session, user: User, invitation_id: int, now: datetime) -> None:
    found = _submitted_own(db, user, invitation_id, now)
    db.execute(delete(SelfIdentification).where(SelfIdentification.invitation_id == found))
