"""The hiring pages as people use them, through the app: a reviewer creates an assessment and
invites candidates (one, a pasted list, a CSV file; by email through a real SMTP server); a
candidate follows the link, signs up, accepts the terms, answers and submits."""

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import get_settings
from app.hiring import service
from app.hiring.invitations import Candidate
from app.jobs.queue import huey
from app.models import AnswerMode, Assessment, InterviewSession, Invitation, InvitationStatus, Role, User
from app.models.base import utcnow
from tests.factories import PASSWORD, create_user, csrf_token, post_form, sign_in
from tests.hiring.conftest import live_assessment
from tests.mailserver import MailServer, smtp_server

LINK = re.compile(r"https?://[^/\s\"]+/invite/([\w-]+)")


def invitations(db: Session) -> list[Invitation]:
    db.expire_all()
    return list(db.scalars(select(Invitation).order_by(Invitation.id)))


def link_on(page: str) -> str:
    found = LINK.search(page)
    assert found, "no invitation link on the page"
    return found.group(1)


def form_for(deadline_days: int = 20, **changes: str | list[str]) -> dict[str, str | list[str]]:
    return {
        "title": "Platform engineer, GitOps",
        "role": "Platform engineer",
        "level": "senior",
        "instructions": "Answer as you would **in a real interview**.",
        "question": ["drift-manual-edit"],
        "draw_count": "1",
        "draw_competency": "",
        "draw_difficulty": "",
        "answer_seconds": "90",
        "retakes_allowed": "1",
        "mode": ["typed", "video"],
        "deadline_local": f"{utcnow() + timedelta(days=deadline_days):%Y-%m-%dT%H:%M}",
        "time_zone": "Europe/Berlin",
        "retention_days": "180",
        "ai_scoring": "yes",
        **changes,
    }


@pytest.mark.usefixtures("bank")
def test_a_reviewer_creates_an_assessment_with_picked_and_drawn_questions(
    client: TestClient, db: Session
) -> None:
    reviewer = create_user(db, Role.reviewer)
    db.commit()
    sign_in(client, reviewer)
    assert "Hiring" in client.get("/").text  # the nav link
    created = client.post(
        "/hiring/assessments", data={"csrf_token": csrf_token(client), **form_for()}, follow_redirects=False
    )
    assert created.status_code == 303
    page = client.get(created.headers["location"])
    assert "Assessment created" in page.text
    assert "Platform engineer, GitOps" in page.text
    assert "<strong>in a real interview</strong>" in page.text
    db.expire_all()
    assessment = db.scalars(select(Assessment)).one()
    assert (assessment.retakes_allowed, assessment.retention_days, assessment.ai_scoring) == (1, 180, True)
    assert assessment.allow_typed
    assert assessment.allow_video
    assert not assessment.allow_audio
    assert page.text.count("90 s to answer") == 2  # one picked, one drawn
    assert "Your assessments" in client.get("/hiring").text


@pytest.mark.usefixtures("bank")
def test_a_bad_form_is_shown_again_with_the_problem_and_creates_nothing(
    client: TestClient, db: Session
) -> None:
    reviewer = create_user(db, Role.reviewer)
    db.commit()
    sign_in(client, reviewer)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"mode": []}, "answer_modes"),
        ({"time_zone": "Mars/Olympus"}, "is not a time zone"),
        ({"draw_count": "5"}, "Only 1 more published questions"),
        ({"deadline_local": f"{utcnow() + timedelta(days=400):%Y-%m-%dT%H:%M}"}, "at most a year"),
    ]
    for changes, problem in cases:
        response = client.post(
            "/hiring/assessments", data={"csrf_token": csrf_token(client), **form_for(**changes)}
        )
        assert response.status_code == 422
        assert problem in response.text
        assert 'value="Platform engineer, GitOps"' in response.text  # what was typed is kept
    assert db.scalar(select(func.count()).select_from(Assessment)) == 0


