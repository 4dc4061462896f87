"""The review routes x everyone who might ask: the assessment's owner, a reviewer the owner
added, a reviewer of another assessment, the invited candidate, another candidate, an editor, an
admin and anonymous. A refused request must leave every row and file exactly as it was."""

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.hiring import service
from app.hiring.answers import assessment_questions
from app.models import Recommendation, Role, User
from tests.authz import LOGIN
from tests.factories import create_user, csrf_token
from tests.hiring.answered import rate_all, recorded
from tests.hiring.conftest import NOW, new_assessment
from tests.test_authorization import WEBM_START, assert_outcome, signed_in_as

ACTORS = (
    "anonymous",
    "owner",
    "reviewer",
    "other_reviewer",
    "candidate",
    "other_candidate",
    "editor",
    "admin",
)
STAFF = ("owner", "reviewer", "admin")  # who may see the assessment's candidates at all
CANDIDATE = "/hiring/assessments/{assessment_id}/candidates/{invitation_id}"


@dataclass(frozen=True)
class ReviewRule:
    outcomes: dict[str, int | str]
    form: dict[str, str] | None = None  # None: a GET
    query: str = ""


def page(**overrides: int | str) -> ReviewRule:
    """A page of the assessment: its staff see it, anyone else is told it does not exist."""
    outcomes: dict[str, int | str] = {a: 200 if a in STAFF else 404 for a in ACTORS}
    return ReviewRule({**outcomes, "anonymous": LOGIN, **overrides})


def action(form: dict[str, str], **overrides: int) -> ReviewRule:
    """A change: the owner and the added reviewer make it; an admin (who looks, never rates or
    decides) is forbidden; anyone else is told it does not exist."""
    outcomes: dict[str, int | str] = {a: 303 if a in ("owner", "reviewer") else 404 for a in ACTORS}
    return ReviewRule({**outcomes, "anonymous": 401, "admin": 403, **overrides}, form)


# The owner has submitted reviews of both candidates (recommending yes); the added reviewer none.
REVIEW_MATRIX: dict[tuple[str, str], ReviewRule] = {
    ("GET", CANDIDATE): page(),
    ("POST", CANDIDATE + "/review"): action({"action": "draft", "notes": "a draft"}, owner=409),
    ("POST", CANDIDATE + "/ratings/revise"): action(
        {
            "question_id": "{question_id}",
            "competency": "drift-reconciliation",
            "level": "1",
            "reason": "re-heard",
        },
        reviewer=409,
    ),
    ("POST", CANDIDATE + "/recommendation/revise"): action(
        {"recommendation": "no", "reason": "on reflection"}, reviewer=409
    ),
    ("POST", CANDIDATE + "/stage"): action({"stage": "advance", "reason": "clear answers"}),
    ("GET", CANDIDATE + "/answers/{take_id}/recording"): page(),
    ("GET", CANDIDATE + "/answers/{take_id}/poster"): page(),
    ("GET", "/hiring/assessments/{assessment_id}/agreement"): page(),
    # the added reviewer has rated neither candidate, so both stay blind to them
    ("GET", "/hiring/assessments/{assessment_id}/compare"): ReviewRule(
        page(reviewer=422).outcomes, query="candidate={invitation_id}&candidate={second_invitation_id}"
    ),
    ("GET", "/hiring/assessments/{assessment_id}/export.csv"): page(),
    # numbers per question over the whole installation, no candidate: the bank's editors
    ("GET", "/editor/disagreements"): ReviewRule(
        {a: 200 if a in ("editor", "admin") else 403 for a in ACTORS} | {"anonymous": LOGIN}
    ),
}


@dataclass
class World:
    users: dict[str, User]
    ids: dict[str, int]

    def fill(self, text: str) -> str:
        return text.format(**self.ids)


@pytest.fixture
def world(db: Session, bank: list[str]) -> World:  # noqa: ARG001 the questions must exist
    owner = create_user(db, Role.reviewer)
    assessment = new_assessment(db, owner)
    users = {
        "owner": owner,
        "reviewer": create_user(db, Role.reviewer),
        "other_reviewer": create_user(db, Role.reviewer),
        "other_candidate": create_user(db),
        "editor": create_user(db, Role.editor),
        "admin": create_user(db, Role.admin),
    }
    service.add_member(db, owner, assessment.id, users["reviewer"].id, NOW)
    new_assessment(db, users["other_reviewer"])
    first, take = recorded(db, assessment, "ana@example.com", WEBM_START)
    second, _ = recorded(db, assessment, "ben@example.com", WEBM_START)
    users["candidate"] = first.candidate
    for invitation in (first.invitation, second.invitation):
        rate_all(db, owner, invitation, 3, Recommendation.yes)
    first_question = assessment_questions(db, assessment.id)[0]  # the one answered on camera
    ids = {
        "assessment_id": assessment.id,
        "invitation_id": first.invitation.id,
        "second_invitation_id": second.invitation.id,
        "take_id": take.id,
        "question_id": first_question.id,
    }
    return World(users, ids)


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(("method", "path"), sorted(REVIEW_MATRIX))
def test_review_route_answers_each_actor_as_the_matrix_says(
    client: TestClient, db: Session, world: World, method: str, path: str, actor: str
) -> None:
    rule = REVIEW_MATRIX[(method, path)]
    before = signed_in_as(client, db, world.users.get(actor))
    url = world.fill(path) + (f"?{world.fill(rule.query)}" if rule.query else "")
    if rule.form is None:
        response = client.get(url, follow_redirects=False)
    else:
        form = {key: world.fill(value) for key, value in rule.form.items()}
        response = client.post(url, data={"csrf_token": csrf_token(client), **form}, follow_redirects=False)
    assert_outcome(response, rule.outcomes[actor], db, before)
