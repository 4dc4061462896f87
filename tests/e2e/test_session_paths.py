"""Every way through a question in real Chromium: leaving and coming back, Back, reloads, time
running out, retakes, skipping, the keyboard alone and a phone-sized screen. Each test checks
what the candidate sees. The question times are shortened in the server's database so the
tests stay fast; the rules are the same at any length."""

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import build_engine
from app.models import QuestionVersion
from tests.servers import serving

pytestmark = pytest.mark.browser
_emails = itertools.count(1)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """One server for the module; each test signs up a new candidate in a new browser context."""
    folder = tmp_path_factory.mktemp("site")
    with serving(folder, OMP_NUM_THREADS="1") as url:
        yield url, folder / "var" / "coach.db"


def set_times(database: Path, prep: int, answer: int) -> None:
    """Give every question of the running server these preparation and answer times."""
    engine = build_engine(f"sqlite:///{database}")
    with Session(engine) as db, db.begin():
        for version in db.scalars(select(QuestionVersion)):
            version.content = {**version.content, "prep_seconds": prep, "answer_seconds": answer}
    engine.dispose()


def sign_up_and_agree(page: Page, url: str) -> None:
    """A new candidate who has agreed to recording, on the practice page."""
    page.goto(f"{url}/signup")
    page.get_by_label("Your name").fill("Sam Candidate")
    page.get_by_label("Email").fill(f"sam{next(_emails)}@example.com")
    page.get_by_label("Password").fill("a long enough passphrase")
    page.get_by_role("button", name="Create account").click()
    page.goto(f"{url}/practice")
    page.get_by_label("I agree that my answers are recorded").check()
    page.get_by_role("button", name="Agree and continue").click()


def begin_session(page: Page, url: str, mode: str, questions: int = 1, choose: bool = False) -> None:
    """Sign up, agree, and start a session from the practice page."""
    sign_up_and_agree(page, url)
    if choose:  # picking a question selects "One question" by itself
        page.get_by_label("Question", exact=True).select_option(index=1)
        expect(page.get_by_label("One question")).to_be_checked()
    else:
        page.get_by_label("Questions", exact=True).fill(str(questions))
    page.get_by_label({"video": "On camera", "audio": "Audio only", "typed": "Typed answers"}[mode]).check()
    page.get_by_role("button", name="Start").click()
    if mode != "typed":
        page.get_by_role("button", name="Turn on").click()
        expect(page.get_by_label("Microphone", exact=True)).to_be_enabled(timeout=15_000)
        page.get_by_role("link", name="It works: start the first question").click()
    expect(page.get_by_text("plan your answer")).to_be_visible(timeout=15_000)


def test_returning_after_preparation_ran_out_offers_the_running_answer_clock(
    page: Page, site: tuple[str, Path]
) -> None:
    url, database = site
    set_times(database, prep=2, answer=40)
    begin_session(page, url, "video", choose=True)
    expect(page.get_by_text("Question 1 of 1")).to_be_visible()
    expect(page.get_by_text("Takes left for this question: 1.")).to_be_visible()
    page.get_by_role("link", name="session overview").click()
    page.wait_for_timeout(3000)  # preparation runs out while the candidate is away
    page.get_by_role("link", name="Begin with question 1").click()

    expect(page.get_by_text("Your preparation time ran out while you were away")).to_be_visible(
        timeout=15_000
    )
    expect(page.locator("#phase")).to_have_text("Time left")
    start = page.get_by_role("button", name="Start answering now")
    expect(start).to_be_focused()
    start.click()
    expect(page.locator("#recording")).to_contain_text("Recording")
    expect(page.get_by_role("button", name="Stop and submit")).to_be_focused()
    expect(page.get_by_role("meter", name="Microphone level")).to_be_visible()
    page.wait_for_timeout(3500)
    page.get_by_role("button", name="Stop and submit").click()

    expect(page.get_by_text("Your answer was saved.")).to_be_visible(timeout=20_000)
    expect(page.get_by_role("button", name="Record again (1 take left)")).to_be_visible()
    expect(page.get_by_role("link", name="Finish: see your session")).to_be_focused()
    expect(page.locator("#preview")).to_be_hidden()  # no black box once the camera is off