@pytest.mark.usefixtures("bank")
def test_inviting_one_candidate_shows_the_link_to_copy(client: TestClient, db: Session) -> None:
    assessment = live_assessment(db)
    owner = db.get_one(User, assessment.owner_id)
    db.commit()
    sign_in(client, owner)
    page = post_form(
        client,
        f"/hiring/assessments/{assessment.id}/invitations",
        {"name": "Ana Lima", "email": "Ana@Example.com"},
    )
    assert page.status_code == 200
    assert "Copy each link" in page.text
    token = link_on(page.text)
    assert f"http://testserver/invite/{token}" in page.text  # where the reviewer reached the app
    [invitation] = invitations(db)
    assert invitation.email == "ana@example.com"
    assert invitation.token_hash != token
    listing = client.get(f"/hiring/assessments/{assessment.id}").text
    assert "Ana Lima" in listing
    assert "invited" in listing
    assert f'href="/hiring/assessments/{assessment.id}/candidates/{invitation.id}"' in listing  # Review link
    assert f'href="/hiring/assessments/{assessment.id}/agreement"' in listing
    assert "export.csv" in listing


@pytest.mark.usefixtures("bank")
def test_a_list_with_bad_lines_imports_nothing_and_names_every_bad_line(
    client: TestClient, db: Session
) -> None:
    assessment = live_assessment(db)
    db.commit()
    sign_in(client, db.get_one(User, assessment.owner_id))
    text = "name,email\nAna Lima,ana@example.com\nBo Berg,not-an-email\n,cy@example.com\n"
    response = post_form(client, f"/hiring/assessments/{assessment.id}/invitations/list", {"text": text})
    assert response.status_code == 422
    assert "Nothing was imported" in response.text
    assert "Line 3:" in response.text
    assert "Line 4: the name is empty" in response.text
    assert "Bo Berg,not-an-email" in response.text  # the list is kept to fix
    assert invitations(db) == []


@pytest.mark.usefixtures("bank")
def test_an_uploaded_csv_invites_everyone_on_it(client: TestClient, db: Session) -> None:
    assessment = live_assessment(db)
    db.commit()
    sign_in(client, db.get_one(User, assessment.owner_id))
    csv = "\ufeffemail,name\r\nana@example.com,Ana Lima\r\nbo@example.com,Bo Berg\r\nana@example.com,Ana again\r\n"
    response = client.post(
        f"/hiring/assessments/{assessment.id}/invitations/list",
        data={"csrf_token": csrf_token(client), "text": ""},
        files={"file": ("candidates.csv", csv.encode(), "text/csv")},
    )
    assert response.status_code == 200
    assert len(LINK.findall(response.text)) == 2
    assert "left out: 4" in response.text
    assert [(i.name, i.email) for i in invitations(db)] == [
        ("Ana Lima", "ana@example.com"),
        ("Bo Berg", "bo@example.com"),
    ]


@pytest.fixture
def mail_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[MailServer]:
    """COACH_SMTP_URL pointing at a real SMTP server on 127.0.0.1, for the app and its jobs."""
    with smtp_server() as server:
        monkeypatch.setenv("COACH_SMTP_URL", f"smtp://127.0.0.1:{server.port}")
        monkeypatch.setenv("COACH_PUBLIC_URL", "https://coach.example")
        get_settings.cache_clear()
        huey.flush()
        try:
            yield server
        finally:
            huey.flush()
            monkeypatch.undo()
            get_settings.cache_clear()


@pytest.mark.usefixtures("bank")
def test_with_a_mail_server_each_invitation_is_emailed_once_committed(
    client: TestClient, db: Session, mail_server: MailServer
) -> None:
    assessment = live_assessment(db)
    db.commit()
    sign_in(client, db.get_one(User, assessment.owner_id))
    page = post_form(
        client,
        f"/hiring/assessments/{assessment.id}/invitations",
        {"name": "Ana Lima", "email": "ana@example.com"},
    )
    assert "will be emailed" in page.text
    assert not LINK.search(page.text)
    [task] = huey.pending()
    huey.execute(task)
    assert mail_server.recipients == [["ana@example.com"]]
    body = mail_server.messages[0].get_content()
    token = link_on(body)
    assert f"https://coach.example/invite/{token}" in body  # COACH_PUBLIC_URL
    candidate = create_user(db)
    db.expire_all()
    assert service.claim_invitation(db, token, candidate, utcnow()).id == invitations(db)[0].id
    assert invitations(db)[0].emailed_at is not None


