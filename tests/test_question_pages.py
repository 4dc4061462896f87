"""The editor's workbench and the candidates' browser, as their users see them."""

import re
from html.parser import HTMLParser

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.markdown import render_markdown
from app.models import QuestionStatus, Role
from app.paths import QUESTION_BANK_DIR
from app.questions import service
from app.questions.editor_form import form_from_content
from tests.factories import create_user, csrf_token, post_form, sign_in

QUESTION = yaml.safe_load((QUESTION_BANK_DIR / "questions" / "drift-manual-edit.yaml").read_text())

XSS_CORPUS = [
    "<script>alert(1)</script>",
    "[click me](javascript:alert(1))",
    "[click me](JaVaScRiPt:alert(1))",
    '<img src=x onerror="alert(1)">',
    '<a href="#" onclick="alert(1)">x</a>',
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    "<svg><script>alert(1)</script></svg>",
    "![x](javascript:alert(1))",
    '<iframe src="https://evil.example"></iframe>',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
]


class _MarkupAudit(HTMLParser):
    """Collects what could run: script-capable tags, event handlers and non-http(s) URLs."""

    UNSAFE_TAGS = {"script", "svg", "iframe", "object", "embed", "style", "math", "img", "form"}

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.UNSAFE_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            if name in {"href", "src"} and not re.match(r"(https?:|mailto:|#|/)", value or "", re.IGNORECASE):
                self.found.append(f"{tag} {name}={value}")


def unsafe_markup(html: str) -> list[str]:
    audit = _MarkupAudit()
    audit.feed(html)
    return audit.found


def _editor(client: TestClient, db: Session) -> None:
    sign_in(client, create_user(db, Role.editor))


def _published(db: Session, content: dict | None = None) -> str:  # type: ignore[type-arg]
    question = service.create_question(db, content or QUESTION, create_user(db, Role.editor))
    service.set_status(db, question.slug, QuestionStatus.published)
    db.flush()
    return question.slug


def test_editor_sees_each_problem_next_to_its_field_and_keeps_the_input(
    client: TestClient, db: Session
) -> None:
    _editor(client, db)
    form = form_from_content({**QUESTION, "id": "new-one"})
    form["model_answer"] = "Too short to be a model answer."
    form["key_points"] = "- id: [unclosed"
    response = post_form(client, "/editor/questions", form)
    assert response.status_code == 422
    html = response.text
    assert "The question was not saved" in html
    model_answer_errors = re.search(r'<ul class="field-error" id="e-model_answer">(.*?)</ul>', html, re.S)
    assert model_answer_errors
    assert "it must have 150-300 words" in model_answer_errors.group(1)
    key_point_errors = re.search(r'<ul class="field-error" id="e-key_points">(.*?)</ul>', html, re.S)
    assert key_point_errors
    assert "not valid YAML" in key_point_errors.group(1)
    assert "Too short to be a model answer.</textarea>" in html
    assert 'aria-invalid="true" aria-describedby="e-model_answer"' in html


def test_errors_inside_a_list_say_which_item(client: TestClient, db: Session) -> None:
    _editor(client, db)
    content = {**QUESTION, "id": "new-two"}
    content["key_points"] = [
        *QUESTION["key_points"][:2],
        {**QUESTION["key_points"][2], "competency": "policy-as-code"},
    ]
    response = post_form(client, "/editor/questions", form_from_content(content))
    assert response.status_code == 422
    assert "is not one the question assesses" in response.text


def test_every_problem_is_shown_after_one_save(client: TestClient, db: Session) -> None:
    _editor(client, db)
    content = {**QUESTION, "id": "new-three", "title": "No"}
    content["competencies"] = [{**c, "weight": 0.3} for c in QUESTION["competencies"][:2]]
    content["key_points"] = [
        *QUESTION["key_points"][:2],
        {**QUESTION["key_points"][2], "competency": "policy-as-code"},
    ]
    clash = QUESTION["key_points"][0]["cues"][0]
    content["red_flags"] = [{**QUESTION["red_flags"][0], "cues": [clash]}]
    form = form_from_content(content)
    form["model_answer"] = "Too short."
    response = post_form(client, "/editor/questions", form)
    assert response.status_code == 422
    html = response.text
    assert "The question was not saved: 5 problems in 5 fields. Fix them all, then save once." in html

    def field_errors(name: str) -> str:
        found = re.search(rf'<ul class="field-error" id="e-{name}">(.*?)</ul>', html, re.S)
        assert found, f"no errors shown at {name}"
        return found.group(1)

    assert "at least 3 characters" in field_errors("title")
    assert "weights must add up to 1.0" in field_errors("competencies")
    assert (
        "item 3 &gt; competency: &#39;policy-as-code&#39; is not one the question assesses"
        in field_errors("key_points")
    )
    assert f"item 1 &gt; cues: cue &#39;{clash}&#39; is also a key point cue" in field_errors("red_flags")
    assert "it must have 150-300 words" in field_errors("model_answer")
    assert '<a href="#f-red_flags">Red flags</a>: item 1 &gt; cues' in html


