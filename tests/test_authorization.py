"""Every route x every kind of user, checked on the server. A route missing here fails the suite,
so no new route can skip its authorization decision."""

import hashlib
from dataclasses import dataclass

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response  # what TestClient returns: starlette builds it on httpx2
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import api_tokens
from app.accounts import service as accounts
from app.config import get_settings
from app.interviews import service as interviews
from app.interviews import takes
from app.media.storage import get_storage
from app.models import AnswerMode, QuestionStatus, Role, SessionKind, User
from app.models.base import Base, utcnow
from app.paths import QUESTION_BANK_DIR
from app.questions import service
from app.questions.editor_form import form_from_content
from tests.authz import (
    ACTORS,
    LOGIN,
    Rule,
    app_routes,
    owner_action,
    owner_page,
    public,
    role_action,
    role_page,
    rule,
    signed_in_action,
    signed_in_page,
    with_input,
)
from tests.factories import PASSWORD, create_user, csrf_token, local_storage, sign_in, submit_recording

NEW_PASSWORD = "another long passphrase"
WEBM_START = b"\x1a\x45\xdf\xa3" + bytes(200)  # the EBML magic number, then padding
API_OWNER_GET = Rule({a: 401 if a == "anonymous" else 200 if a == "candidate" else 404 for a in ACTORS})
QUESTION = yaml.safe_load((QUESTION_BANK_DIR / "questions" / "sync-interval.yaml").read_text())
NEW_QUESTION_FORM = form_from_content({**QUESTION, "id": "matrix-new-question"})
EDITED_QUESTION_FORM = form_from_content({**QUESTION, "title": "Edited by the matrix test"})

