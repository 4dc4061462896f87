"""An admin disables and re-enables accounts and issues one-time password-reset links; a user
whose session the app ended is told why. Refused requests change nothing."""

import hashlib
import re
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.accounts import service
from app.errors import Gone
from app.models import PasswordResetLink, Role, User, UserSession
from app.models.base import utcnow
from tests.factories import PASSWORD, create_user, csrf_token, post_form, sign_in

NEW_PASSWORD = "a brand new passphrase"


def account_rows(db: Session) -> list[tuple[object, ...]]:
    """Everything an account action could change, to compare before and after a refusal."""
    db.expire_all()
    users = db.execute(select(User.id, User.role, User.disabled_at, User.password_hash).order_by(User.id))
    sessions = db.execute(
        select(UserSession.id, UserSession.ended_at, UserSession.ended_reason).order_by(UserSession.id)
    )
    links = db.execute(select(PasswordResetLink.id, PasswordResetLink.used_at).order_by(PasswordResetLink.id))
    return [tuple(row) for rows in (users, sessions, links) for row in rows]


def reset_link_from(page: str) -> str:
    match = re.search(r'id="reset-link-url"[^>]*value="http://testserver(/reset/[\w-]+)"', page)
    assert match, "no reset link on the page"
    return match.group(1)


def test_a_disabled_account_is_signed_out_at_once_and_told_why(app: FastAPI, db: Session) -> None:
    admin, candidate = create_user(db, Role.admin), create_user(db, name="Casey")
    with TestClient(app) as admin_browser, TestClient(app) as candidate_browser:
        sign_in(admin_browser, admin)
        sign_in(candidate_browser, candidate)
        done = post_form(admin_browser, f"/admin/users/{candidate.id}/disable")
        users_page = admin_browser.get(done.headers["location"]).text
        assert "Account disabled. That user&#39;s sessions were signed out." in users_page
        assert re.search(r"Casey</td>.*?disabled</span> since", users_page, re.S)
        assert 'aria-label="Enable Casey"' in users_page

        api = candidate_browser.get("/api/takes/1")
        assert api.status_code == 401
        assert api.json()["detail"] == "Your account was disabled by an admin, so you were signed out."
        bounced = candidate_browser.get("/practice", follow_redirects=False)
        assert bounced.headers["location"] == "/login?next=/practice&reason=disabled"
        login_page = candidate_browser.get(bounced.headers["location"]).text
        assert "Your account was disabled by an admin, so you were signed out." in login_page


def test_a_disabled_account_cannot_sign_in_and_a_wrong_password_reveals_nothing(
    client: TestClient, db: Session
) -> None:
    admin = create_user(db, Role.admin)
    candidate = create_user(db)
    service.disable_user(db, user_id=candidate.id, by=admin, now=utcnow())
    db.flush()
    wrong = post_form(client, "/login", {"email": candidate.email, "password": "not the password"})
    assert wrong.status_code == 422
    assert "Email or password is wrong." in wrong.text
    assert "disabled" not in wrong.text
    right = post_form(client, "/login", {"email": candidate.email, "password": PASSWORD})
    assert right.status_code == 403
    assert "This account is disabled. Ask an admin to enable it again." in right.text
    assert "coach_session" not in right.headers.get("set-cookie", "")

    sign_in(client, admin)
    enabled = post_form(client, f"/admin/users/{candidate.id}/enable")
    assert "That user can sign in again" in client.get(enabled.headers["location"]).text
    post_form(client, "/logout")
    sign_in(client, candidate)
    assert candidate.display_name in client.get("/account").text


def test_an_admin_cannot_disable_their_own_account(client: TestClient, db: Session) -> None:
    admin = create_user(db, Role.admin)
    sign_in(client, admin)
    before = account_rows(db)
    refused = post_form(client, f"/admin/users/{admin.id}/disable")
    assert refused.status_code == 403
    assert "You cannot disable your own account." in refused.text
    assert account_rows(db) == before
    assert f'action="/admin/users/{admin.id}/disable"' not in client.get("/admin/users").text


@pytest.mark.parametrize("actor", ["anonymous", "candidate", "reviewer", "editor"])
@pytest.mark.parametrize("action", ["disable", "enable", "reset-link", "role"])
def test_refused_account_actions_change_nothing(
    client: TestClient, db: Session, actor: str, action: str
) -> None:
    admin, target, other = create_user(db, Role.admin), create_user(db), create_user(db)
    service.disable_user(db, user_id=other.id, by=admin, now=utcnow())
    service.issue_reset_link(db, user_id=target.id, by=admin, now=utcnow())
    db.flush()
    if actor != "anonymous":
        sign_in(client, create_user(db, Role(actor)))
    before = account_rows(db)
    for user in (target, other):
        response = post_form(client, f"/admin/users/{user.id}/{action}", {"role": "admin"})
        assert response.status_code == (401 if actor == "anonymous" else 403)
    assert account_rows(db) == before


