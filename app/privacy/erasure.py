"""Erasure: a person's data removed completely, files and rows.

Two scopes. `erase_submission` removes one candidate's answers to one assessment: the invitation
(and with it their ratings, stages and the session's takes, transcripts and scores) and the
recordings. `erase_person` removes everything of one person: their account, every practice and
assessment session with its files, every invitation to their email (claimed or not), their
sign-in attempts. The audit record keeps the ids of what was erased and by whom, never the
person's name, email or answers, so it can prove the erasure without undoing it.

Files are removed after the transaction commits: a failed erasure leaves rows and files as they
were, never rows pointing at missing files. If removing them fails then (an object store that is
away), the daily sweep removes whatever is stored under a key no take has. A job still queued
for an erased answer finds no row and does nothing (the pipeline drops takes that no longer
exist)."""

from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from app.accounts.service import keep_an_admin, normalize_email
from app.audit import log as audit
from app.db import after_commit
from app.errors import Conflict, NotFound
from app.media.storage import MediaStorage
from app.models import (
    Assessment,
    InterviewSession,
    Invitation,
    LoginAttempt,
    SessionQuestion,
    Take,
    User,
)


@dataclass(frozen=True)
class Erased:
    sessions: int
    invitations: int
    recordings: int


def _media_keys(db: Session, session_ids: list[int]) -> list[str]:
    if not session_ids:
        return []
    return list(
        db.scalars(
            select(Take.media_key)
            .join(SessionQuestion, Take.session_question_id == SessionQuestion.id)
            .where(SessionQuestion.session_id.in_(session_ids))
        )
    )


def _remove_after_commit(db: Session, storage: MediaStorage, keys: list[str]) -> None:
    def remove() -> None:
        for key in keys:
            storage.remove(key)

    after_commit(db, remove)


def erase_submission(
    db: Session, storage: MediaStorage, invitation: Invitation, actor: audit.Actor, now: datetime
) -> Erased:
    """One candidate's part in one assessment, as if they had never been invited. The caller has
    checked that `actor` may (the candidate themselves, the assessment's owner, an admin)."""
    session_ids = list(
        db.scalars(select(InterviewSession.id).where(InterviewSession.invitation_id == invitation.id))
    )
    keys = _media_keys(db, session_ids)
    audit.append(
        db,
        actor,
        "privacy.erase-submission",
        ("invitation", invitation.id),
        now,
        assessment_id=invitation.assessment_id,
        subject_id=invitation.used_by_id,
    )
    db.execute(delete(InterviewSession).where(InterviewSession.id.in_(session_ids)))
    db.execute(delete(Invitation).where(Invitation.id == invitation.id))
    _remove_after_commit(db, storage, keys)
    return Erased(len(session_ids), 1, len(keys))


def erase_person(db: Session, storage: MediaStorage, email: str, actor: audit.Actor, now: datetime) -> Erased:
    """Everything of the person with this email, account or not."""
    address = normalize_email(email)
    user = db.scalar(select(User).where(User.email == address))
    invited = list(
        db.scalars(
            select(Invitation).where(
                or_(Invitation.email == address, Invitation.used_by_id == (user.id if user else -1))
            )
        )
    )
    if user is None and not invited:
        raise NotFound(f"Nothing is stored for {address}.")
    if user is not None:
        if db.scalar(select(func.count()).where(Assessment.owner_id == user.id)):
            raise Conflict("This account owns assessments; delete them or hand them over before erasing it.")
        keep_an_admin(db, user)
    session_ids = (
        list(db.scalars(select(InterviewSession.id).where(InterviewSession.user_id == user.id)))
        if user
        else []
    )
    keys = _media_keys(db, session_ids)
    audit.append(
        db,
        actor,
        "privacy.erase-person",
        ("user", user.id if user else 0),
        now,
        subject_id=user.id if user else None,
        detail=f"{len(session_ids)} session(s), {len(invited)} invitation(s), {len(keys)} recording(s)",
    )
    db.execute(delete(InterviewSession).where(InterviewSession.id.in_(session_ids)))
    db.execute(delete(Invitation).where(Invitation.id.in_([i.id for i in invited])))
    db.execute(delete(LoginAttempt).where(LoginAttempt.email == address))
    if user is not None:
        db.execute(delete(User).where(User.id == user.id))  # sign-in sessions, reset links, consents cascade
    _remove_after_commit(db, storage, keys)
    return Erased(len(session_ids), len(invited), len(keys))


def sweep_orphaned_media(db: Session, storage: MediaStorage) -> list[str]:
    """Remove what is stored under media keys that no take has (any more): recordings whose
    removal after an erasure failed. Safe while uploads go on, because a take's row is committed
    before anything is stored under its key, and everything is listed before the first lookup:
    a read transaction keeps the snapshot of its first query (SQLite does), so a key listed
    after that query could belong to a take the snapshot cannot see. Returns the keys removed."""
    removed, stored = [], iter(list(storage.stored_keys()))  # about 100 bytes per stored answer
    while keys := list(islice(stored, 500)):  # bounded queries however much is stored
        known = set(db.scalars(select(Take.media_key).where(Take.media_key.in_(keys))))
        for key in sorted(set(keys) - known):
            storage.remove(key)
            removed.append(key)
    return removed
