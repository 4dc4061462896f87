"""In Chromium, a hiring manager's first assessment: a reviewer (made one with `users set-role`)
creates an assessment and invites a candidate; the candidate opens the link, signs up, accepts
the terms but declines automatic scoring, answers by typing and submits; the reviewer sees the
candidate as submitted. Then the whole loop: two candidates (one on camera through the real
pipeline, one who declines automatic scoring), two reviewers who rate blind and then see the AI
and each other, and the agreement, compare and CSV numbers worked out from the levels given."""

import csv
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from app.hiring.agreement import krippendorff_alpha, quadratic_weighted_kappa
from tests.e2e.test_account_admin_flow import PASSWORD, coach, sign_in, sign_up
from tests.e2e.test_interview_flow import record_for

pytestmark = pytest.mark.browser


def test_a_reviewer_invites_a_candidate_who_answers_typed_and_submits(
    browser: Browser, server: tuple[str, Path]
) -> None:
    url, var = server
    reviewer = browser.new_context().new_page()
    sign_up(reviewer, url, "Rita Reviewer", "rita@example.com")
    coach(var.parent, "users", "set-role", "--email", "rita@example.com", "--role", "reviewer")
    reviewer.goto(f"{url}/login")
    sign_in(reviewer, "rita@example.com", PASSWORD)

    reviewer.get_by_role("navigation", name="Main").get_by_role("link", name="Hiring").click()
    reviewer.get_by_role("link", name="New assessment").click()
    reviewer.get_by_label("Title").fill("Platform engineer, GitOps")
    reviewer.get_by_label("Role", exact=True).fill("Platform engineer")
    reviewer.locator("input[name=question]").first.check()
    reviewer.get_by_label("typing").check()
    deadline = datetime.now(UTC) + timedelta(days=14)
    reviewer.get_by_label("Deadline").fill(f"{deadline:%Y-%m-%dT%H:%M}")
    reviewer.get_by_role("button", name="Create assessment").click()
    expect(reviewer.get_by_role("status")).to_have_text("Assessment created. Invite candidates below.")
    assessment_url = reviewer.url

    reviewer.get_by_label("Name", exact=True).fill("Casey Candidate")
    reviewer.get_by_label("Email", exact=True).fill("casey@example.com")
    reviewer.get_by_role("button", name="Invite", exact=True).click()
    link = reviewer.get_by_label("Link for Casey Candidate").input_value()
    assert link.startswith(f"{url}/invite/")

    candidate = browser.new_context().new_page()
    candidate.goto(link)
    expect(candidate.get_by_role("heading", name="Platform engineer, GitOps")).to_be_visible()
    candidate.get_by_role("link", name="Create an account").click()
    candidate.get_by_label("Your name").fill("Casey Candidate")
    candidate.get_by_label("Email").fill("casey@example.com")
    candidate.get_by_label("Password").fill(PASSWORD)
    candidate.get_by_role("button", name="Create account").click()
    candidate.get_by_role("button", name="Continue as Casey Candidate").click()

    expect(
        candidate.get_by_role("heading", name="Before you begin: how your answers are used")
    ).to_be_visible()
    candidate.get_by_label("Only people score my answers (decline automatic scoring)").check()
    candidate.get_by_label("I agree that my answers are recorded and used as described above.").check()
    candidate.get_by_role("button", name="Agree and continue").click()
    expect(candidate.get_by_text("Automatic scoring: declined: only people score you.")).to_be_visible()
    candidate.get_by_role("button", name="Begin").click()

    candidate.get_by_role("button", name="Start answering now").click()
    expect(candidate.get_by_label("Your answer")).to_be_visible()
    candidate.get_by_label("Your answer").fill("Argo CD compares the live state with Git and reports drift.")
    candidate.get_by_role("button", name="Submit answer").click()
    expect(candidate.get_by_text("Your answer was saved.")).to_be_visible(timeout=15_000)
    candidate.get_by_role("link", name="interview overview").click()
    expect(candidate.get_by_text("Question 1: answered")).to_be_visible()
    candidate.get_by_role("button", name="Submit my interview").click()
    expect(candidate.get_by_role("heading", name="Submitted")).to_be_visible()
    expect(candidate.get_by_role("status")).to_have_text("Your interview is submitted.")
    candidate.get_by_label("Female", exact=True).check()
    candidate.get_by_label("Asian", exact=True).check()
    candidate.get_by_role("button", name="Save my answers").click()
    expect(candidate.get_by_role("status")).to_contain_text("reviewers never see them")
    expect(candidate.get_by_label("Asian", exact=True)).to_be_checked()

    reviewer.goto(assessment_url)
    row = reviewer.locator("#candidate-list tbody tr", has_text="Casey Candidate")
    expect(row.locator(".badge")).to_have_text("submitted")
    expect(row).to_contain_text("declined automatic scoring")


