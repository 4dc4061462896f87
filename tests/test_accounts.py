"""Sign-up, sign-in, sessions, throttling, password and role changes, as a user meets them."""

import contextlib
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.accounts import service
from app.config import Settings
from app.db import get_engine
from app.errors import InvalidInput, TooManyRequests
from app.models import LoginAttempt, Role, User, UserSession
from app.models.base import utcnow
from tests.factories import PASSWORD, create_user, csrf_token, post_form, sign_in


def test_new_user_signs_up_is_signed_in_and_can_sign_out(client: TestClient, db: Session) -> None:
    response = post_form(
        client,
        "/signup",
        {"email": " Ada@Example.COM ", "display_name": "Ada", "password": "a long passphrase"},
    )
    assert response.status_code == 303
    home = client.get(response.headers["location"])
    assert "Welcome, Ada" in home.text
    assert "Your account is ready" in home.text
    user = db.scalars(select(User).where(User.email == "ada@example.com")).one()
    assert user.role == Role.candidate
    assert user.password_hash.startswith("$argon2id$")

    signed_out = client.get(post_form(client, "/logout").headers["location"])
    assert "You are signed out" in signed_out.text
    assert client.get("/account", follow_redirects=False).headers["location"] == "/login?next=/account"


def test_sign_up_explains_bad_input_and_keeps_what_was_typed(client: TestClient, db: Session) -> None:
    create_user(db, email="taken@example.com")
    taken = post_form(
        client,
        "/signup",
        {"email": "taken@example.com", "display_name": "Bo", "password": "long enough pass"},
    )
    assert taken.status_code == 409
    assert "could not create an account with these details" in taken.text
    assert "already exists" not in taken.text  # says nothing about whose account exists
    short = post_form(
        client, "/signup", {"email": "new@example.com", "display_name": "Bo", "password": "short"}
    )
    assert short.status_code == 422
    assert "at least 10 characters" in short.text
    assert 'value="new@example.com"' in short.text
    bad_email = post_form(
        client, "/signup", {"email": "not-an-email", "display_name": "Bo", "password": "long enough pass"}
    )
    assert "valid email address" in bad_email.text


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(
    client: TestClient, db: Session
) -> None:
    user = create_user(db)
    for email, password in [(user.email, "wrong password!"), ("nobody@example.com", PASSWORD)]:
        response = post_form(client, "/login", {"email": email, "password": password})
        assert response.status_code == 422
        assert "Email or password is wrong." in response.text


def test_too_many_failures_lock_the_account_even_for_the_right_password(
    client: TestClient, db: Session, settings: Settings
) -> None:
    user = create_user(db)
    for _ in range(settings.login_max_failures_per_account):
        post_form(client, "/login", {"email": user.email, "password": "wrong password!"})
    response = post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts for this account" in response.text


def test_one_address_guessing_many_accounts_is_throttled(db: Session, settings: Settings) -> None:
    for n in range(settings.login_max_failures_per_address):
        with contextlib.suppress(InvalidInput):
            service.authenticate(
                db, email=f"guess{n}@example.com", password="x", address="203.0.113.9", settings=settings
            )
    user = create_user(db)
    with pytest.raises(TooManyRequests) as refused:
        service.authenticate(
            db, email=user.email, password=PASSWORD, address="203.0.113.9", settings=settings
        )
    assert "network address" in refused.value.message
    assert (
        service.authenticate(
            db, email=user.email, password=PASSWORD, address="198.51.100.1", settings=settings
        )
        == user
    )


def test_sign_in_returns_to_the_requested_page_but_never_off_site(client: TestClient, db: Session) -> None:
    user = create_user(db)
    response = post_form(client, "/login", {"email": user.email, "password": PASSWORD, "next": "/account"})
    assert response.headers["location"].startswith("/account?")
    post_form(client, "/logout")
    for evil in ["//evil.example/", "https://evil.example/", "/\\evil.example"]:
        response = post_form(client, "/login", {"email": user.email, "password": PASSWORD, "next": evil})
        assert response.headers["location"].startswith("/?"), evil
        post_form(client, "/logout")


