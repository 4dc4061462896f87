"""Quotas: storage per account, sessions per day, sign-ups per client address, and the clean-up
of answers that were never finished. Each refusal says why and creates nothing."""

import hashlib
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.accounts.tasks import purge_expired
from app.config import Settings
from app.errors import PayloadTooLarge
from app.interviews import service, takes, uploads
from app.interviews.tasks import abandon_stale_takes_job
from app.media.storage import get_storage
from app.models import (
    AnswerMode,
    InterviewSession,
    SessionKind,
    SignupRecord,
    Take,
    TakeState,
    UploadChunk,
    User,
)
from app.models.base import utcnow
from tests.factories import consenting_candidate, local_storage, post_form, publish_question, sign_in

WEBM = b"\x1a\x45\xdf\xa3"  # enough of a signature for a first chunk
SINGLE = service.SessionRequest(SessionKind.single, AnswerMode.video, question="drift-manual-edit")


@pytest.fixture
def candidate(db: Session) -> User:
    publish_question(db, "drift-manual-edit")
    return consenting_candidate(db)


def recording_take(db: Session, user: User, settings: Settings) -> Take:
    interview = service.start_session(db, user, SINGLE, settings, utcnow())
    take = takes.begin_take(db, user, service.get_session(db, user, interview.id), 1, utcnow())
    takes.start_answer(take, utcnow())
    return takes.get_take(db, user, take.id)


def send(db: Session, settings: Settings, take: Take, seq: int, size: int) -> list[int]:
    data = (WEBM if seq == 0 else b"") + bytes(size - (4 if seq == 0 else 0))
    sha = hashlib.sha256(data).hexdigest()
    return uploads.receive_chunk(db, get_storage(), settings, take, seq, data, sha)


def chunk_files(take: Take) -> list[str]:
    folder = local_storage().root / "takes" / take.media_key / "chunks"
    return sorted(p.name for p in folder.glob("*.part")) if folder.exists() else []


def test_recordings_past_the_account_quota_are_refused_and_nothing_is_stored(
    db: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch, candidate: User
) -> None:
    monkeypatch.setattr(settings, "storage_quota_mb", 1)
    first = recording_take(db, candidate, settings)
    send(db, settings, first, 0, 600 * 1024)
    second = recording_take(db, candidate, settings)  # another session: the quota is per account
    with pytest.raises(
        PayloadTooLarge, match=r"use 1 MB of the 1 MB each account may keep\. Delete a session"
    ):
        send(db, settings, second, 0, 600 * 1024)
    assert chunk_files(second) == []
    assert second.chunks == []
    assert (
        db.scalar(select(func.count()).select_from(UploadChunk).where(UploadChunk.take_id == second.id)) == 0
    )
    assert uploads.storage_used(db, candidate.id) == 600 * 1024
    service.delete_session(db, get_storage(), candidate, first.session_question.session_id)
    db.commit()
    db.expunge_all()
    assert send(db, settings, takes.get_take(db, candidate, second.id), 0, 600 * 1024) == [0]  # made room


def test_a_candidate_cannot_start_more_sessions_a_day_than_allowed(
    client: TestClient, db: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch, candidate: User
) -> None:
    monkeypatch.setattr(settings, "sessions_per_day", 2)
    sign_in(client, candidate)
    form = {"kind": "single", "mode": "typed", "question": "drift-manual-edit"}
    assert [post_form(client, "/sessions", form).status_code for _ in range(2)] == [303, 303]
    refused = post_form(client, "/sessions", form)
    assert refused.status_code == 429
    assert "You have started 2 sessions in the last 24 hours, the most allowed." in refused.text
    count = select(func.count()).select_from(InterviewSession).where(InterviewSession.user_id == candidate.id)
    assert db.scalar(count) == 2
    tomorrow = utcnow() + timedelta(days=1, minutes=1)
    assert service.start_session(db, candidate, SINGLE, settings, tomorrow).id  # the window moves on


def test_sign_ups_from_one_address_are_limited_per_hour(
    client: TestClient, db: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "signups_per_address_per_hour", 2)

    def sign_up(number: int) -> int:
        client.cookies.clear()
        form = {"email": f"new{number}@example.com", "display_name": "New", "password": "a long passphrase"}
        response = post_form(client, "/signup", form)
        assert (
            response.status_code != 429 or "Too many accounts were created from your network" in response.text
        )
        return response.status_code

    assert [sign_up(n) for n in range(3)] == [303, 303, 429]
    assert db.scalar(select(func.count()).select_from(User).where(User.email == "new2@example.com")) == 0
    assert db.scalar(select(func.count()).select_from(SignupRecord)) == 2
    db.execute(update(SignupRecord).values(created_at=utcnow() - timedelta(hours=2)))
    db.commit()
    purge_expired()
    assert db.scalar(select(func.count()).select_from(SignupRecord)) == 0
    assert sign_up(3) == 303  # an hour later the address may sign up again


def test_answers_never_finished_are_cleaned_up_and_the_candidate_sees_why(
    client: TestClient, db: Session, settings: Settings, candidate: User
) -> None:
    stale, fresh = recording_take(db, candidate, settings), recording_take(db, candidate, settings)
    session_id = stale.session_question.session_id
    for take in (stale, fresh):
        send(db, settings, take, 0, 1000)
    stale.prep_started_at = utcnow() - timedelta(hours=settings.abandoned_take_hours, minutes=1)
    db.commit()
    abandon_stale_takes_job.call_local()
    db.expire_all()
    assert (db.get(Take, stale.id).state, db.get(Take, fresh.id).state) == (  # type: ignore[union-attr]
        TakeState.expired,
        TakeState.recording,
    )
    assert chunk_files(stale) == []
    assert chunk_files(fresh) == ["000000.part"]
    assert uploads.storage_used(db, candidate.id) == 1000  # the space is free again
    sign_in(client, candidate)
    page = client.get(f"/sessions/{session_id}")
    assert (
        "Take 1: This answer was never finished, so what was uploaded of it was deleted after 24 hours."
        in (page.text)
    )
    interview = service.get_session(db, candidate, session_id)
    again = takes.begin_take(db, candidate, interview, 1, utcnow(), retake=True)
    assert again.id != stale.id
    assert again.number == 2
    assert again.state == TakeState.preparing