# A question the fake microphone's speech earns an AI level on: where the transcript has
# "Kubernetes" with "Argo CD" or "Helm chart" (25 s of recording does), the rubric scorer assesses
# Argo CD and Flux; the other two competencies stay "not assessed". The test reads what it gave.
QUESTION = "database-migrations-gitops"
COMPETENCIES = ("production-mindset", "environment-promotion", "argocd-flux")
# The levels each reviewer gives blind, per candidate, in COMPETENCIES' order, and their recommendation.
LEVELS = {
    ("Rita Reviewer", "Cam Camera"): ((4, 3, 2), "Yes"),
    ("Bob Reviewer", "Cam Camera"): ((3, 3, 5), "Strong yes"),
    ("Rita Reviewer", "Dee Declined"): ((2, 2, 3), "No"),
    ("Bob Reviewer", "Dee Declined"): ((2, 4, 3), "Strong no"),
}
# After the reveal Bob changes one level (with a reason): agreement keeps his blind level, the
# compare page and the export show the current one.
REVISED = ("Bob Reviewer", "Cam Camera", "argocd-flux", 4)
NO_FIGURE = "\u2013"  # the en dash the pages show where there is no number
REVIEWERS = ("Rita Reviewer", "Bob Reviewer")
CANDIDATES = ("Cam Camera", "Dee Declined")


def percent(share: float) -> str:
    return f"{share * 100:.0f}%"


def two_places(value: float | None, sign: str = "") -> str:
    return NO_FIGURE if value is None else f"{value:{sign}.2f}"


def starts_with(level: int | None) -> re.Pattern[str]:
    """A level cell's text: the level first (then any hidden label, change form or rationale)."""
    return re.compile(r"^\s*" + ("not assessed" if level is None else rf"{level}(?!\d)"))


def new_context_page(browser: Browser) -> Page:
    return browser.new_context(accept_downloads=True).new_page()


def answer_through_link(page: Page, link: str, name: str, email: str, *, automatic: bool) -> None:
    """The invited candidate signs up through the link and accepts the terms, allowing automatic
    scoring or declining it."""
    page.goto(link)
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("button", name=f"Continue as {name}").click()
    choice = "Score my answers automatically as well as by people"
    if not automatic:
        choice = "Only people score my answers (decline automatic scoring)"
    page.get_by_label(choice).check()
    page.get_by_label("I agree that my answers are recorded and used as described above.").check()
    page.get_by_role("button", name="Agree and continue").click()
    expected = "on, and people score you too" if automatic else "declined: only people score you"
    expect(page.get_by_text(f"Automatic scoring: {expected}.")).to_be_visible()


def submit_interview(page: Page) -> None:
    page.get_by_role("link", name="interview overview").click()
    expect(page.get_by_text("Question 1: answered")).to_be_visible(timeout=20_000)
    page.get_by_role("button", name="Submit my interview").click()
    expect(page.get_by_role("status")).to_have_text("Your interview is submitted.")


def rate_blind(page: Page, reviewer: str, candidate: str) -> None:
    levels, recommendation = LEVELS[reviewer, candidate]
    for competency, level in zip(COMPETENCIES, levels, strict=True):
        page.locator(f"input[name^='level-'][name$='-{competency}'][value='{level}']").check()
    page.get_by_label(recommendation, exact=True).check()
    page.get_by_label("Notes").fill(f"{reviewer} on {candidate}")
    page.get_by_role("button", name="Submit review").click()
    expect(page.locator("#compared")).to_be_visible()


