"""Voluntary self-identification: offered once the candidate has submitted, optional, changeable
and erasable by them; bad answers are refused and change nothing; reviewers never see it; the
candidate's data download includes it."""

import io
import json
import zipfile

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import InvitationStatus, Role, SelfIdentification
from tests.factories import create_user, post_form, sign_in
from tests.hiring.answered import answered, rate_all
from tests.hiring.conftest import new_assessment


def _kept(db: Session) -> list[tuple[int, str | None, str | None]]:
    db.expire_all()
    return [(s.invitation_id, s.sex, s.race) for s in db.scalars(select(SelfIdentification))]


@pytest.mark.usefixtures("bank")
def test_a_candidate_answers_changes_and_erases_their_self_identification(
    client: TestClient, db: Session
) -> None:
    owner = create_user(db, Role.reviewer)
    assessment = new_assessment(db, owner)
    done = answered(db, assessment, "ana@example.com")
    rate_all(db, owner, done.invitation, 3)
    db.commit()
    page = f"/interview/{done.invitation.id}"

    sign_in(client, done.candidate)
    offered = client.get(page).text
    assert "Optional: two questions for fairness monitoring" in offered
    assert "the reviewers and the automatic scorer never see these answers" in offered
    assert "Native Hawaiian or Other Pacific Islander" in offered
    assert _kept(db) == []  # skipping is not answering

    saved = post_form(client, f"{page}/self-id", {"sex": "female", "race": "asian"})
    assert (saved.status_code, saved.headers["location"]) == (303, f"{page}?notice=self-id-saved")
    assert _kept(db) == [(done.invitation.id, "female", "asian")]
    assert 'id="race-asian" name="race" value="asian" checked' in client.get(page).text

    refused = post_form(client, f"{page}/self-id", {"sex": "female", "race": "martian"})
    assert refused.status_code == 422
    assert "Choose one of the listed answers for race/ethnicity" in refused.text
    assert _kept(db) == [(done.invitation.id, "female", "asian")]

    post_form(client, f"{page}/self-id", {"sex": "declined", "race": ""})
    assert _kept(db) == [(done.invitation.id, "declined", None)]
    data = json.loads(zipfile.ZipFile(io.BytesIO(client.get("/account/data.zip").content)).read("data.json"))
    [interview] = data["interviews"]
    assert interview["voluntary_self_identification"]["sex"] == "declined"

    erased = post_form(client, f"{page}/self-id/erase")
    assert erased.headers["location"] == f"{page}?notice=self-id-erased"
    assert _kept(db) == []

    post_form(client, f"{page}/self-id", {"sex": "male", "race": "white"})
    sign_in(client, owner)
    base = f"/hiring/assessments/{assessment.id}"
    for staff_page in (
        f"{base}/candidates/{done.invitation.id}",
        base,
        f"{base}/export.csv",
        f"{base}/agreement",
    ):
        shown = client.get(staff_page).text
        assert "White" not in shown
        assert "self-identification" not in shown.lower()


@pytest.mark.usefixtures("bank")
def test_the_questions_wait_until_the_interview_is_submitted(client: TestClient, db: Session) -> None:
    assessment = new_assessment(db)
    done = answered(db, assessment, "ana@example.com")
    done.invitation.status = InvitationStatus.started
    db.commit()
    sign_in(client, done.candidate)
    assert "fairness monitoring" not in client.get(f"/interview/{done.invitation.id}").text
    refused = post_form(client, f"/interview/{done.invitation.id}/self-id", {"sex": "female"})
    assert refused.status_code == 409
    assert _kept(db) == []
