"""The hiring routes x everyone who might ask: the assessment's owner, a reviewer the owner added,
a reviewer of another assessment, the invited candidate, another candidate, an editor, an admin
and anonymous. A refused request must leave every row and file as it was. Every route under
/hiring, /invite and /interview needs a row here (the main matrix leaves them to this one)."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.hiring import candidates, public_link, service, webhooks
from app.hiring.invitations import Candidate, issue_token
from app.models import Role, ShareLink, User
from app.models.base import utcnow
from tests.authz import app_routes
from tests.factories import create_user, csrf_token
from tests.hiring.conftest import live_assessment
from tests.test_authorization import HIRING_PREFIXES, assert_outcome, signed_in_as

ACTORS = (
    "anonymous",
    "owner",
    "member",
    "other_reviewer",
    "invited",
    "other_candidate",
    "editor",
    "admin",
)
LOGIN = "login"
STAFF = ("owner", "member", "other_reviewer", "admin")
NEW_ASSESSMENT = {
    "title": "Matrix assessment",
    "role": "Platform engineer",
    "level": "mid",
    "question": "sync-interval",
    "mode": "typed",
    "deadline_local": f"{utcnow() + timedelta(days=30):%Y-%m-%dT%H:%M}",
    "time_zone": "UTC",
    "retention_days": "365",
}


@dataclass(frozen=True)
class Rule:
    outcomes: dict[str, int | str]
    form: dict[str, str]


def rule(default: int | str, form: dict[str, str] | None = None, **overrides: int | str) -> Rule:
    return Rule({actor: overrides.get(actor, default) for actor in ACTORS}, form or {})


def reviewer_page() -> Rule:
    """Any reviewer or admin: their own list, the form for a new assessment."""
    return rule(403, None, anonymous=LOGIN, **dict.fromkeys(STAFF, 200))


def assessment_action(status: int, form: dict[str, str] | None = None, **overrides: int | str) -> Rule:
    """The assessment's own people; the others are told it does not exist."""
    return rule(404, form, anonymous=401, owner=status, **overrides)


def candidate_action(status: int, form: dict[str, str] | None = None) -> Rule:
    return rule(404, form, anonymous=401, invited=status)


MATRIX: dict[tuple[str, str], Rule] = {
    ("GET", "/hiring"): reviewer_page(),
    ("GET", "/hiring/assessments/new"): reviewer_page(),
    ("POST", "/hiring/assessments"): rule(403, NEW_ASSESSMENT, anonymous=401, **dict.fromkeys(STAFF, 303)),
    ("GET", "/hiring/assessments/{assessment_id}"): rule(
        404, anonymous=LOGIN, owner=200, member=200, admin=200
    ),
    ("POST", "/hiring/assessments/{assessment_id}/members"): assessment_action(
        303, {"member_id": "{free_reviewer_id}"}, member=403, admin=303
    ),
    ("POST", "/hiring/assessments/{assessment_id}/invitations"): assessment_action(
        200, {"name": "New Person", "email": "new.person@example.com"}, member=403, admin=403
    ),
    ("POST", "/hiring/assessments/{assessment_id}/invitations/list"): assessment_action(
        200, {"text": "New Person,new.person@example.com"}, member=403, admin=403
    ),
    ("POST", "/hiring/invitations/{invitation_id}/accommodation"): assessment_action(
        303, {"extra_time_percent": "25"}, member=403, admin=403
    ),
    ("POST", "/hiring/invitations/{invitation_id}/link"): assessment_action(200, member=403, admin=403),
    # the link is the credential: anyone may look; any account may take an unused one
    ("GET", "/invite/{token}"): rule(200),
    ("POST", "/invite/{token}"): rule(303, anonymous=401),
    ("GET", "/interview/{invitation_id}"): rule(404, anonymous=LOGIN, invited=200),
    ("POST", "/interview/{invitation_id}/consent"): candidate_action(
        303, {"agree": "yes", "ai_scoring": "decline"}
    ),
    ("POST", "/interview/{invitation_id}/start"): candidate_action(303, {"mode": "typed"}),
    ("POST", "/interview/{invitation_id}/submit"): candidate_action(409),  # nothing answered yet
    ("POST", "/hiring/assessments/{assessment_id}/public-link"): assessment_action(
        200, {"cap": "5"}, member=403, admin=403
    ),
    ("POST", "/hiring/assessments/{assessment_id}/public-link/close"): assessment_action(
        303, member=403, admin=403
    ),
    ("GET", "/hiring/assessments/{assessment_id}/audit"): rule(
        404, anonymous=LOGIN, owner=200, member=403, admin=200
    ),
    ("GET", "/hiring/assessments/{assessment_id}/audit.csv"): rule(
        404, anonymous=LOGIN, owner=200, member=403, admin=200
    ),
    ("GET", "/hiring/assessments/{assessment_id}/candidates/{invitation_id}/audit"): rule(
        404, anonymous=LOGIN, owner=200, member=403, admin=200
    ),
    ("POST", "/interview/{invitation_id}/erase"): candidate_action(303),
    # the voluntary questions come after submitting: the invited candidate has not submitted yet
    ("POST", "/interview/{invitation_id}/self-id"): candidate_action(409, {"sex": "female", "race": "asian"}),
    ("POST", "/interview/{invitation_id}/self-id/erase"): candidate_action(409),
    # counts per group, never a person: the owner and admins, not the reviewers the owner added
    ("GET", "/hiring/assessments/{assessment_id}/impact"): rule(
        404, anonymous=LOGIN, owner=200, member=403, admin=200
    ),
    ("GET", "/hiring/assessments/{assessment_id}/impact.csv"): rule(
        404, anonymous=LOGIN, owner=200, member=403, admin=200
    ),
    ("POST", "/hiring/invitations/{invitation_id}/erase"): assessment_action(
        303, {"confirm_email": "ana@example.com"}, member=403, admin=303
    ),
    ("POST", "/hiring/assessments/{assessment_id}/webhooks"): assessment_action(
        200, {"url": "https://ats.example.com/hooks", "event": "candidate.submitted"}, member=403, admin=403
    ),
    ("GET", "/hiring/webhooks/{webhook_id}"): rule(404, anonymous=LOGIN, owner=200, member=403, admin=403),
    ("POST", "/hiring/webhooks/{webhook_id}/delete"): assessment_action(303, member=403, admin=403),
    # sharing needs a submitted interview: the owner passes the check and is told so
    ("POST", "/hiring/invitations/{invitation_id}/share"): assessment_action(
        422, {"question": "1", "days": "7"}, member=403, admin=403
    ),
    ("POST", "/hiring/share-links/{share_link_id}/revoke"): assessment_action(303, member=403, admin=403),
    # a share link is the credential: anyone who has it sees the packet, and nothing outside it
    ("GET", "/share/{share_token}"): rule(200),
    ("GET", "/share/{share_token}/answers/{take_id}/recording"): rule(404),
    # a public link is a credential too: anyone may look; any account may join while places are left
    ("GET", "/join/{token}"): rule(200),
    ("POST", "/join/{token}"): rule(303, anonymous=401),
}