def test_returning_after_the_deadline_says_nothing_was_saved_and_offers_a_retake_or_a_skip(
    page: Page, site: tuple[str, Path]
) -> None:
    url, database = site
    set_times(database, prep=1, answer=3)
    begin_session(page, url, "audio", questions=2)
    page.get_by_role("link", name="session overview").click()
    page.wait_for_timeout(4500)  # preparation and the whole answer time pass while away
    page.get_by_role("link", name="Begin with question 1").click()

    expect(
        page.get_by_text("Time ran out: nothing was recorded, so nothing was saved for take 1.")
    ).to_be_visible(timeout=15_000)
    expect(page.get_by_role("button", name="Record again (1 take left)")).to_be_focused()
    expect(page.locator("#timer")).to_be_hidden()  # no stale "Loading -:--"
    page.get_by_role("button", name="Skip this question").click()
    expect(page.get_by_text("You skipped this question.")).to_be_visible()
    expect(page.get_by_role("link", name="Next question")).to_be_focused()
    page.reload()
    expect(page.get_by_text("You skipped this question.")).to_be_visible()
    expect(page.get_by_role("button", name="Answer it after all (1 take left)")).to_be_visible()


def test_back_onto_an_answered_question_starts_nothing_and_a_retake_and_keep_are_explicit(
    page: Page, site: tuple[str, Path]
) -> None:
    url, database = site
    set_times(database, prep=20, answer=60)
    begin_session(page, url, "typed", questions=2)
    expect(page.get_by_text("The answer box opens when the countdown ends")).to_be_visible()
    expect(page.get_by_text("Recording starts")).to_have_count(0)
    page.get_by_role("button", name="Start answering now").click()
    page.get_by_label("Your answer").fill("Argo CD compares the live state with Git and reports drift.")
    page.get_by_role("button", name="Submit answer").click()
    expect(page.get_by_text("Your answer was saved.")).to_be_visible()
    page.get_by_role("link", name="Next question").click()
    expect(page.get_by_text("Question 2 of 2")).to_be_visible()
    expect(page.get_by_text("plan your answer")).to_be_visible()

    page.go_back()
    expect(page.get_by_text("You have answered this question.")).to_be_visible()
    expect(page.locator("#timer")).to_be_hidden()  # no countdown started by itself
    expect(page.get_by_text("Takes left for this question: 1.")).to_be_visible()
    page.reload()
    expect(page.get_by_text("You have answered this question.")).to_be_visible()
    page.get_by_role("button", name="Record again (1 take left)").click()
    expect(page.get_by_text("plan your answer")).to_be_visible()
    expect(page.get_by_text("Takes left for this question: 0.")).to_be_visible()
    page.get_by_role("button", name="Start answering now").click()
    page.get_by_label("Your answer").fill("A second, weaker try.")
    page.get_by_role("button", name="Submit answer").click()

    expect(page.get_by_text("You have more than one take. Which do you want to keep?")).to_be_visible()
    expect(page.get_by_role("button", name="Take 2 is kept")).to_be_disabled()
    expect(page.get_by_role("button", name="Record again")).to_have_count(0)
    page.get_by_role("button", name="Keep take 1").click()
    expect(page.get_by_text("Take 1 is kept.")).to_be_visible()
    expect(page.get_by_role("button", name="Take 1 is kept")).to_be_disabled()


def test_time_running_out_is_announced_and_saves_the_answer(page: Page, site: tuple[str, Path]) -> None:
    url, database = site
    set_times(database, prep=1, answer=12)
    begin_session(page, url, "video")
    expect(page.locator("#recording")).to_contain_text("Recording", timeout=15_000)  # prep ran out
    expect(page.locator("#announcer")).to_have_text("10 seconds left.", timeout=10_000)
    expect(page.get_by_text("Time's up — your answer was saved.")).to_be_visible(timeout=30_000)
    expect(page.locator("#announcer")).to_have_text("Time's up.")
    expect(page.get_by_role("link", name="Finish: see your session")).to_be_focused()


def test_typed_time_running_out_with_nothing_typed_says_so(page: Page, site: tuple[str, Path]) -> None:
    url, database = site
    set_times(database, prep=1, answer=3)
    begin_session(page, url, "typed")
    expect(page.get_by_label("Your answer")).to_be_focused(timeout=10_000)
    expect(
        page.get_by_text("Time's up: no answer was submitted, so nothing was saved for take 1.")
    ).to_be_visible(timeout=15_000)
    expect(page.get_by_role("button", name="Record again (1 take left)")).to_be_visible()


