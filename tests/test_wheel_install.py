"""The built wheel is complete: installed into a fresh environment, `gitops-coach serve` started
from an empty folder finds its migrations, question bank, templates and static files (they live
outside `app/` in the source tree, so a wheel that forgot them would only fail here)."""

import re
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import httpx
import pytest

from tests.servers import serving

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _build_wheel(into: Path) -> Path:
    # offline: hatchling comes from the dev environment, not from a build-isolation download
    subprocess.run(
        [BIN / "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", into, ROOT],
        check=True,
        capture_output=True,
    )
    (wheel,) = into.glob("gitops_interview_coach-*.whl")
    return wheel


def _fresh_environment(folder: Path, wheel: Path) -> Path:
    """A new venv holding only the wheel. Its dependencies are seen through a .pth line naming
    this environment's site-packages (the editable install's own .pth there is not processed),
    so the test checks the wheel's contents without downloading every dependency again."""
    venv.create(folder, with_pip=False)
    python = folder / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(site) / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run(
        [BIN / "uv", "pip", "install", "--quiet", "--offline", "--no-deps", "--python", python, wheel],
        check=True,
        capture_output=True,
    )
    return folder / "bin" / "gitops-coach"


@pytest.mark.slow
def test_a_built_wheel_serves_pages_from_an_empty_folder(tmp_path: Path) -> None:
    coach = _fresh_environment(tmp_path / "env", _build_wheel(tmp_path / "dist"))
    where = subprocess.run(
        [coach.with_name("python"), "-c", "import app.paths; print(app.paths.ROOT)"],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    ).stdout.strip()
    assert Path(where).is_relative_to(tmp_path / "env")  # the installed copy, not this checkout

    (tmp_path / "empty").mkdir()
    with serving(tmp_path / "empty", coach=str(coach)) as url, httpx.Client(base_url=url) as browser:
        signup = browser.get("/signup").text
        token = re.search(r'name="csrf-token" content="(\w+)"', signup).group(1)  # type: ignore[union-attr]
        form = {"csrf_token": token, "email": "new@example.com", "display_name": "Newcomer"}
        welcome = browser.post(
            "/signup", data=form | {"password": "a long passphrase"}, follow_redirects=True
        )
        assert "Welcome, Newcomer" in welcome.text
        page = browser.get("/questions/gitops-vs-cicd")  # the bank was loaded, the template found
        assert page.status_code == 200
        assert "GitOps" in page.text
        script = browser.get("/static/js/answer.js")
        assert script.status_code == 200
        assert "// @ts-check" in script.text