def assert_blind(page: Page, others: str) -> None:
    """The rating form shows neither the AI's scores nor another reviewer's rating or notes."""
    expect(page.locator("#blind-notice")).to_be_visible()
    expect(page.locator("#rating")).to_be_visible()
    expect(page.locator("table.compared")).to_have_count(0)
    expect(page.locator("td.ai")).to_have_count(0)
    expect(page.locator("#main")).not_to_contain_text(others)
    expect(page.locator("#main")).not_to_contain_text("Fallback score")


def ratings_row(page: Page, competency: str) -> Locator:
    return page.locator("table.compared tbody tr").filter(
        has=page.get_by_role("rowheader", name=competency, exact=True)
    )


def ai_levels_shown(page: Page, names: dict[str, str], timeout: float = 300.0) -> dict[str, int | None]:
    """The AI's level per competency on a revealed review page, reloading until the pipeline has
    transcribed and scored the recording (slow on a busy machine)."""
    deadline = time.monotonic() + timeout
    while "not scored yet" in page.locator("section.review-question").inner_text():
        assert time.monotonic() < deadline, "the camera answer was not scored in time"
        page.wait_for_timeout(3000)
        page.reload()
    levels: dict[str, int | None] = {}
    for competency in COMPETENCIES:
        text = ratings_row(page, names[competency]).locator("td.ai").inner_text().strip()
        found = re.match(r"([1-5])\b", text)
        assert found or text.startswith("not assessed"), text
        levels[competency] = int(found.group(1)) if found else None
    return levels


def agreement_cells(page: Page, table: str, label: str) -> list[str]:
    row = page.locator(f"#{table} tbody tr").filter(has=page.get_by_role("rowheader", name=label, exact=True))
    return [cell.strip() for cell in row.locator("td").all_inner_texts()]


def expected_agreement(ai: dict[str, int | None], competencies: tuple[str, ...]) -> list[str]:
    """One row of an agreement table, worked out from the levels the test gave and the AI's."""
    pairs = [
        (level, levels[COMPETENCIES.index(competency)])
        for (_reviewer, candidate), (levels, _) in LEVELS.items()
        if candidate == "Cam Camera"
        for competency in competencies
        if (level := ai[competency]) is not None
    ]
    units = [
        [LEVELS[reviewer, candidate][0][COMPETENCIES.index(competency)] for reviewer in REVIEWERS]
        for candidate in CANDIDATES
        for competency in competencies
    ]
    alpha = two_places(krippendorff_alpha(units))
    people = [str(len(units)), alpha]
    if not pairs:
        return ["0", "no answer has both an AI and a human level", *people]
    machine = [float(a) for a, _ in pairs]
    human = [float(h) for _, h in pairs]
    return [
        str(len(pairs)),
        two_places(quadratic_weighted_kappa(machine, human)),
        percent(sum(a == h for a, h in pairs) / len(pairs)),
        percent(sum(abs(a - h) <= 1 for a, h in pairs) / len(pairs)),
        two_places(sum(a - h for a, h in pairs) / len(pairs), "+"),
        *people,
    ]


def expected_disagreements(
    ai: dict[str, int | None], names: dict[str, str], question: str
) -> list[list[str]]:
    """The agreement page's largest disagreements: every answer and competency whose levels (the
    people's blind ones and the AI's) are two or more apart."""
    rows = []
    for candidate in CANDIDATES:
        for index, competency in enumerate(COMPETENCIES):
            people = sorted(LEVELS[reviewer, candidate][0][index] for reviewer in REVIEWERS)
            machine = ai[competency] if candidate == "Cam Camera" else None
            everyone = people + ([machine] if machine is not None else [])
            if max(everyone) - min(everyone) >= 2:
                shown = NO_FIGURE if machine is None else str(machine)
                rows.append(
                    [
                        candidate,
                        question,
                        names[competency],
                        shown,
                        ", ".join(map(str, people)),
                        str(max(everyone) - min(everyone)),
                    ]
                )
    return sorted(rows)


def current(reviewer: str, candidate: str) -> tuple[int, ...]:
    """The levels a reviewer gives a candidate now: the blind ones, with REVISED applied."""
    levels = list(LEVELS[reviewer, candidate][0])
    if (reviewer, candidate) == REVISED[:2]:
        levels[COMPETENCIES.index(REVISED[2])] = REVISED[3]
    return tuple(levels)


