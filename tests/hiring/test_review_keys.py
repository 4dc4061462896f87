"""The review page's player in a real Chromium: keyboard shortcuts and the speed control. The
browser's requests are answered by the app under test (the same database as the test), so the
page, its script and the candidate's recording are the real ones."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, Route, sync_playwright
from sqlalchemy.orm import Session

from app.models import TakeTranscript, User
from tests.factories import sign_in
from tests.hiring.answered import recorded
from tests.hiring.conftest import new_assessment
from tests.media.media_files import face_frame, write_video

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
ORIGIN = "http://coach.test"


@pytest.fixture
def page(client: TestClient) -> Iterator[Page]:
    def answer(route: Route) -> None:
        request = route.request
        headers = {k: v for k, v in request.headers.items() if k.lower() in ("range", "accept")}
        response = client.request(request.method, request.url.removeprefix(ORIGIN), headers=headers)
        route.fulfill(status=response.status_code, headers=dict(response.headers), body=response.content)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required"],
        )
        opened = browser.new_page()
        opened.route(f"{ORIGIN}/**", answer)
        yield opened
        browser.close()


@pytest.mark.usefixtures("bank")
def test_keys_play_pause_change_speed_move_between_questions_and_sentences_seek(
    client: TestClient, db: Session, page: Page, tmp_path: Path
) -> None:
    assessment = new_assessment(db)
    video = write_video(tmp_path / "answer.webm", [face_frame()] * 40).read_bytes()
    candidate, take = recorded(db, assessment, "ana@example.com", video)
    words = [("Argo", 0.2), ("syncs.", 0.6), ("Flux", 2.0), ("too.", 2.4)]
    db.add(
        TakeTranscript(
            take_id=take.id,
            text="Argo syncs. Flux too.",
            words=[{"word": w, "start": at, "end": at + 0.3, "probability": 0.99} for w, at in words],
            model="test",
        )
    )
    db.commit()
    sign_in(client, db.get_one(User, assessment.owner_id))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{ORIGIN}/hiring/assessments/{assessment.id}/candidates/{candidate.invitation.id}")
    page.wait_for_function("document.querySelector('video').readyState >= 1")
    media = page.locator("#q1 video")
    page.keyboard.press("]")
    assert media.evaluate("v => v.playbackRate") == 1.25
    assert page.locator("#q1 .speed-control").input_value() == "1.25"
    page.keyboard.press("[")
    page.keyboard.press("[")
    assert media.evaluate("v => v.playbackRate") == 0.75
    page.keyboard.press("k")
    page.wait_for_function("!document.querySelector('#q1 video').paused")
    page.keyboard.press("k")
    assert media.evaluate("v => v.paused")
    page.locator("#q1 .speed-control").select_option("2")
    assert media.evaluate("v => v.playbackRate") == 2
    page.keyboard.press("n")
    assert page.evaluate("document.activeElement.id") == "h-q2"
    page.keyboard.press("p")
    assert page.evaluate("document.activeElement.id") == "h-q1"
    page.get_by_role("button", name="Flux too.").click()  # a sentence plays from where it was said
    assert media.evaluate("v => v.currentTime") >= 2.0
    assert errors == []