def test_session_cookie_is_httponly_lax_and_secure_over_https(app: FastAPI, db: Session) -> None:
    user = create_user(db)
    for base_url, secure in [("http://testserver", False), ("https://testserver", True)]:
        with TestClient(app, base_url=base_url) as client:
            cookie = sign_in(client, user).headers["set-cookie"]
            assert "coach_session=" in cookie
            assert "HttpOnly" in cookie
            assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
            assert ("Secure" in cookie) is secure


def test_logout_ends_the_session_on_the_server(client: TestClient, db: Session) -> None:
    user = create_user(db)
    sign_in(client, user)
    stolen = client.cookies.get("coach_session")
    assert stolen is not None
    post_form(client, "/logout")
    client.cookies.set("coach_session", stolen)
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_password_change_signs_out_other_browsers(app: FastAPI, db: Session) -> None:
    user = create_user(db)
    with TestClient(app) as laptop, TestClient(app) as phone:
        sign_in(laptop, user)
        sign_in(phone, user)
        wrong = post_form(
            laptop,
            "/account/password",
            {"current_password": "not it at all", "new_password": "brand new passphrase"},
        )
        assert "current password is wrong" in wrong.text
        changed = post_form(
            laptop,
            "/account/password",
            {"current_password": PASSWORD, "new_password": "brand new passphrase"},
        )
        assert "Password changed" in laptop.get(changed.headers["location"]).text
        assert phone.get("/account", follow_redirects=False).status_code == 303
    assert (
        db.scalar(select(UserSession).where(UserSession.user_id == user.id)) is not None
    )  # the laptop's new one


def test_admin_changes_a_role_and_it_applies_at_once(app: FastAPI, db: Session) -> None:
    admin = create_user(db, Role.admin)
    candidate = create_user(db)
    with TestClient(app) as admin_browser, TestClient(app) as candidate_browser:
        sign_in(admin_browser, admin)
        sign_in(candidate_browser, candidate)
        assert "Users" not in candidate_browser.get("/").text
        response = post_form(admin_browser, f"/admin/users/{candidate.id}/role", {"role": "editor"})
        assert "Role changed" in admin_browser.get(response.headers["location"]).text
        assert candidate_browser.get("/account", follow_redirects=False).status_code == 303
    db.refresh(candidate)
    assert candidate.role == Role.editor


def test_the_last_admin_cannot_be_demoted(client: TestClient, db: Session) -> None:
    admin = create_user(db, Role.admin)
    sign_in(client, admin)
    response = post_form(client, f"/admin/users/{admin.id}/role", {"role": "candidate"})
    assert response.status_code == 403
    assert "only admin" in response.text


def test_user_text_is_escaped_in_pages(client: TestClient, db: Session) -> None:
    user = create_user(db, name='<script>alert("x")</script>')
    sign_in(client, user)
    page = client.get("/").text
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page


def test_navigation_follows_the_role(client: TestClient, db: Session) -> None:
    assert 'href="/admin/users"' not in client.get("/").text
    sign_in(client, create_user(db, Role.admin))
    assert 'href="/admin/users"' in client.get("/").text


# --- abuse: guessing, enumeration, weak passwords, races ----------------------------------------


def test_after_the_limit_the_owner_waits_a_back_off_not_the_whole_window(
    db: Session, settings: Settings
) -> None:
    """Strangers failing from many addresses cannot lock the owner out for 15 minutes."""
    user = create_user(db)
    now = utcnow()
    for n in range(settings.login_max_failures_per_account + 2):
        with contextlib.suppress(InvalidInput, TooManyRequests):
            service.authenticate(
                db,
                email=user.email,
                password="wrong guess!",
                address=f"203.0.113.{n}",
                settings=settings,
                now=now,
            )
    with pytest.raises(TooManyRequests, match="Try again in"):
        service.authenticate(
            db, email=user.email, password=PASSWORD, address="198.51.100.1", settings=settings, now=now
        )
    later = now + timedelta(seconds=service.MAX_BACKOFF_SECONDS + 1)
    signed_in = service.authenticate(
        db, email=user.email, password=PASSWORD, address="198.51.100.1", settings=settings, now=later
    )
    assert signed_in == user


def test_an_unknown_email_costs_as_much_as_a_wrong_password() -> None:
    """The dummy hash is really verified: a miss is no faster than a wrong password."""
    known = service.hash_password("the real passphrase")

    def timed(password_hash: str | None) -> float:
        started = time.perf_counter()
        for _ in range(3):
            assert not service.check_password(password_hash, "a wrong guess here").matches
        return time.perf_counter() - started

    unknown, wrong = timed(None), timed(known)
    assert unknown > wrong / 3, (unknown, wrong)