@pytest.mark.usefixtures("bank")
def test_an_invited_candidate_signs_up_through_the_link_answers_and_submits(
    client: TestClient, db: Session
) -> None:
    assessment = live_assessment(db, answer_seconds=120, retakes_allowed=0)
    owner = db.get_one(User, assessment.owner_id)
    issued = service.invite(db, owner, assessment.id, [Candidate("Ana Lima", "ana@example.com")], utcnow())
    token = issued.issued[0].token
    invitation_id = issued.issued[0].invitation.id
    db.commit()

    landing = client.get(f"/invite/{token}")
    assert landing.status_code == 200
    assert "Create an account" in landing.text
    signed_up = post_form(
        client,
        "/signup",
        {
            "email": "ana@example.com",
            "display_name": "Ana Lima",
            "password": PASSWORD,
            "next": f"/invite/{token}",
        },
    )
    assert signed_up.headers["location"].startswith(f"/invite/{token}")
    assert "Continue as Ana Lima" in client.get(f"/invite/{token}").text
    claimed = post_form(client, f"/invite/{token}")
    assert claimed.headers["location"] == f"/interview/{invitation_id}"
    terms = client.get(f"/interview/{invitation_id}").text
    assert "Who sees your recordings" in terms
    assert "decline automatic scoring" in terms
    assert "kept for 365 days" in terms
    assert "A person makes every decision" in terms

    post_form(client, f"/interview/{invitation_id}/consent", {"agree": "yes", "ai_scoring": "decline"})
    rules = client.get(f"/interview/{invitation_id}").text
    assert "declined: only people score you" in rules
    assert "120 s to answer" in rules
    started = post_form(client, f"/interview/{invitation_id}/start", {"mode": "typed"})
    question_url = started.headers["location"]
    session_id = int(question_url.split("/")[2])
    assert question_url == f"/sessions/{session_id}/questions/1"
    assert f'href="/interview/{invitation_id}"' in client.get(question_url).text
    headers = {"X-CSRF-Token": csrf_token(client)}
    take = client.post(f"/api/sessions/{session_id}/questions/1/takes", json={}, headers=headers).json()
    assert take["answer_seconds"] == 120
    handed_in = client.post(
        f"/api/takes/{take['take_id']}/typed", json={"text": "We sync from Git."}, headers=headers
    )
    assert handed_in.json()["next_url"] == f"/sessions/{session_id}/questions/2"
    assert client.get(f"/sessions/{session_id}").status_code == 404  # no practice report of it
    status = client.get(f"/api/sessions/{session_id}/questions/1").json()
    assert status["session_url"] == f"/interview/{invitation_id}"
    assert status["finish_label"] == "Finish: review and submit your interview"

    submitted = post_form(client, f"/interview/{invitation_id}/submit")
    assert submitted.status_code == 303
    assert "Your answers were handed in" in client.get(f"/interview/{invitation_id}").text
    [invitation] = invitations(db)
    assert invitation.status == InvitationStatus.submitted
    assert invitation.declined_ai_scoring

    sign_in(client, owner)
    listing = client.get(f"/hiring/assessments/{assessment.id}").text
    assert "submitted" in listing
    assert "declined automatic scoring" in listing


@pytest.mark.usefixtures("bank")
def test_a_wrong_link_is_not_found_and_an_expired_one_is_gone(client: TestClient, db: Session) -> None:
    assessment = live_assessment(db)
    owner = db.get_one(User, assessment.owner_id)
    issued = service.invite(db, owner, assessment.id, [Candidate("Ana", "ana@example.com")], utcnow())
    issued.issued[0].invitation.expires_at = utcnow() - timedelta(minutes=1)
    candidate = create_user(db)
    db.commit()
    assert client.get("/invite/not-a-real-token").status_code == 404
    assert client.get(f"/invite/{issued.issued[0].token}").status_code == 410
    sign_in(client, candidate)
    assert post_form(client, f"/invite/{issued.issued[0].token}").status_code == 410
    assert invitations(db)[0].used_by_id is None