def test_reloads_during_preparation_and_mid_answer_lose_nothing(page: Page, site: tuple[str, Path]) -> None:
    url, database = site
    set_times(database, prep=30, answer=40)
    begin_session(page, url, "audio")
    page.reload()  # during preparation: the same take and clock
    expect(page.get_by_text("plan your answer")).to_be_visible(timeout=15_000)
    expect(page.get_by_text("Takes left for this question: 1.")).to_be_visible()
    page.get_by_role("button", name="Start answering now").click()
    expect(page.locator("#recording")).to_contain_text("Recording")
    page.wait_for_timeout(4500)  # two chunks reach the server
    page.reload()
    expect(page.get_by_text("The page was reloaded while you were recording.")).to_be_visible(timeout=15_000)
    expect(page.get_by_role("button", name="Keep this answer")).to_be_focused()
    expect(page.locator("#timer")).to_be_hidden()  # no stale "Loading -:--" after recovery
    expect(page.get_by_role("button", name="Record again (1 take left)")).to_be_visible()
    page.get_by_role("button", name="Keep this answer").click()
    expect(page.get_by_text("Your answer was saved (the first")).to_be_visible(timeout=15_000)
    page.reload()
    expect(page.get_by_text("You have answered this question.")).to_be_visible()
    expect(page.get_by_role("button", name="Record again (1 take left)")).to_be_visible()


def test_the_audio_device_check_asks_only_for_sound(page: Page, site: tuple[str, Path]) -> None:
    url, database = site
    set_times(database, prep=30, answer=40)
    sign_up_and_agree(page, url)
    page.get_by_label("Audio only").check()
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_text("Make sure the level moves when you speak.")).to_be_visible()
    expect(page.get_by_text("see yourself")).to_have_count(0)


def test_a_failed_submit_says_why_and_can_be_sent_again(page: Page, site: tuple[str, Path]) -> None:
    url, database = site
    set_times(database, prep=20, answer=60)
    begin_session(page, url, "typed")
    page.get_by_role("button", name="Start answering now").click()
    page.get_by_label("Your answer").fill("Sealed Secrets encrypts with the controller's public key.")
    page.route(
        "**/typed",
        lambda route: route.fulfill(status=503, json={"detail": "The server is busy; try again."}),
    )
    page.get_by_role("button", name="Submit answer").click()
    expect(page.get_by_text("The server is busy; try again.")).to_be_visible()
    expect(page.get_by_role("button", name="Submit answer")).to_be_enabled()
    page.unroute("**/typed")
    page.get_by_role("button", name="Submit answer").click()
    expect(page.get_by_text("Your answer was saved.")).to_be_visible()


def test_a_whole_session_with_the_keyboard_only(page: Page, site: tuple[str, Path]) -> None:
    url, database = site
    set_times(database, prep=20, answer=60)
    begin_session(page, url, "typed", questions=2)
    expect(page.get_by_role("button", name="Start answering now")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Your answer")).to_be_focused()
    page.keyboard.type("Flux reconciles the cluster from Git on its interval.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Submit answer")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Next question")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Question 2 of 2")).to_be_visible()
    expect(page.get_by_role("button", name="Start answering now")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Skip this question")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("You skipped this question.")).to_be_visible()
    expect(page.get_by_role("link", name="Finish: see your session")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Practice session")).to_be_visible()
    expect(page.get_by_text("skipped", exact=True)).to_be_visible()
    expect(page.get_by_text("finished")).to_be_visible()
    page.get_by_role("link", name="Session report").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("2 questions")).to_be_visible()
    expect(page.locator(".session-questions").get_by_text("skipped")).to_be_visible()


def test_candidate_pages_fit_a_390_px_screen(page: Page, site: tuple[str, Path]) -> None:
    url, database = site
    set_times(database, prep=30, answer=40)
    page.set_viewport_size({"width": 390, "height": 844})
    widths = {}
    page.goto(f"{url}/signup")
    widths["signup"] = page.evaluate("document.documentElement.scrollWidth")
    begin_session(page, url, "video", questions=2)
    widths["question"] = page.evaluate("document.documentElement.scrollWidth")
    page.get_by_role("link", name="session overview").click()
    widths["session"] = page.evaluate("document.documentElement.scrollWidth")
    for path in ("/practice", "/sessions", "/progress", "/questions", page.url.replace(url, "") + "/check"):
        page.goto(url + path)
        widths[path] = page.evaluate("document.documentElement.scrollWidth")
    assert all(width <= 390 for width in widths.values()), widths
