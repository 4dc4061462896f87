"""In Chromium, as the README tells a new team to do it: sign up, make yourself admin with
`users set-role`, then send a colleague a one-time password-reset link and disable an account.
Each signed-out browser is told why."""

import os
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.servers import COACH

pytestmark = pytest.mark.browser

PASSWORD = "a long enough passphrase"


def sign_up(page: Page, url: str, name: str, email: str) -> None:
    page.goto(f"{url}/signup")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name=f"Welcome, {name}")).to_be_visible()


def sign_in(page: Page, email: str, password: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def coach(folder: Path, *args: str) -> str:
    """The command line, run where the server runs (its ./var), as the README shows."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    done = subprocess.run([COACH, *args], cwd=folder, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_an_admin_resets_a_password_and_disables_an_account(
    browser: Browser, server: tuple[str, Path]
) -> None:
    url, var = server
    admin = browser.new_context(viewport={"width": 1000, "height": 800})
    admin.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    ada, casey = admin.new_page(), browser.new_page()
    sign_up(ada, url, "Ada Admin", "ada@example.com")
    sign_up(casey, url, "Casey Candidate", "casey@example.com")

    assert "ada@example.com is now admin" in coach(
        var.parent, "users", "set-role", "--email", "ada@example.com", "--role", "admin"
    )
    ada.reload()
    expect(ada.get_by_role("status")).to_have_text("Your role was changed; please sign in again.")
    ada.goto(f"{url}/admin/users")
    expect(ada.get_by_role("status")).to_have_text("Your role was changed; please sign in again.")
    sign_in(ada, "ada@example.com", PASSWORD)
    expect(ada.get_by_role("heading", name="Users")).to_be_visible()

    ada.get_by_role("button", name="Password-reset link for Casey Candidate").click()
    link = ada.get_by_role("textbox", name="Reset link").input_value()
    assert link.startswith(f"{url}/reset/")
    ada.get_by_role("button", name="Copy link").click()
    expect(ada.locator("#copy-status")).to_have_text("Copied.")
    assert ada.evaluate("navigator.clipboard.readText()") == link

    phone = browser.new_page(viewport={"width": 390, "height": 800})
    phone.goto(link)
    expect(phone.get_by_text("For the account casey@example.com.")).to_be_visible()
    phone.get_by_label("New password").fill("a brand new passphrase")
    phone.get_by_role("button", name="Set the new password").click()
    expect(phone.get_by_role("status")).to_contain_text("Your new password is set and you are signed in.")
    phone.goto(link)
    expect(phone.get_by_role("alert")).to_contain_text("expired or was already used")

    casey.goto(f"{url}/sessions")
    expect(casey.get_by_role("status")).to_have_text(
        "Your password was reset; please sign in with the new one."
    )

    ada.goto(f"{url}/admin/users")
    ada.get_by_role("button", name="Disable Casey Candidate").click()
    expect(ada.get_by_role("status")).to_have_text("Account disabled. That user's sessions were signed out.")
    phone.goto(f"{url}/progress")
    expect(phone.get_by_role("status")).to_have_text(
        "Your account was disabled by an admin, so you were signed out."
    )
    sign_in(phone, "casey@example.com", "not the password at all")
    expect(phone.get_by_role("alert")).to_have_text("Email or password is wrong.")
    sign_in(phone, "casey@example.com", "a brand new passphrase")
    expect(phone.get_by_role("alert")).to_have_text(
        "This account is disabled. Ask an admin to enable it again."
    )

    ada.get_by_role("button", name="Enable Casey Candidate").click()
    sign_in(phone, "casey@example.com", "a brand new passphrase")
    expect(phone.get_by_role("heading", name="Your progress")).to_be_visible()  # where she was going
