"""In Chromium, a hiring manager's first assessment: a reviewer (made one with `users set-role`)
creates an assessment and invites a candidate; the candidate opens the link, signs up, accepts
the terms but declines automatic scoring, answers by typing and submits; the reviewer sees the
candidate as submitted."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.test_account_admin_flow import PASSWORD, coach, sign_in, sign_up

pytestmark = pytest.mark.browser


def test_a_reviewer_invites_a_candidate_who_answers_typed_and_submits(browser: Browser, server) -> None:  # type: ignore[no-untyped-def]
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

    reviewer.goto(assessment_url)
    row = reviewer.locator("#candidate-list tbody tr", has_text="Casey Candidate")
    expect(row.locator(".badge")).to_have_text("submitted")
    expect(row).to_contain_text("declined automatic scoring")