def test_the_id_of_an_existing_question_is_marked_read_only_and_never_changes(
    client: TestClient, db: Session
) -> None:
    slug = _published(db)
    _editor(client, db)
    new_page = client.get("/editor/questions/new").text
    assert re.search(r'<input id="f-id" name="id" type="text" value="[^"]*">', new_page)
    page = client.get(f"/editor/questions/{slug}").text
    assert "(read-only: a question&#39;s id never changes)" in page
    assert f'<input id="f-id" name="id" type="text" value="{slug}" readonly aria-readonly="true">' in page
    form = {**form_from_content(QUESTION), "id": "renamed-by-hand", "title": "A changed title here"}
    saved = post_form(client, f"/editor/questions/{slug}", form)
    assert saved.headers["location"].startswith(f"/editor/questions/{slug}?")
    assert client.get("/editor/questions/renamed-by-hand").status_code == 404


def test_history_says_who_made_each_version(client: TestClient, db: Session) -> None:
    slug = _published(db)  # version 1, saved in the editor by a factory editor
    editor = create_user(db, Role.editor, name="Eddie Editor", email="eddie@example.com")
    sign_in(client, editor)
    post_form(
        client, f"/editor/questions/{slug}", {**form_from_content(QUESTION), "title": "Retitled by Eddie"}
    )
    rows = re.findall(
        r"<tr>\s*<td>(\d+).*?</td>.*?</td>\s*<td>(.*?)</td>",
        client.get(f"/editor/questions/{slug}/versions").text,
        re.S,
    )
    made_by = dict(rows)
    assert made_by["2"] == "Eddie Editor (eddie@example.com), in the editor"
    assert re.fullmatch(r"User \d+ \(user\d+@example\.com\), in the editor", made_by["1"]), made_by["1"]


def test_a_new_question_is_a_draft_until_published(app: FastAPI, client: TestClient, db: Session) -> None:
    _editor(client, db)
    created = post_form(client, "/editor/questions", form_from_content(QUESTION))
    assert created.headers["location"].startswith("/editor/questions/drift-manual-edit?")
    assert "Draft created" in client.get(created.headers["location"]).text
    with TestClient(app) as candidate:
        sign_in(candidate, create_user(db))
        assert "drift-manual-edit" not in candidate.get("/questions").text
        assert candidate.get("/questions/drift-manual-edit").status_code == 404
        post_form(client, "/editor/questions/drift-manual-edit/status", {"status": "published"})
        assert 'href="/questions/drift-manual-edit"' in candidate.get("/questions").text
        page = candidate.get("/questions/drift-manual-edit")
        assert page.status_code == 200
        assert QUESTION["title"] in page.text
        post_form(client, "/editor/questions/drift-manual-edit/retire")
        assert candidate.get("/questions/drift-manual-edit").status_code == 404
        post_form(client, "/editor/questions/drift-manual-edit/restore")
        assert candidate.get("/questions/drift-manual-edit").status_code == 200


def test_saving_makes_a_version_the_history_lists_and_diffs(client: TestClient, db: Session) -> None:
    slug = _published(db)
    _editor(client, db)
    form = form_from_content(QUESTION)
    form["title"] = "When someone kubectl-edits a managed Deployment"
    saved = post_form(client, f"/editor/questions/{slug}", form)
    assert "Saved as a new version" in client.get(saved.headers["location"]).text
    unchanged = post_form(client, f"/editor/questions/{slug}", form)
    assert "Nothing changed" in client.get(unchanged.headers["location"]).text
    history = client.get(f"/editor/questions/{slug}/versions").text
    assert "changes from version 1" in history
    assert "version 3" not in history
    diff = client.get(f"/editor/questions/{slug}/diff?from=1&to=2").text
    assert '<span class="diff-remove"><span class="visually-hidden">removed: </span>-title: ' in diff
    assert "+title: When someone kubectl-edits a managed Deployment" in diff
    assert client.get(f"/editor/questions/{slug}/diff?from=1&to=9").status_code == 404


