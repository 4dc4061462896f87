"""Every route x every kind of user, checked on the server. A route missing here fails the suite,
so no new route can skip its authorization decision."""

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import Role, User
from tests.authz import (
    ACTORS,
    LOGIN,
    Rule,
    app_routes,
    public,
    role_action,
    role_page,
    rule,
    signed_in_action,
    signed_in_page,
)
from tests.factories import PASSWORD, create_user, csrf_token, sign_in

NEW_PASSWORD = "another long passphrase"

# (method, path) -> rule. Path parameters are filled from the World below.
MATRIX: dict[tuple[str, str], Rule] = {
    ("GET", "/"): public(),
    ("GET", "/healthz"): public(),
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
}


@dataclass
class World:
    users: dict[str, User]

    def fill(self, text: str, actor: str) -> str:
        candidate = self.users["candidate"]
        return text.format(
            user_id=candidate.id,
            path="app.css",
            candidate_email=candidate.email,
            new_email=f"new-{actor}@example.com",
        )


@pytest.fixture
def world(db: Session) -> World:
    roles = {
        "candidate": Role.candidate,
        "other_candidate": Role.candidate,
        "reviewer": Role.reviewer,
        "editor": Role.editor,
        "admin": Role.admin,
    }
    return World({actor: create_user(db, role) for actor, role in roles.items()})


def test_every_route_has_a_row_in_the_matrix(app) -> None:  # type: ignore[no-untyped-def]
    served = app_routes(app)
    assert served - MATRIX.keys() == set(), "routes without an authorization rule"
    assert MATRIX.keys() - served == set(), "rules for routes that no longer exist"


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
def test_route_answers_each_actor_as_the_matrix_says(
    client: TestClient, world: World, method: str, path: str, actor: str
) -> None:
    expected_rule = MATRIX[(method, path)]
    if actor != "anonymous":
        sign_in(client, world.users[actor])
    url = world.fill(path, actor)
    if method == "GET":
        response = client.get(url, follow_redirects=False)
    else:
        form = {key: world.fill(value, actor) for key, value in expected_rule.form.items()}
        response = client.request(
            method, url, data={"csrf_token": csrf_token(client), **form}, follow_redirects=False
        )
    expected = expected_rule.outcomes[actor]
    if expected == LOGIN:
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")
    else:
        assert response.status_code == expected, response.text[:500]
