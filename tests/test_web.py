"""Cross-cutting web behaviour: CSRF, security headers, error pages, health."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.db import build_engine, database_reachable
from app.web import templates
from tests.factories import create_user, csrf_token, sign_in


def test_state_changing_request_without_a_valid_csrf_token_is_refused(
    client: TestClient, db: Session
) -> None:
    user = create_user(db)
    form = {"email": user.email, "password": "whatever password"}
    assert client.post("/login", data=form).status_code == 403
    assert client.post("/login", data={**form, "csrf_token": "0" * 64}).status_code == 403
    refused = client.post("/login", data=form)
    assert "expired or came from another site" in refused.text
    token = csrf_token(client)
    assert client.post("/login", data={**form, "csrf_token": token}).status_code == 422  # reached the route
    assert client.post("/logout", headers={"X-CSRF-Token": token}, follow_redirects=False).status_code == 303


def test_a_token_from_another_browser_is_refused(app: FastAPI, client: TestClient) -> None:
    with TestClient(app) as attacker:
        stolen = csrf_token(attacker)
    csrf_token(client)  # the victim has a nonce of their own
    assert client.post("/logout", data={"csrf_token": stolen}).status_code == 403


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    for path in ["/", "/login", "/static/app.css", "/no-such-page", "/healthz"]:
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp, path
        assert "unsafe-inline" not in csp, path
        assert "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"


def test_pages_have_no_inline_script(client: TestClient, db: Session) -> None:
    sign_in(client, create_user(db))
    for path in ["/", "/account", "/login"]:
        html = client.get(path).text
        assert "<script>" not in html, path
        assert " onclick=" not in html, path


def test_unknown_page_gets_a_readable_404(client: TestClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "There is nothing at this address." in response.text
    api = client.get("/no-such-page", headers={"accept": "application/json"})
    assert api.json() == {"detail": "There is nothing at this address."}


def test_missing_form_field_is_a_clear_422_not_a_crash(client: TestClient) -> None:
    response = client.post("/login", data={"csrf_token": csrf_token(client), "email": "a@example.com"})
    assert response.status_code == 422
    assert "Missing or invalid: password" in response.text


def test_health_reports_the_database(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "reachable"}


def test_health_check_notices_an_unreachable_database() -> None:
    unreachable = build_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    assert database_reachable(sessionmaker(bind=unreachable)) is False


def test_error_pages_never_query_the_database(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Error handlers run on the event loop: a blocking query there can deadlock on a lock held
    by a request that needs the loop (seen in the browser test as a 30 s stall)."""
    sign_in(client, create_user(db, name="Signed In"))
    assert "Signed In" in client.get("/account").text

    def no_database(*args: object, **kwargs: object) -> None:
        raise AssertionError("an error page queried the database")

    monkeypatch.setattr("app.accounts.service.user_for_token", no_database)
    missing = client.get("/no-such-page")  # a signed-in browser, an unknown address
    assert missing.status_code == 404
    assert "There is nothing at this address." in missing.text


def test_the_home_page_promises_only_what_exists(client: TestClient) -> None:
    home = " ".join(client.get("/").text.split())
    assert (
        "create assessments from the question bank and invite candidates by link, email or a public link"
        in home
    )
    assert "may decline automatic scoring. Reviewers rate answers blind" in home
    assert "a person makes every decision" in home
    assert "compare candidates and set their stage" in home
    assert "Helm chart" not in home  # deploying the app itself (issue 16): not built


def test_counts_in_pages_use_the_right_number() -> None:
    page = templates.env.from_string(
        '{{ 1|plural("pause") }}; {{ 0|plural("pause") }}; {{ 3|plural("question") }}'
    )
    assert page.render() == "1 pause; 0 pauses; 3 questions"