def test_the_browser_lists_each_title_as_last_saved_and_escaped(client: TestClient, db: Session) -> None:
    """The list's HTML is reused while the list is unchanged; a rename must show at once."""
    slug = _published(db)
    _editor(client, db)

    def listed() -> str:
        return client.get("/questions").text.split("<h1>", 1)[1]

    assert f'<a href="/questions/{slug}">{QUESTION["title"]}</a>' in listed()
    form = form_from_content(QUESTION)
    form["title"] = "Drift <script>alert(1)</script> & self-heal"
    post_form(client, f"/editor/questions/{slug}", form)
    page = listed()
    assert "Drift &lt;script&gt;alert(1)&lt;/script&gt; &amp; self-heal" in page
    assert QUESTION["title"] not in page
    assert "<script>" not in page
    post_form(client, f"/editor/questions/{slug}/retire")
    assert f"/questions/{slug}" not in listed()


def test_editor_list_filters(client: TestClient, db: Session) -> None:
    _published(db)
    other = yaml.safe_load((QUESTION_BANK_DIR / "questions" / "sealed-secrets-workflow.yaml").read_text())
    service.create_question(db, other, create_user(db, Role.editor))  # stays a draft
    db.flush()
    _editor(client, db)

    def listed(query: str) -> set[str]:
        return set(re.findall(r"<code>([a-z0-9-]+)</code>", client.get(f"/editor/questions?{query}").text))

    assert listed("") == {"drift-manual-edit", "sealed-secrets-workflow"}
    assert listed("status=draft") == {"sealed-secrets-workflow"}
    assert listed("category=principles") == {"drift-manual-edit"}
    assert listed("competency=secrets-management") == {"sealed-secrets-workflow"}
    assert listed("q=SEALED") == {"sealed-secrets-workflow"}
    assert listed("difficulty=senior") == set()
    assert client.get("/editor/questions?status=bogus").status_code == 422


def test_the_model_answer_is_hidden_from_a_candidate_who_has_not_answered(
    client: TestClient, db: Session
) -> None:
    slug = _published(db)
    sign_in(client, create_user(db))
    page = client.get(f"/questions/{slug}").text
    assert "unlocks after you have answered this question once" in page
    assert QUESTION["model_answer"][:60] not in page


def test_staff_see_the_model_answer(client: TestClient, db: Session) -> None:
    slug = _published(db)
    sign_in(client, create_user(db, Role.reviewer))
    page = client.get(f"/questions/{slug}").text
    assert "unlocks after" not in page
    assert "Follow-up questions to expect" in page


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_markdown_payloads_are_neutralised(payload: str) -> None:
    html = str(render_markdown(f"Before\n\n{payload}\n\nAfter"))
    assert unsafe_markup(html) == [], html
    assert "Before" in html
    assert "After" in html


def test_payloads_are_neutralised_in_the_preview_and_the_question_page(
    client: TestClient, db: Session
) -> None:
    _editor(client, db)
    corpus = "\n\n".join(XSS_CORPUS)
    preview = client.post(
        "/editor/preview", json={"text": corpus}, headers={"X-CSRF-Token": csrf_token(client)}
    )
    assert preview.status_code == 200
    assert unsafe_markup(preview.text) == [], preview.text
    slug = _published(db, {**QUESTION, "prompt": f"Explain drift.\n\n{corpus}"})
    page = client.get(f"/questions/{slug}").text
    body = page.split('<div class="prompt">', 1)[1].split("</div>", 1)[0]
    assert "Explain drift." in body
    assert unsafe_markup(body) == [], body


def test_preview_needs_the_csrf_header(client: TestClient, db: Session) -> None:
    _editor(client, db)
    assert client.post("/editor/preview", json={"text": "x"}).status_code == 403


@pytest.mark.parametrize("nesting", ["[" * 3000, "[" * 50_000, "- " * 1500 + "x"])
def test_deeply_nested_yaml_is_reported_not_a_crash(client: TestClient, db: Session, nesting: str) -> None:
    _editor(client, db)
    form = form_from_content({**QUESTION, "id": "deep-one"})
    form["key_points"] = nesting
    response = post_form(client, "/editor/questions", form)
    assert response.status_code == 422
    errors = re.search(r'<ul class="field-error" id="e-key_points">(.*?)</ul>', response.text, re.S)
    assert errors
    assert "nested more than" in errors.group(1) or "not valid YAML" in errors.group(1)