def test_password_change_counts_wrong_current_passwords_like_sign_in(
    client: TestClient, db: Session, settings: Settings
) -> None:
    user = create_user(db)
    sign_in(client, user)
    for _ in range(settings.login_max_failures_per_account):
        wrong = post_form(
            client, "/account/password", {"current_password": "guess guess", "new_password": "x" * 12}
        )
        assert wrong.status_code == 422
    refused = post_form(
        client, "/account/password", {"current_password": PASSWORD, "new_password": "fresh long words"}
    )
    assert refused.status_code == 429
    db.refresh(user)
    assert service.check_password(user.password_hash, PASSWORD).matches  # unchanged


@pytest.mark.parametrize("weak", [" " * 12, "aaaaaaaaaaaa", "password12", "Password123", "1234567890"])
def test_weak_passwords_are_refused(client: TestClient, db: Session, weak: str) -> None:
    response = post_form(
        client, "/signup", {"email": "weak@example.com", "display_name": "W", "password": weak}
    )
    assert response.status_code == 422
    assert "too easy to guess" in response.text
    assert db.scalar(select(User).where(User.email == "weak@example.com")) is None


@pytest.mark.parametrize(
    "evil", ["//evil.example", "/\\evil.example", "/a\\b", "https://evil.example", "/\x00x"]
)
def test_the_consent_page_never_links_off_site(client: TestClient, db: Session, evil: str) -> None:
    sign_in(client, create_user(db))
    post_form(client, "/consent", {"agree": "yes"})
    page = client.get("/consent", params={"next": evil})
    assert page.status_code == 200
    assert 'href="/"' in page.text
    assert "evil" not in page.text
    assert (
        post_form(client, "/consent", {"agree": "yes", "next": evil})
        .headers["location"]
        .startswith("/practice?")
    )


def test_the_csrf_token_changes_at_sign_in_and_sign_out(client: TestClient, db: Session) -> None:
    before = csrf_token(client)
    user = create_user(db)
    sign_in(client, user)
    after = csrf_token(client)
    assert after != before
    stale = client.post("/logout", data={"csrf_token": before}, follow_redirects=False)
    assert stale.status_code == 403
    assert client.get("/account", follow_redirects=False).status_code == 200  # still signed in


def test_a_parallel_duplicate_sign_up_is_a_conflict_not_a_crash(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The unique constraint catches what the existence check raced past, and the rest of the
    transaction stays usable."""
    create_user(db, email="twin@example.com")
    monkeypatch.setattr(db, "scalar", lambda *args, **kwargs: None)  # the check ran before the twin's commit
    with pytest.raises(service.EmailTaken):
        service.create_user(db, email="twin@example.com", password="long enough pass", display_name="B")
    monkeypatch.undo()
    assert db.scalar(select(User.display_name).where(User.email == "twin@example.com")) != "B"


@pytest.mark.usefixtures("migrated")
def test_parallel_wrong_passwords_are_counted_one_by_one_on_postgresql(settings: Settings) -> None:
    """Each attempt locks the account's row while it counts failures, so 20 parallel guesses
    record no more failures than the limit (before the lock: 19 of 20 got through)."""
    engine = get_engine()
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers anyway")
    factory = sessionmaker(bind=engine)
    email = "parallel-guesses@example.com"
    with factory.begin() as db:
        db.add(
            User(
                email=email,
                display_name="P",
                password_hash=service.hash_password(PASSWORD),
                role=Role.candidate,
            )
        )

    def guess(n: int) -> None:
        with factory.begin() as db, contextlib.suppress(InvalidInput, TooManyRequests):
            service.authenticate(
                db, email=email, password=f"wrong guess {n}", address=f"192.0.2.{n}", settings=settings
            )

    try:
        with ThreadPoolExecutor(max_workers=20) as pool:
            list(pool.map(guess, range(20)))
        with factory() as db:
            failures = db.scalar(
                select(func.count()).select_from(LoginAttempt).where(LoginAttempt.email == email)
            )
        assert failures == settings.login_max_failures_per_account
    finally:
        with factory.begin() as db:
            db.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
            db.execute(delete(User).where(User.email == email))