@dataclass
class World:
    users: dict[str, User]
    assessment_id: int
    invitation_id: int  # claimed by "invited", terms accepted
    open_invitation_id: int  # not opened by anyone yet (a new link is made for this one)
    token: str  # its link
    free_reviewer_id: int
    public_token: str  # the assessment's public link
    webhook_id: int
    share_link_id: int
    share_token: str

    def fill(self, text: str, path: str) -> str:
        return text.format(
            assessment_id=self.assessment_id,
            invitation_id=self.open_invitation_id if path.endswith("/link") else self.invitation_id,
            token=self.public_token if path.startswith("/join") else self.token,
            free_reviewer_id=self.free_reviewer_id,
            webhook_id=self.webhook_id,
            share_link_id=self.share_link_id,
            share_token=self.share_token,
            take_id=1,
        )


@pytest.fixture
def world(db: Session, bank: list[str]) -> World:  # noqa: ARG001 the questions must exist
    roles = {
        "owner": Role.reviewer,
        "member": Role.reviewer,
        "other_reviewer": Role.reviewer,
        "invited": Role.candidate,
        "other_candidate": Role.candidate,
        "editor": Role.editor,
        "admin": Role.admin,
    }
    users = {actor: create_user(db, role) for actor, role in roles.items()}
    assessment = live_assessment(db, users["owner"])
    live_assessment(db, users["other_reviewer"], title="Another team's assessment")
    now = utcnow()
    service.add_member(db, users["owner"], assessment.id, users["member"].id, now)
    people = [Candidate("Ana Lima", "ana@example.com"), Candidate("Bo Berg", "bo@example.com")]
    mine, other = service.invite(db, users["owner"], assessment.id, people, now).issued
    service.claim_invitation(db, mine.token, users["invited"], now)
    candidates.consent(db, users["invited"], mine.invitation.id, declined_ai_scoring=False, now=now)
    free = create_user(db, Role.reviewer)
    public = public_link.open_link(db, users["owner"], assessment.id, 10, now)
    hook, _ = webhooks.add(
        db, users["owner"], assessment.id, "https://ats.example.com/h", ["candidate.submitted"], now
    )
    shared = issue_token()  # made directly: the service shares submitted interviews only
    link = ShareLink(
        invitation_id=mine.invitation.id,
        token_hash=shared.token_hash,
        question_ids=[],
        expires_at=now + timedelta(days=1),
    )
    db.add(link)
    db.flush()
    ids = (assessment.id, mine.invitation.id, other.invitation.id, other.token, free.id, public, hook.id)
    return World(users, *ids, link.id, shared.token)


def test_every_hiring_route_has_a_row(app: FastAPI) -> None:
    """Here, or in the review pages' matrix (test_review_authorization.py)."""
    from tests.hiring.test_review_authorization import REVIEW_MATRIX

    served = {route for route in app_routes(app) if route[1].startswith(HIRING_PREFIXES)}
    ruled = MATRIX.keys() | {route for route in REVIEW_MATRIX if route[1].startswith(HIRING_PREFIXES)}
    assert served - ruled == set(), "hiring routes without an authorization rule"
    assert ruled - served == set(), "rules for routes that no longer exist"


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
def test_hiring_route_answers_each_actor_as_the_matrix_says(
    client: TestClient, db: Session, world: World, method: str, path: str, actor: str
) -> None:
    expected_rule = MATRIX[(method, path)]
    before = signed_in_as(client, db, world.users.get(actor))
    url = world.fill(path, path)
    if method == "GET":
        response = client.get(url, follow_redirects=False)
    else:
        form = {key: world.fill(value, path) for key, value in expected_rule.form.items()}
        response = client.post(url, data={"csrf_token": csrf_token(client), **form}, follow_redirects=False)
    assert_outcome(response, expected_rule.outcomes[actor], db, before)