@pytest.mark.usefixtures("bank")
def test_a_link_used_by_one_account_is_refused_to_another(client: TestClient, db: Session) -> None:
    assessment = live_assessment(db)
    owner = db.get_one(User, assessment.owner_id)
    [issued] = service.invite(
        db, owner, assessment.id, [Candidate("Ana", "ana@example.com")], utcnow()
    ).issued
    first, second = create_user(db), create_user(db)
    db.commit()
    sign_in(client, first)
    assert post_form(client, f"/invite/{issued.token}").status_code == 303
    sign_in(client, second)
    assert client.get(f"/invite/{issued.token}").status_code == 403
    assert post_form(client, f"/invite/{issued.token}").status_code == 403
    assert client.get(f"/interview/{issued.invitation.id}").status_code == 404
    assert invitations(db)[0].used_by_id == first.id


@pytest.mark.usefixtures("bank")
def test_the_owner_extends_a_deadline_and_gives_extra_time(client: TestClient, db: Session) -> None:
    assessment = live_assessment(db)
    owner = db.get_one(User, assessment.owner_id)
    [issued] = service.invite(
        db, owner, assessment.id, [Candidate("Ana", "ana@example.com")], utcnow()
    ).issued
    db.commit()
    sign_in(client, owner)
    later = utcnow() + timedelta(days=40)
    response = post_form(
        client,
        f"/hiring/invitations/{issued.invitation.id}/accommodation",
        {"deadline_local": f"{later:%Y-%m-%dT%H:%M}", "extra_time_percent": "25"},
    )
    assert response.status_code == 303
    [invitation] = invitations(db)
    assert invitation.extra_time_percent == 25
    assert invitation.expires_at == later.replace(second=0, microsecond=0)  # the assessment's zone is UTC
    refused = post_form(
        client, f"/hiring/invitations/{issued.invitation.id}/accommodation", {"extra_time_percent": "500"}
    )
    assert refused.status_code == 422
    assert invitations(db)[0].extra_time_percent == 25


@pytest.mark.usefixtures("bank")
def test_the_candidate_changes_mode_only_on_the_interview_page_and_only_to_an_allowed_one(
    client: TestClient, db: Session
) -> None:
    assessment = live_assessment(db)  # camera or typing
    owner = db.get_one(User, assessment.owner_id)
    [issued] = service.invite(
        db, owner, assessment.id, [Candidate("Ana", "ana@example.com")], utcnow()
    ).issued
    candidate = create_user(db)
    db.commit()
    sign_in(client, candidate)
    post_form(client, f"/invite/{issued.token}")
    post_form(client, f"/interview/{issued.invitation.id}/consent", {"agree": "yes", "ai_scoring": "accept"})
    started = post_form(client, f"/interview/{issued.invitation.id}/start", {"mode": "video"})
    session_id = int(started.headers["location"].split("/")[2])
    assert started.headers["location"] == f"/sessions/{session_id}/check"
    assert f'href="/interview/{issued.invitation.id}"' in client.get(f"/sessions/{session_id}/check").text
    assert post_form(client, f"/sessions/{session_id}/mode", {"mode": "typed"}).status_code == 404
    assert post_form(client, f"/interview/{issued.invitation.id}/start", {"mode": "audio"}).status_code == 422
    switched = post_form(client, f"/interview/{issued.invitation.id}/start", {"mode": "typed"})
    assert switched.headers["location"] == f"/sessions/{session_id}/questions/1"
    db.expire_all()
    sessions = db.scalars(
        select(InterviewSession).where(InterviewSession.invitation_id == issued.invitation.id)
    )
    assert [s.mode for s in sessions] == [AnswerMode.typed]  # the same session, in the new mode