# (method, path) -> rule. Path parameters are filled from the World below.
MATRIX: dict[tuple[str, str], Rule] = {
    ("GET", "/"): public(),
    ("GET", "/healthz"): public(),
    ("GET", "/readyz"): public(),
    ("GET", "/metrics"): public(),  # unless COACH_METRICS_TOKEN is set (tests/ops/test_metrics.py)
    ("GET", "/static/{path}"): public(),
    ("GET", "/signup"): rule(303, anonymous=200),
    ("POST", "/signup"): public(
        303, form={"email": "{new_email}", "display_name": "New", "password": PASSWORD}
    ),
    ("GET", "/login"): rule(303, anonymous=200),
    ("POST", "/login"): public(303, form={"email": "{candidate_email}", "password": PASSWORD}),
    ("POST", "/logout"): public(303),
    ("GET", "/account"): signed_in_page(),
    ("POST", "/account/password"): signed_in_action(
        form={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    ),
    ("GET", "/admin/users"): role_page(),
    ("POST", "/admin/users/{user_id}/role"): role_action(form={"role": "reviewer"}),
    ("POST", "/admin/users/{user_id}/disable"): role_action(),
    ("POST", "/admin/users/{user_id}/enable"): role_action(),
    ("POST", "/admin/users/{user_id}/reset-link"): role_action(status=200),
    ("POST", "/admin/users/{user_id}/erase"): role_action(form={"confirm_email": "{candidate_email}"}),
    # the installation's audit record and adverse-impact report: admins only
    ("GET", "/admin/audit"): role_page(),
    ("GET", "/admin/audit.csv"): role_page(),
    ("GET", "/admin/impact"): role_page(),
    ("GET", "/admin/impact.csv"): role_page(),
    # everyone may erase their own account, except the only admin (make another admin first)
    ("GET", "/account/data.zip"): signed_in_page(),
    ("POST", "/account/tokens"): signed_in_action(
        200, {"name": "ATS"}, candidate=403, other_candidate=403, editor=403
    ),
    ("POST", "/account/tokens/{api_token_id}/revoke"): Rule(
        {
            "anonymous": 401,
            "candidate": 404,
            "other_candidate": 404,
            "reviewer": 303,
            "editor": 404,
            "admin": 404,
        }
    ),
    # the JSON API takes a personal access token, never the browser's session
    ("GET", "/api/v1/assessments"): rule(401),
    ("GET", "/api/v1/assessments/{assessment_id}/candidates"): rule(401),
    ("POST", "/account/erase"): signed_in_action(303, form={"confirm_email": "{own_email}"}, admin=403),
    # a password-reset link: whoever holds the token (it is the credential), signed in or not
    ("GET", "/reset/{token}"): public(),
    ("POST", "/reset/{token}"): public(303, form={"new_password": NEW_PASSWORD}),
    # question bank: editors (and admins) only
    ("GET", "/editor/questions"): role_page("editor"),
    ("GET", "/editor/questions/new"): role_page("editor"),
    ("POST", "/editor/questions"): role_action("editor", form=NEW_QUESTION_FORM),
    ("GET", "/editor/questions/{slug}"): role_page("editor"),
    ("POST", "/editor/questions/{slug}"): role_action("editor", form=EDITED_QUESTION_FORM),
    ("POST", "/editor/questions/{slug}/status"): role_action("editor", form={"status": "draft"}),
    ("POST", "/editor/questions/{slug}/retire"): role_action("editor"),
    ("POST", "/editor/questions/{slug}/restore"): role_action("editor"),
    ("GET", "/editor/questions/{slug}/versions"): role_page("editor"),
    ("GET", "/editor/questions/{slug}/diff"): with_input(role_page("editor"), query="from=1&to=1"),
    ("POST", "/editor/preview"): with_input(role_action("editor", status=200), json={"text": "*hi*"}),
    # question browser: every signed-in user
    ("GET", "/questions"): signed_in_page(),
    ("GET", "/questions/{slug}"): signed_in_page(),
    # interviews: every signed-in user may practise; sessions and answers belong to their owner
    ("GET", "/consent"): signed_in_page(),
    ("POST", "/consent"): signed_in_action(form={"agree": "yes", "next": "/practice"}),
    ("GET", "/practice"): signed_in_page(),
    ("POST", "/sessions"): signed_in_action(
        form={"kind": "single", "mode": "typed", "question": "sync-interval"}
    ),
    ("GET", "/sessions"): signed_in_page(),
    ("GET", "/sessions/{session_id}"): owner_page(),
    ("GET", "/sessions/{session_id}/check"): owner_page(),
    ("POST", "/sessions/{session_id}/mode"): owner_action(409, form={"mode": "typed"}),
    ("POST", "/sessions/{session_id}/delete"): owner_action(),
    ("GET", "/sessions/{session_id}/questions/{position}"): owner_page(),
    ("POST", "/sessions/{session_id}/questions/{position}/choose"): owner_action(
        form={"take_id": "{finished_take_id}"}
    ),
    ("POST", "/api/sessions/{session_id}/questions/{position}/takes"): owner_action(200, json={}),
    ("GET", "/api/takes/{take_id}"): API_OWNER_GET,
    ("POST", "/api/takes/{take_id}/start"): owner_action(200, json={}),
    ("GET", "/api/sessions/{session_id}/questions/{position}"): API_OWNER_GET,
    ("POST", "/api/sessions/{session_id}/questions/{position}/skip"): owner_action(409, json={}),
    ("POST", "/api/sessions/{session_id}/questions/{position}/keep"): owner_action(
        200, json={"take_id": "{finished_take_id}"}
    ),
    ("PUT", "/api/takes/{take_id}/chunks/{seq}"): owner_action(200, raw=WEBM_START),
    ("POST", "/api/takes/{take_id}/stop"): owner_action(200, json={}),
    ("POST", "/api/takes/{take_id}/finish"): owner_action(
        409, json={"chunks": 1, "media_type": "video/webm"}
    ),
    ("POST", "/api/takes/{take_id}/typed"): owner_action(409, json={"text": "typed"}),
    ("GET", "/media/takes/{take_id}"): owner_page(),
    ("GET", "/media/takes/{take_id}/poster"): owner_page(),
    ("POST", "/sessions/{session_id}/answers/{take_id}/transcript"): owner_action(
        409, form={"text": "corrected"}
    ),
    ("POST", "/sessions/{session_id}/answers/{take_id}/retry"): owner_action(409),
    # reports: the candidate's own
    ("GET", "/sessions/{session_id}/answers/{take_id}"): owner_page(),
    ("GET", "/sessions/{session_id}/report"): owner_page(),
    ("GET", "/api/sessions/{session_id}/status"): API_OWNER_GET,
    ("GET", "/progress"): signed_in_page(),
}


@dataclass
class World:
    users: dict[str, User]
    session_id: int
    finished_take_id: int
    recording_take_id: int
    reset_token: str
    api_token_id: int  # the reviewer's

    def fill(self, text: str, actor: str, path: str = "") -> str:
        candidate = self.users["candidate"]
        media = path.startswith(("/media/", "/sessions/{session_id}/answers/"))
        return text.format(
            user_id=candidate.id,
            slug=QUESTION["id"],
            session_id=self.session_id,
            position=1,
            take_id=self.finished_take_id if media else self.recording_take_id,
            finished_take_id=self.finished_take_id,
            token=self.reset_token,
            api_token_id=self.api_token_id,
            assessment_id=1,
            seq=0,
            path="app.css",
            candidate_email=candidate.email,
            new_email=f"new-{actor}@example.com",
            own_email=self.users[actor].email if actor in self.users else "nobody@example.com",
        )


REFUSED = (LOGIN, 401, 403, 404)
HIRING_PREFIXES = (
    "/hiring",
    "/invite",
    "/interview",
    "/join",
    "/share",
)  # tests/hiring/test_routes_authorization.py


def fingerprint(db: Session) -> tuple[object, ...]:
    """Every row of every table and every media file (name and size): what a refused request
    must leave exactly as it was."""
    db.expire_all()
    rows = tuple(
        tuple(sorted(map(repr, db.execute(select(table)).all()))) for table in Base.metadata.sorted_tables
    )
    files = tuple(sorted((str(p), p.stat().st_size) for p in local_storage().root.rglob("*") if p.is_file()))
    return rows, files


@pytest.fixture
def world(db: Session) -> World:
    roles = {
        "candidate": Role.candidate,
        "other_candidate": Role.candidate,
        "reviewer": Role.reviewer,
        "editor": Role.editor,
        "admin": Role.admin,
    }
    users = {actor: create_user(db, role) for actor, role in roles.items()}
    question = service.create_question(db, QUESTION, users["editor"])
    service.set_status(db, question.slug, QuestionStatus.published)
    for user in users.values():
        interviews.give_consent(db, user, utcnow())
    token = accounts.issue_reset_link(db, user_id=users["candidate"].id, by=users["admin"], now=utcnow())
    api_token, _ = api_tokens.create(db, users["reviewer"], "ATS", utcnow())
    return World(users, *_candidate_session(db, users["candidate"]), token, api_token.id)


def _candidate_session(db: Session, user: User) -> tuple[int, int, int]:
    """A single-question video session with one finished take and a second one recording."""
    request = interviews.SessionRequest(SessionKind.single, AnswerMode.video, question=QUESTION["id"])
    interview = interviews.get_session(
        db, user, interviews.start_session(db, user, request, get_settings(), utcnow()).id
    )
    finished = submit_recording(db, user, interview, 1, WEBM_START)
    get_storage().write_poster(finished.media_key, b"\xff\xd8\xff\xe0 a poster frame")
    recording = takes.begin_take(db, user, interview, 1, utcnow(), retake=True)
    takes.start_answer(recording, utcnow())
    db.flush()
    return interview.id, finished.id, recording.id


def signed_in_as(client: TestClient, db: Session, user: User | None) -> tuple[object, ...]:
    """Sign in (None: stay anonymous) and commit the world, so the fingerprint sees what the app sees."""
    if user is not None:
        sign_in(client, user)
    db.commit()
    return fingerprint(db)


def assert_outcome(response: Response, expected: int | str, db: Session, before: tuple[object, ...]) -> None:
    """The status the matrix expects (or the sign-in redirect); a refused request changed nothing."""
    if expected == LOGIN:
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")
    else:
        assert response.status_code == expected, response.text[:500]
    if expected in REFUSED:
        assert fingerprint(db) == before, "a refused request changed rows or files"


def test_every_route_has_a_row_in_the_matrix(app: FastAPI) -> None:
    """Hiring routes have their own matrices, with the actors an assessment knows: the hiring
    pages' (tests/hiring/test_routes_authorization.py) and the review pages' (test_review_authorization.py)."""
    from tests.hiring.test_review_authorization import REVIEW_MATRIX  # it imports this module

    served = {route for route in app_routes(app) if not route[1].startswith(HIRING_PREFIXES)}
    ruled = MATRIX.keys() | {route for route in REVIEW_MATRIX if not route[1].startswith(HIRING_PREFIXES)}
    assert served - ruled == set(), "routes without an authorization rule"
    assert ruled - served == set(), "rules for routes that no longer exist"


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
def test_route_answers_each_actor_as_the_matrix_says(
    client: TestClient, db: Session, world: World, method: str, path: str, actor: str
) -> None:
    expected_rule = MATRIX[(method, path)]
    before = signed_in_as(client, db, world.users.get(actor))
    url = world.fill(path, actor, path) + (f"?{expected_rule.query}" if expected_rule.query else "")
    if method == "GET":
        response = client.get(url, follow_redirects=False)
    elif expected_rule.raw is not None:
        checksum = hashlib.sha256(expected_rule.raw).hexdigest()
        headers = {"X-CSRF-Token": csrf_token(client), "X-Chunk-SHA256": checksum}
        response = client.request(
            method, url, content=expected_rule.raw, headers=headers, follow_redirects=False
        )
    elif expected_rule.json is not None:
        headers = {"X-CSRF-Token": csrf_token(client)}
        body = {
            k: world.fill(v, actor, path) if isinstance(v, str) else v for k, v in expected_rule.json.items()
        }
        response = client.request(method, url, json=body, headers=headers, follow_redirects=False)
    else:
        form = {key: world.fill(value, actor, path) for key, value in expected_rule.form.items()}
        response = client.request(
            method, url, data={"csrf_token": csrf_token(client), **form}, follow_redirects=False
        )
    assert_outcome(response, expected_rule.outcomes[actor], db, before)


def test_one_owners_ids_never_reach_anothers_objects(client: TestClient, db: Session, world: World) -> None:
    """Cross-object: the candidate's own session with another candidate's take; nothing changes."""
    other = world.users["other_candidate"]
    _, others_take, others_recording = _candidate_session(db, other)
    db.commit()
    sign_in(client, world.users["candidate"])
    before = fingerprint(db)
    own = world.session_id
    token = {"csrf_token": csrf_token(client)}
    attempts = [
        client.post(f"/sessions/{own}/questions/1/choose", data={**token, "take_id": str(others_take)}),
        client.post(f"/sessions/{own}/answers/{others_take}/transcript", data={**token, "text": "mine now"}),
        client.post(f"/sessions/{own}/answers/{others_take}/retry", data=token),
        client.get(f"/sessions/{own}/answers/{others_take}"),
        client.put(
            f"/api/takes/{others_recording}/chunks/1",
            content=WEBM_START,
            headers={
                "X-CSRF-Token": token["csrf_token"],
                "X-Chunk-SHA256": hashlib.sha256(WEBM_START).hexdigest(),
            },
        ),
    ]
    assert [response.status_code for response in attempts] == [404] * len(attempts)
    assert fingerprint(db) == before


def test_the_owner_rows_that_expect_409_succeed_on_a_fresh_session(
    client: TestClient, db: Session, world: World
) -> None:
    """The matrix's owner gets 409 for mode (the session has takes); on a fresh one it works."""
    user = world.users["candidate"]
    request = interviews.SessionRequest(SessionKind.single, AnswerMode.video, question=QUESTION["id"])
    fresh = interviews.start_session(db, user, request, get_settings(), utcnow()).id
    db.commit()
    sign_in(client, user)
    changed = client.post(
        f"/sessions/{fresh}/mode",
        data={"csrf_token": csrf_token(client), "mode": "typed"},
        follow_redirects=False,
    )
    assert changed.status_code == 303
    db.expire_all()
    assert interviews.get_session(db, user, fresh).mode == AnswerMode.typed