def mean(levels: list[int]) -> float:
    return round(sum(levels) / len(levels), 2)


def test_two_reviewers_rate_two_candidates_blind_then_agreement_compare_and_export_add_up(
    browser: Browser, server: tuple[str, Path]
) -> None:
    url, var = server
    console: list[str] = []
    rita = new_context_page(browser)
    sign_up(rita, url, "Rita Reviewer", "rita@example.com")
    bob = new_context_page(browser)
    sign_up(bob, url, "Bob Reviewer", "bob@example.com")
    for email in ("rita@example.com", "bob@example.com"):
        coach(var.parent, "users", "set-role", "--email", email, "--role", "reviewer")
    for page, email in ((rita, "rita@example.com"), (bob, "bob@example.com")):
        page.goto(f"{url}/login")
        sign_in(page, email, PASSWORD)

    # Rita creates the assessment: one question, on camera or typed, scored automatically too
    rita.goto(f"{url}/hiring/assessments/new")
    rita.get_by_label("Title").fill("Platform engineer, GitOps")
    rita.get_by_label("Role", exact=True).fill("Platform engineer")
    rita.locator(f"#q-{QUESTION}").check()
    rita.get_by_label("camera", exact=True).check()
    rita.get_by_label("typing").check()
    rita.get_by_label("Score answers automatically as well").check()
    deadline = datetime.now(UTC) + timedelta(days=14)
    rita.get_by_label("Deadline").fill(f"{deadline:%Y-%m-%dT%H:%M}")
    rita.get_by_role("button", name="Create assessment").click()
    expect(rita.get_by_role("status")).to_have_text("Assessment created. Invite candidates below.")
    assessment_url = rita.url.split("?")[0]
    links = {}
    for name in CANDIDATES:
        rita.get_by_label("Name", exact=True).fill(name)
        rita.get_by_label("Email", exact=True).fill(f"{name.split()[0].lower()}@example.com")
        rita.get_by_role("button", name="Invite", exact=True).click()
        links[name] = rita.get_by_label(f"Link for {name}").input_value()
        rita.goto(assessment_url)

    # Cam answers on camera (the fake camera and microphone) and allows automatic scoring
    cam = new_context_page(browser)
    cam.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    answer_through_link(cam, links["Cam Camera"], "Cam Camera", "cam@example.com", automatic=True)
    cam.get_by_label("On camera").check()
    cam.get_by_role("button", name="Begin").click()
    expect(cam.get_by_role("heading", name="Check your camera and microphone")).to_be_visible()
    cam.get_by_role("button", name="Turn on camera and microphone").click()
    expect(cam.locator("#level")).to_have_text("sound", timeout=15_000)
    cam.get_by_role("link", name="It works: start the first question").click()
    record_for(cam, 25, var.parent / "server.log", console)
    cam.get_by_role("button", name="Stop and submit").click()
    expect(cam.get_by_text("Your answer was saved.")).to_be_visible(timeout=20_000)
    submit_interview(cam)

    # Dee declines automatic scoring and types
    dee = new_context_page(browser)
    answer_through_link(dee, links["Dee Declined"], "Dee Declined", "dee@example.com", automatic=False)
    dee.get_by_label("Typing").check()
    dee.get_by_role("button", name="Begin").click()
    dee.get_by_role("button", name="Start answering now").click()
    dee.get_by_label("Your answer").fill("Argo CD renders the Helm chart and applies the manifests.")
    dee.get_by_role("button", name="Submit answer").click()
    expect(dee.get_by_text("Your answer was saved.")).to_be_visible(timeout=15_000)
    submit_interview(dee)

    # Rita adds Bob as a reviewer of this assessment
    rita.goto(assessment_url)
    rita.get_by_label("Add a reviewer").select_option(label="Bob Reviewer (bob@example.com)")
    rita.get_by_role("button", name="Add", exact=True).click()
    expect(rita.get_by_role("listitem").filter(has_text="Bob Reviewer")).to_be_visible()
    ids = {
        name: rita.locator("#candidate-list tbody tr", has_text=name).get_attribute("data-invitation")
        for name in CANDIDATES
    }
    for name in CANDIDATES:
        expect(rita.locator("#candidate-list tbody tr", has_text=name).locator(".badge")).to_have_text(
            "submitted"
        )
    review_urls = {name: f"{assessment_url}/candidates/{ids[name]}" for name in CANDIDATES}

    # Rita rates both blind: the camera answer is transcribed before she rates, its AI score hidden
    rita.goto(review_urls["Cam Camera"])
    assert_blind(rita, "Bob Reviewer")
    deadline_at = time.monotonic() + 300
    while rita.locator("ol.transcript").count() == 0:
        assert time.monotonic() < deadline_at, "the camera answer was not transcribed in time"
        rita.wait_for_timeout(3000)
        rita.reload()
    expect(rita.locator("video.review-media")).to_be_visible()
    assert_blind(rita, "Bob Reviewer")
    names = {
        competency: rita.locator(f"fieldset.anchors:has(input[name$='-{competency}']) legend").inner_text()
        for competency in COMPETENCIES
    }
    rate_blind(rita, "Rita Reviewer", "Cam Camera")
    ai = ai_levels_shown(rita, names)  # once she has submitted: the AI's levels, scored by now
    rita.goto(review_urls["Dee Declined"])
    assert_blind(rita, "Bob Reviewer")
    rate_blind(rita, "Rita Reviewer", "Dee Declined")

    # Bob rates blind: the AI's scores and Rita's ratings exist, and he sees neither
    for candidate in CANDIDATES:
        bob.goto(review_urls[candidate])
        assert_blind(bob, "Rita Reviewer")
        rate_blind(bob, "Bob Reviewer", candidate)

    # after submitting, each sees the AI (where allowed) and the other reviewer beside their own
    for page, other in ((rita, "Bob Reviewer"), (bob, "Rita Reviewer")):
        me = "Rita Reviewer" if other == "Bob Reviewer" else "Bob Reviewer"
        for candidate in CANDIDATES:
            page.goto(review_urls[candidate])
            headers = page.locator("table.compared").first.locator("thead th").all_inner_texts()
            with_ai = candidate == "Cam Camera"
            assert headers == ["Competency", "You", other, *(["AI"] if with_ai else [])], headers
            for index, competency in enumerate(COMPETENCIES):
                cells = ratings_row(page, names[competency]).locator("td")
                expect(cells.nth(0)).to_have_text(starts_with(LEVELS[me, candidate][0][index]))
                expect(cells.nth(1)).to_have_text(starts_with(LEVELS[other, candidate][0][index]))
                if with_ai:
                    expect(cells.nth(2)).to_have_text(starts_with(ai[competency]))
            recommendations = page.locator("#compared tbody")
            expect(recommendations).to_contain_text(LEVELS[other, candidate][1])
            expect(recommendations).to_contain_text(f"{other} on {candidate}")
            if not with_ai:
                expect(page.locator("#no-ai")).to_contain_text("the candidate declined automatic scoring")
                expect(page.locator("td.ai")).to_have_count(0)

    # Bob changes a level after the reveal; Rita moves Cam on: stages are set by people only
    bob.goto(review_urls["Cam Camera"])
    revised = ratings_row(bob, names[REVISED[2]])
    blind_level = LEVELS[REVISED[:2]][0][COMPETENCIES.index(REVISED[2])]
    revised.locator("summary", has_text="Change").click()
    revised.get_by_label("New level").select_option(str(REVISED[3]))
    revised.get_by_label("Why you change it").fill("Heard the migration part again.")
    revised.get_by_role("button", name="Change rating").click()
    own = ratings_row(bob, names[REVISED[2]]).locator("td").first
    expect(own).to_have_text(starts_with(REVISED[3]))
    expect(own).to_contain_text(f"(blind: {blind_level})")
    expect(bob.locator("ul.changes")).to_contain_text("Reason: Heard the migration part again.")
    rita.goto(review_urls["Cam Camera"])
    rita.get_by_label("Move to").select_option(label="Advance")
    rita.get_by_label("Reason (optional)").fill("Clear on Argo CD")
    rita.get_by_role("button", name="Set stage").click()
    expect(rita.locator("#current-stage")).to_have_text("Advance")

    # the agreement page: AI against each person's blind level, people among themselves
    rita.goto(assessment_url)
    rita.get_by_role("link", name="Agreement and compare").click()
    expect(rita.get_by_role("heading", name="Agreement: Platform engineer, GitOps")).to_be_visible()
    expect(rita.locator("#left-out")).to_have_count(0)
    assert agreement_cells(rita, "overall", "All answers") == expected_agreement(ai, COMPETENCIES)
    question_label = rita.locator("#by-question tbody th").first.inner_text()
    assert agreement_cells(rita, "by-question", question_label) == expected_agreement(ai, COMPETENCIES)
    for competency in COMPETENCIES:
        agreement = agreement_cells(rita, "by-competency", names[competency])
        assert agreement == expected_agreement(ai, (competency,)), (competency, agreement)

    shown_gaps = [
        [cell.strip() for cell in row.locator("td").all_inner_texts()]
        for row in rita.locator("#disagreements tbody tr").all()
    ]
    assert sorted(shown_gaps) == expected_disagreements(ai, names, question_label), shown_gaps

    # compare: people's mean current level and the AI's per competency; no AI for Dee
    for candidate in CANDIDATES:
        rita.get_by_label(candidate).check()
    rita.get_by_role("button", name="Compare").click()
    expect(rita.get_by_role("heading", name="Compare candidates")).to_be_visible()
    people_means = {}
    for candidate in CANDIDATES:
        for index, competency in enumerate(COMPETENCIES):
            given = [current(reviewer, candidate)[index] for reviewer in REVIEWERS]
            people_means[candidate, competency] = mean(given)
            human = rita.locator(
                f"td.human[data-candidate='{ids[candidate]}'][data-competency='{competency}']"
            )
            expect(human).to_have_text(f"{mean(given):.2f}")
            level = ai[competency]
            shown = (
                "declined" if candidate == "Dee Declined" else NO_FIGURE if level is None else f"{level:.2f}"
            )
            expect(human.locator("xpath=following-sibling::td[1]")).to_have_text(shown)
    for candidate, stage in (("Cam Camera", "Advance"), ("Dee Declined", "New")):
        header = rita.locator("#competencies thead th").filter(has=rita.get_by_role("link", name=candidate))
        expect(header).to_contain_text(stage)
    question_row = rita.locator("#questions tbody tr").first.locator("td")
    for column, candidate in enumerate(CANDIDATES):
        given = [level for reviewer in REVIEWERS for level in current(reviewer, candidate)]
        expect(question_row.nth(column * 2)).to_have_text(f"{mean(given):.2f}")
    cam_ai = [level for level in ai.values() if level is not None]
    expect(question_row.nth(1)).to_have_text(f"{mean(cam_ai):.2f}" if cam_ai else NO_FIGURE)
    expect(question_row.nth(3)).to_have_text("declined")

    # the CSV export: the compare page's numbers, one row per candidate and competency, with the
    # AI's agreement with the people's blind levels
    rita.goto(assessment_url)
    with rita.expect_download() as download:
        rita.get_by_role("link", name="Export as CSV").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    rows = {(row["candidate"], row["competency_id"]): row for row in csv.DictReader(exported.splitlines())}
    assert set(rows) == {(candidate, competency) for candidate in CANDIDATES for competency in COMPETENCIES}
    for (candidate, competency), row in rows.items():
        assert float(row["human_level"]) == people_means[candidate, competency], row
        assert row["human_ratings"] == "2", row
        assert row["stage"] == ("advance" if candidate == "Cam Camera" else "new"), row
        level = ai[competency] if candidate == "Cam Camera" else None
        if level is None:
            assert (row["ai_level"], row["ai_levels"], row["exact_agreement"]) == ("", "0", ""), row
            continue
        index = COMPETENCIES.index(competency)
        blind = [LEVELS[reviewer, candidate][0][index] for reviewer in REVIEWERS]
        assert (float(row["ai_level"]), row["ai_levels"]) == (level, "1"), row
        assert float(row["ai_minus_human"]) == round(level - people_means[candidate, competency], 2), row
        assert float(row["exact_agreement"]) == round(sum(level == h for h in blind) / 2, 2), row
        assert float(row["adjacent_agreement"]) == round(sum(abs(level - h) <= 1 for h in blind) / 2, 2), row
    assert all(row["ai_level"] == "" for (candidate, _), row in rows.items() if candidate == "Dee Declined")
