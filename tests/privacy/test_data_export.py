"""Downloading one's own data: a zip of data.json and every recording, and nobody else's."""

import io
import json
import zipfile

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import get_settings
from app.interviews import service as interviews
from app.interviews import takes
from app.models import AnswerMode, SessionKind, User
from app.models.base import utcnow
from tests.factories import consenting_candidate, sign_in
from tests.hiring.conftest import bank
from tests.privacy.test_erasure import NAME, practice_recording
from tests.test_authorization import WEBM_START

__all__ = ["bank"]  # the published questions, as a fixture


def typed_answer(db: Session, user: User, text: str) -> None:
    request = interviews.SessionRequest(SessionKind.single, AnswerMode.typed, question="drift-manual-edit")
    started = interviews.start_session(db, user, request, get_settings(), utcnow())
    take = takes.begin_take(db, user, interviews.get_session(db, user, started.id), 1, utcnow())
    takes.start_answer(take, utcnow())
    takes.submit_typed(take, text, utcnow())


@pytest.mark.parametrize("media", ["files", "s3"], indirect=True)
@pytest.mark.usefixtures("bank", "media")
def test_a_candidate_downloads_everything_of_theirs_and_nothing_of_anyone_else(
    client: TestClient, db: Session
) -> None:
    person = consenting_candidate(db)
    person.display_name = NAME
    recording = practice_recording(db, person)
    typed_answer(db, person, "Argo CD compares the live state with Git.")
    stranger = consenting_candidate(db)
    typed_answer(db, stranger, "A stranger's answer about Flux.")
    db.commit()
    sign_in(client, person)

    response = client.get("/account/data.zip")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert "attachment" in response.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("data.json"))
    assert data["account"] == {**data["account"], "email": person.email, "name": NAME}
    assert data["consents"]
    assert len(data["sessions"]) == 2
    answers = [t for s in data["sessions"] for q in s["questions"] for t in q["takes"]]
    assert [t["typed_text"] for t in answers if t["mode"] == "typed"] == [
        "Argo CD compares the live state with Git."
    ]
    [video] = [t for t in answers if t["mode"] == "video"]
    assert archive.read(video["recording"]) == WEBM_START
    assert video["recording"].rsplit(".", 1)[0] + "-poster.jpg" in archive.namelist()
    assert b"stranger" not in b"".join(archive.read(name) for name in archive.namelist())
    assert recording.media_key not in json.dumps(
        data
    )  # storage keys are the server's, not data about the person
