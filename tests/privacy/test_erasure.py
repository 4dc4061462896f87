"""Erasure: after it, nothing of the person is left, rows or files, practice and assessments
alike; everyone else's data is untouched; refused requests change nothing."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import String, Text, event, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.accounts import service as accounts
from app.cli import cli
from app.config import get_settings
from app.db import get_engine
from app.hiring import service, webhooks
from app.hiring.invitations import Candidate
from app.hiring.webhook_events import STAGE_CHANGED
from app.interviews import service as interviews
from app.jobs.queue import huey
from app.media.storage import get_storage, new_media_key
from app.media.storage.files import FileStorage
from app.models import (
    AnswerMode,
    AuditEvent,
    Base,
    InterviewSession,
    Invitation,
    LoginAttempt,
    Role,
    SelfIdentification,
    SessionKind,
    Stage,
    Take,
    User,
)
from app.models.base import utcnow
from app.privacy.erasure import sweep_orphaned_media
from app.privacy.tasks import sweep_orphaned_media_job
from tests.factories import consenting_candidate, create_user, csrf_token, sign_in, submit_recording
from tests.hiring.answered import rate_all, recorded, team
from tests.hiring.conftest import NOW, bank, live_assessment
from tests.s3server import S3Server, stored_names
from tests.test_authorization import WEBM_START

NAME = "Zelda Erasable"
INVITED_AS = "zelda@example.com"  # the email the assessment invited (a webhook delivery names it too)
runner = CliRunner()
__all__ = ["bank"]  # the published questions the assessments need, as a fixture


def practice_recording(db: Session, user: User) -> Take:
    request = interviews.SessionRequest(SessionKind.single, AnswerMode.video, question="drift-manual-edit")
    started = interviews.start_session(db, user, request, get_settings(), utcnow())
    take = submit_recording(db, user, interviews.get_session(db, user, started.id), 1, WEBM_START)
    get_storage().write_poster(take.media_key, b"\xff\xd8\xff\xe0 a poster frame")
    return take


def a_person_with_everything(db: Session) -> tuple[User, list[str], int]:
    """A candidate who practised on camera, answered one assessment on camera (rated, staged),
    was invited to another under their account's email without opening it, failed a sign-in
    and was sent a password-reset link. Returns them, their media keys, and another candidate's
    session that must survive."""
    crew = team(db)  # two other candidates answered, reviewers rated: data that must survive
    answered, take = recorded(db, crew.assessment, INVITED_AS, WEBM_START)
    person = answered.candidate
    person.display_name = NAME
    rate_all(db, crew.owner, answered.invitation, 3)
    db.add(SelfIdentification(invitation_id=answered.invitation.id, sex="female", race="asian"))
    webhooks.add(db, crew.owner, crew.assessment.id, "https://ats.example.com/hooks", [STAGE_CHANGED], NOW)
    service.set_stage(db, crew.owner, answered.invitation.id, Stage.hold, "waiting on Zelda Erasable", NOW)
    other = live_assessment(db, title="Another team")
    service.invite(db, db.get_one(User, other.owner_id), other.id, [Candidate(NAME, person.email)], utcnow())
    practice = practice_recording(db, person)
    db.add(LoginAttempt(email=person.email, address="192.0.2.7"))
    admin = create_user(db, Role.admin)
    accounts.issue_reset_link(db, user_id=person.id, by=admin, now=utcnow())
    db.commit()
    huey.flush()  # the webhook delivery's job: not this test's subject
    survivor = db.scalar(select(InterviewSession.id).where(InterviewSession.invitation_id == crew.strong.id))
    assert survivor is not None
    return person, [take.media_key, practice.media_key], survivor


def leftovers(db: Session, person_id: int, email: str) -> list[str]:
    """Every row anywhere that names the person or points at their account (the audit record
    keeps bare ids by design: it proves what happened to whom without saying who they were)."""
    found = []
    for table in Base.metadata.sorted_tables:
        user_columns = [
            c for c in table.columns if any(fk.column.table.name == "users" for fk in c.foreign_keys)
        ]
        if table.name == "users":
            user_columns.append(table.c.id)
        text_columns = [c for c in table.columns if isinstance(c.type, String | Text)]
        for row in db.execute(select(table)).mappings():
            if any(row[c.name] == person_id for c in user_columns):
                found.append(f"{table.name}: {dict(row)}")
            for column in text_columns:
                value = row[column.name] or ""
                if email in value or NAME in value or INVITED_AS in value:
                    found.append(f"{table.name}.{column.name}: {value[:80]}")
    return found


def media_left(keys: list[str]) -> list[str]:
    """The files or objects stored under any of these media keys."""
    return [name for name in stored_names(get_storage()) if any(key in name for key in keys)]


@pytest.mark.parametrize("media", ["files", "s3"], indirect=True)
@pytest.mark.usefixtures("bank", "media")
def test_erasing_a_person_from_the_shell_leaves_nothing_of_them(db: Session) -> None:
    person, keys, survivor = a_person_with_everything(db)
    email, person_id = person.email, person.id
    assert leftovers(db, person_id, email)
    assert media_left(keys)

    result = runner.invoke(cli, ["users", "erase", "--email", email, "--yes"])
    assert result.exit_code == 0, result.output
    assert "2 session(s), 2 invitation(s), 2 recording(s)" in result.output
    db.expire_all()
    assert leftovers(db, person_id, email) == []
    assert media_left(keys) == []
    assert db.get(InterviewSession, survivor) is not None  # the other candidates keep everything
    assert db.scalars(select(SelfIdentification)).all() == []  # their voluntary answers too
    erased = db.scalars(select(AuditEvent).where(AuditEvent.action == "privacy.erase-person")).one()
    assert (erased.actor_role, erased.subject_id) == ("shell", person_id)


@pytest.mark.usefixtures("bank")
def test_a_candidate_deletes_their_account_from_the_account_page(client: TestClient, db: Session) -> None:
    person, keys, _ = a_person_with_everything(db)
    email, person_id = person.email, person.id
    sign_in(client, person)
    refused = client.post(
        "/account/erase", data={"csrf_token": csrf_token(client), "confirm_email": "typo@example.com"}
    )
    assert refused.status_code == 422
    assert "type the email address" in refused.text
    assert db.get(User, person_id) is not None
    assert media_left(keys)
    done = client.post(
        "/account/erase",
        data={"csrf_token": csrf_token(client), "confirm_email": email.upper()},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/?notice=account-erased"
    db.expire_all()
    assert leftovers(db, person_id, email) == []
    assert media_left(keys) == []
    assert client.get("/account", follow_redirects=False).status_code == 303  # signed out


@pytest.mark.usefixtures("bank")
def test_the_owner_erases_one_candidates_submission_and_only_that(client: TestClient, db: Session) -> None:
    crew = team(db)
    answered, take = recorded(db, crew.assessment, "zelda@example.com", WEBM_START)
    practice = practice_recording(db, answered.candidate)
    db.commit()
    invitation_id, candidate_id, take_id, key = (
        answered.invitation.id,
        answered.candidate.id,
        take.id,
        take.media_key,
    )
    sign_in(client, crew.owner)
    form = {"csrf_token": csrf_token(client), "confirm_email": "zelda@example.com"}
    response = client.post(f"/hiring/invitations/{invitation_id}/erase", data=form, follow_redirects=False)
    assert response.status_code == 303
    db.expire_all()
    assert db.get(Invitation, invitation_id) is None
    assert db.get(Take, take_id) is None
    assert media_left([key]) == []
    assert db.get(User, candidate_id) is not None  # the account and its own practice stay
    assert media_left([practice.media_key])


@pytest.mark.usefixtures("bank")
def test_an_owner_with_assessments_is_not_erased_and_nothing_changes(db: Session) -> None:
    owner = live_assessment(db).owner_id
    email = db.get_one(User, owner).email
    db.commit()
    result = runner.invoke(cli, ["users", "erase", "--email", email, "--yes"])
    assert result.exit_code == 1
    assert "owns assessments" in result.output
    db.expire_all()
    assert db.get(User, owner) is not None
    assert not db.scalars(select(AuditEvent).where(AuditEvent.action == "privacy.erase-person")).all()


@pytest.mark.parametrize("media", ["s3"], indirect=True)
@pytest.mark.usefixtures("bank", "media")
def test_recordings_an_erasure_could_not_remove_are_swept_later_and_no_others(
    db: Session, s3_server: S3Server
) -> None:
    person, keys, _ = a_person_with_everything(db)
    kept = [practice_recording(db, consenting_candidate(db)).media_key]  # someone else's
    db.commit()
    assert media_left(kept)
    s3_server.stop()  # the store is away when the erasure commits
    try:
        result = runner.invoke(cli, ["users", "erase", "--email", person.email, "--yes"])
    finally:
        s3_server.start()
    assert result.exit_code == 0, result.output
    assert media_left(keys)  # the rows are gone, the recordings are not yet
    assert sorted(sweep_orphaned_media(db, get_storage())) == sorted(keys)
    assert media_left(keys) == []
    assert media_left(kept)  # recordings of takes that exist stay
    assert sweep_orphaned_media(db, get_storage()) == []


@pytest.mark.usefixtures("bank")
def test_the_daily_sweep_removes_what_no_take_has_and_keeps_what_takes_have(db: Session) -> None:
    take = practice_recording(db, consenting_candidate(db))
    orphan = new_media_key()
    get_storage().write_chunk(orphan, 0, WEBM_START)
    db.commit()
    sweep_orphaned_media_job.call_local()
    assert media_left([orphan]) == []
    assert media_left([take.media_key])


@pytest.mark.usefixtures("bank")
def test_the_sweep_lists_everything_before_it_looks_anything_up(db: Session) -> None:
    """A read transaction keeps the snapshot of its first query (SQLite's does). Were stored keys
    listed after the first lookup, a take committed in between, whose recording the listing then
    finds, would be missing from the snapshot and its recording removed. So the listing ends
    before the first query, and every take whose files were listed is visible to the lookups."""
    storage = get_storage()
    assert isinstance(storage, FileStorage)
    kept = practice_recording(db, consenting_candidate(db)).media_key
    orphans = [new_media_key() for _ in range(501)]  # more than one batch of lookups
    for key in orphans:
        storage.write_chunk(key, 0, WEBM_START)
    db.commit()
    events: list[str] = []

    class Recorded(FileStorage):
        def stored_keys(self) -> Iterator[str]:
            yield from super().stored_keys()
            events.append("listed")

    def looked_up(*args: Any) -> None:
        if "FROM takes" in args[2]:
            events.append("query")

    event.listen(get_engine(), "before_cursor_execute", looked_up)
    try:
        removed = sweep_orphaned_media(db, Recorded(storage.root))
    finally:
        event.remove(get_engine(), "before_cursor_execute", looked_up)
    assert events[0] == "listed"
    assert events.count("query") >= 2
    assert set(orphans) <= set(removed)  # (and what earlier tests left: their rows were rolled back)
    assert kept not in removed
    assert media_left([kept])
