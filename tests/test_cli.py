"""The `gitops-coach` command as an operator uses it."""

import os
import re
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import cli
from app.models import Role, User, UserSession
from app.models.base import utcnow
from tests.factories import create_user
from tests.servers import COACH, serving

runner = CliRunner()


def test_users_create_reads_the_password_from_stdin_never_an_argument(db: Session) -> None:
    result = runner.invoke(
        cli, ["users", "create", "--email", "Ed@Example.com", "--role", "editor"], input="a fine passphrase\n"
    )
    assert result.exit_code == 0, result.output
    assert "created ed@example.com (editor)" in result.output
    assert db.scalars(select(User).where(User.email == "ed@example.com")).one().role == Role.editor
    refused = runner.invoke(
        cli, ["users", "create", "--email", "x@example.com", "--password", "a fine passphrase"]
    )
    assert refused.exit_code == 2
    assert "No such option" in refused.output


def test_users_create_explains_a_weak_password_or_a_taken_email(db: Session) -> None:
    weak = runner.invoke(cli, ["users", "create", "--email", "w@example.com"], input="short\n")
    assert weak.exit_code == 1
    assert "at least 10 characters" in weak.output
    create_user(db, email="taken@example.com")
    taken = runner.invoke(
        cli, ["users", "create", "--email", "taken@example.com"], input="a fine passphrase\n"
    )
    assert taken.exit_code == 1
    assert "An account with this email already exists." in taken.output
    assert "To change its role, run: gitops-coach users set-role --email taken@example.com" in taken.output
    assert "Sign in instead" not in taken.output


def test_users_set_role(db: Session) -> None:
    user = create_user(db)
    result = runner.invoke(cli, ["users", "set-role", "--email", user.email, "--role", "reviewer"])
    assert result.exit_code == 0, result.output
    db.refresh(user)
    assert user.role == Role.reviewer
    missing = runner.invoke(cli, ["users", "set-role", "--email", "ghost@example.com", "--role", "admin"])
    assert missing.exit_code == 1
    assert "No user with the email" in missing.output


def test_users_disable_signs_the_user_out_and_enable_lets_them_back(db: Session) -> None:
    user = create_user(db)
    db.add(UserSession(token_hash="e" * 64, user_id=user.id, expires_at=utcnow() + timedelta(days=1)))
    db.flush()
    disabled = runner.invoke(cli, ["users", "disable", "--email", user.email])
    assert disabled.exit_code == 0, disabled.output
    assert f"{user.email} is disabled and signed out everywhere" in disabled.output
    db.expire_all()
    assert user.disabled_at is not None
    assert db.scalars(select(UserSession)).one().ended_reason == "disabled"
    enabled = runner.invoke(cli, ["users", "enable", "--email", user.email])
    assert enabled.exit_code == 0
    assert f"{user.email} can sign in again" in enabled.output
    db.expire_all()
    assert user.disabled_at is None
    missing = runner.invoke(cli, ["users", "disable", "--email", "ghost@example.com"])
    assert missing.exit_code == 1
    assert "No user with the email" in missing.output


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    with serving(tmp_path) as url:
        yield url


def test_serve_starts_on_an_empty_folder_and_a_new_user_signs_up_in_and_out(
    served: str, tmp_path: Path
) -> None:
    assert httpx.get(f"{served}/healthz").json() == {"status": "ok", "database": "reachable"}
    assert (tmp_path / "var" / "coach.db").exists()
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o077 == 0
    with httpx.Client(base_url=served) as browser:
        token = re.search(r'name="csrf-token" content="(\w+)"', browser.get("/signup").text).group(1)  # type: ignore[union-attr]
        form = {
            "csrf_token": token,
            "email": "new@example.com",
            "display_name": "Newcomer",
            "password": "a long passphrase",
        }
        assert "Welcome, Newcomer" in browser.post("/signup", data=form, follow_redirects=True).text
        questions = browser.get("/questions").text
        assert 'href="/questions/gitops-vs-cicd"' in questions  # the bank was loaded
        token = re.search(r'name="csrf-token" content="(\w+)"', questions).group(1)  # type: ignore[union-attr]
        assert (
            "You are signed out"
            in browser.post("/logout", data={"csrf_token": token}, follow_redirects=True).text
        )
        token = re.search(r'name="csrf-token" content="(\w+)"', browser.get("/login").text).group(1)  # type: ignore[union-attr]
        form = {"csrf_token": token, "email": "new@example.com", "password": "a long passphrase"}
        assert "Welcome back" in browser.post("/login", data=form, follow_redirects=True).text
        assert browser.get("/reset/an-unknown-s3cr3t-token").status_code == 410
    log = (tmp_path / "server.log").read_text()
    assert '"GET /reset/[redacted] HTTP/1.1" 410' in log  # a reset token never reaches the log
    assert "s3cr3t" not in log


def test_db_downgrade_and_upgrade_commands(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("COACH_")},
        "COACH_VAR_DIR": str(tmp_path),
    }
    for args in (["db", "upgrade"], ["db", "downgrade", "base"], ["db", "upgrade", "head"]):
        result = subprocess.run(
            [COACH, *args], env=env, capture_output=True, text=True, timeout=60, check=False
        )
        assert result.returncode == 0, result.stderr
    assert "Running upgrade  -> 0001" in result.stderr