def test_an_admin_issues_a_one_time_reset_link_that_signs_out_every_other_session(
    app: FastAPI, db: Session
) -> None:
    admin, candidate = create_user(db, Role.admin), create_user(db, name="Robin")
    with TestClient(app) as admin_browser, TestClient(app) as old_laptop, TestClient(app) as new_phone:
        sign_in(admin_browser, admin)
        sign_in(old_laptop, candidate)
        issued = post_form(admin_browser, f"/admin/users/{candidate.id}/reset-link")
        assert issued.status_code == 200
        assert issued.headers["cache-control"] == "no-store"
        assert "Password-reset link for Robin" in issued.text
        assert "It works once, for 24 hours, and it is not shown again." in issued.text
        link = reset_link_from(issued.text)
        token = link.removeprefix("/reset/")
        stored = db.scalars(select(PasswordResetLink)).one()
        assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in str(db.execute(select(PasswordResetLink.__table__)).all())
        assert 'id="reset-link-url"' not in admin_browser.get("/admin/users").text  # shown once

        form = new_phone.get(link)
        assert "Set a new password" in form.text
        assert candidate.email in form.text
        assert form.headers["cache-control"] == "no-store"
        no_csrf = new_phone.post(link, data={"new_password": NEW_PASSWORD}, follow_redirects=False)
        assert no_csrf.status_code == 403
        short = post_form(new_phone, link, {"new_password": "short"})
        assert short.status_code == 422
        assert "at least 10 characters" in short.text
        done = post_form(new_phone, link, {"new_password": NEW_PASSWORD})
        assert done.status_code == 303
        assert (
            "Your new password is set and you are signed in." in new_phone.get(done.headers["location"]).text
        )

        bounced = old_laptop.get("/account", follow_redirects=False)
        assert bounced.headers["location"] == "/login?next=/account&reason=password-reset"
        assert (
            "Your password was reset; please sign in with the new one."
            in old_laptop.get(bounced.headers["location"]).text
        )
        assert (
            post_form(old_laptop, "/login", {"email": candidate.email, "password": PASSWORD}).status_code
            == 422
        )
        sign_in(old_laptop, candidate, NEW_PASSWORD)

        again = new_phone.get(link)
        assert again.status_code == 410
        assert "This password-reset link has expired or was already used." in again.text
        reused = post_form(new_phone, link, {"new_password": "yet another passphrase"})
        assert reused.status_code == 410
        post_form(old_laptop, "/logout")
        sign_in(old_laptop, candidate, NEW_PASSWORD)  # the reuse changed nothing


def test_an_expired_or_superseded_link_does_not_work(client: TestClient, db: Session) -> None:
    admin, candidate = create_user(db, Role.admin), create_user(db)
    issued_at = utcnow() - timedelta(hours=service.RESET_LINK_HOURS, seconds=1)
    expired = service.issue_reset_link(db, user_id=candidate.id, by=admin, now=issued_at)
    assert client.get(f"/reset/{expired}").status_code == 410
    first = service.issue_reset_link(db, user_id=candidate.id, by=admin, now=utcnow())
    second = service.issue_reset_link(db, user_id=candidate.id, by=admin, now=utcnow())
    db.flush()
    assert client.get(f"/reset/{first}").status_code == 410
    assert client.get(f"/reset/{second}").status_code == 200
    before = account_rows(db)
    assert post_form(client, f"/reset/{first}", {"new_password": NEW_PASSWORD}).status_code == 410
    assert post_form(client, "/reset/not-a-token", {"new_password": NEW_PASSWORD}).status_code == 410
    assert account_rows(db) == before


def test_a_role_change_tells_the_user_why_they_were_signed_out(app: FastAPI, db: Session) -> None:
    admin, candidate = create_user(db, Role.admin), create_user(db)
    with TestClient(app) as admin_browser, TestClient(app) as candidate_browser:
        sign_in(admin_browser, admin)
        sign_in(candidate_browser, candidate)
        post_form(admin_browser, f"/admin/users/{candidate.id}/role", {"role": "editor"})
        home = candidate_browser.get("/")
        assert "Your role was changed; please sign in again." in home.text
        bounced = candidate_browser.get("/sessions", follow_redirects=False)
        assert bounced.headers["location"] == "/login?next=/sessions&reason=role-changed"
        login = candidate_browser.get(bounced.headers["location"])
        assert "Your role was changed; please sign in again." in login.text
        sign_in(candidate_browser, candidate)
        assert "Question bank" in candidate_browser.get("/").text
        assert "Your role was changed" not in candidate_browser.get("/").text


def test_a_plain_sign_out_or_an_unknown_cookie_gives_no_reason(client: TestClient, db: Session) -> None:
    sign_in(client, create_user(db))
    post_form(client, "/logout")
    client.cookies.set("coach_session", "forged-token")
    bounced = client.get("/account", follow_redirects=False)
    assert bounced.headers["location"] == "/login?next=/account"
    page = client.get("/login?reason=<script>")
    assert "<script>" not in page.text
    assert "please sign in again" not in page.text
    assert csrf_token(client)


def test_of_two_simultaneous_uses_of_a_link_only_one_sets_the_password(db: Session) -> None:
    admin, candidate = create_user(db, Role.admin), create_user(db)
    token = service.issue_reset_link(db, user_id=candidate.id, by=admin, now=utcnow())
    first_read = db.scalars(select(PasswordResetLink)).one()  # the first request's view: unused
    assert first_read.used_at is None
    # the other request uses the link in the meantime, behind this session's back
    db.connection().execute(text("UPDATE password_reset_links SET used_at = created_at"))
    hash_before = candidate.password_hash
    with pytest.raises(Gone, match="This password-reset link was already used"):
        service.reset_password(db, token, NEW_PASSWORD, utcnow())  # its stale view said unused
    assert candidate.password_hash == hash_before  # refused before the password was touched
