"""Question bank pages: the editor's workbench and the candidates' browser. Thin: parse, call, render."""

from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from app.accounts.deps import EDITORS_ONLY, SIGNED_IN, EditorUser
from app.db import DbDep
from app.markdown import render_markdown
from app.models import Question, QuestionStatus
from app.questions import service
from app.questions.editor_form import NEW_QUESTION, errors_by_field, form_from_content, question_from_form
from app.questions.schemas import CATEGORIES, COMPETENCY_IDS
from app.web import redirect, render, templates

router = APIRouter()
DIFFICULTIES = ("junior", "mid", "senior")
STATUSES = ("draft", "published", "retired")
PREVIEW_LIMIT = 20_000


def _choices() -> dict[str, Any]:
    return {
        "categories": CATEGORIES,
        "difficulties": DIFFICULTIES,
        "competency_ids": COMPETENCY_IDS,
        "statuses": STATUSES,
    }


# --- editor -----------------------------------------------------------------------------------


@router.get("/editor/questions", response_class=HTMLResponse, dependencies=[EDITORS_ONLY])
def editor_list(
    request: Request,
    db: DbDep,
    q: str = "",
    category: str = "",
    difficulty: str = "",
    competency: str = "",
    status: Annotated[str, Query(pattern="^(|draft|published|retired)$")] = "",
) -> Response:
    wanted = service.QuestionFilter(q, category, difficulty, competency, status)
    questions = service.list_questions(db, wanted)
    return render(
        request, "questions/editor_list.html", {"questions": questions, "wanted": wanted} | _choices()
    )


def _editor_form(
    request: Request,
    form: dict[str, str],
    question: Question | None,
    problems: list[Any],
    status_code: int = 200,
) -> Response:
    errors = errors_by_field(problems)
    context = {
        "form": form,
        "question": question,
        "errors": errors,
    }
    return render(request, "questions/editor_form.html", context | _choices(), status_code)


@router.get("/editor/questions/new", response_class=HTMLResponse, dependencies=[EDITORS_ONLY])
def editor_new(request: Request) -> Response:
    return _editor_form(request, dict(NEW_QUESTION), None, [])


async def _form_fields(request: Request) -> dict[str, str]:
    """The editor's free-form fields, read on the event loop before the route's thread and
    transaction start (the body is bounded by the global limit)."""
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str) and key != "csrf_token"}


FormFields = Annotated[dict[str, str], Depends(_form_fields)]


@router.post("/editor/questions")
def editor_create(request: Request, form: FormFields, db: DbDep, editor: EditorUser) -> Response:
    try:
        question = service.create_question(db, question_from_form(form), editor)
    except service.QuestionInvalid as invalid:
        return _editor_form(request, form, None, invalid.problems, 422)
    return redirect(f"/editor/questions/{question.slug}", "question-created")


@router.get("/editor/questions/{slug}", response_class=HTMLResponse, dependencies=[EDITORS_ONLY])
def editor_edit(request: Request, db: DbDep, slug: str) -> Response:
    question = service.get_question(db, slug)
    assert question.current_version is not None
    return _editor_form(request, form_from_content(question.current_version.content), question, [])


@router.post("/editor/questions/{slug}")
def editor_save(request: Request, form: FormFields, db: DbDep, editor: EditorUser, slug: str) -> Response:
    form = {**form, "id": slug}
    try:
        version = service.save_question(
            db, slug, question_from_form(form), editor, check=request.app.state.publish_check
        )
    except service.QuestionInvalid as invalid:
        return _editor_form(request, form, service.get_question(db, slug), invalid.problems, 422)
    return redirect(f"/editor/questions/{slug}", "question-saved" if version else "question-unchanged")


@router.post("/editor/questions/{slug}/status", dependencies=[EDITORS_ONLY])
def editor_set_status(
    request: Request,
    db: DbDep,
    slug: str,
    status: Annotated[QuestionStatus, Form()],
) -> Response:
    try:
        service.set_status(db, slug, status, check=request.app.state.publish_check)
    except service.QuestionInvalid as invalid:
        question = service.get_question(db, slug)
        assert question.current_version is not None
        form = form_from_content(question.current_version.content)
        return _editor_form(request, form, question, invalid.problems, 422)
    return redirect(f"/editor/questions/{slug}", f"question-{status.value}")


@router.post("/editor/questions/{slug}/retire", dependencies=[EDITORS_ONLY])
def editor_retire(db: DbDep, slug: str) -> Response:
    service.retire(db, slug)
    return redirect(f"/editor/questions/{slug}", "question-retired")


@router.post("/editor/questions/{slug}/restore", dependencies=[EDITORS_ONLY])
def editor_restore(db: DbDep, slug: str) -> Response:
    service.restore(db, slug)
    return redirect(f"/editor/questions/{slug}", "question-restored")


@router.get("/editor/questions/{slug}/versions", response_class=HTMLResponse, dependencies=[EDITORS_ONLY])
def editor_versions(request: Request, db: DbDep, slug: str) -> Response:
    question = service.get_question(db, slug)
    return render(
        request,
        "questions/versions.html",
        {"question": question, "versions": service.versions(db, question)},
    )


@router.get("/editor/questions/{slug}/diff", response_class=HTMLResponse, dependencies=[EDITORS_ONLY])
def editor_diff(
    request: Request,
    db: DbDep,
    slug: str,
    older: Annotated[int, Query(alias="from", ge=1, le=2**31)],
    newer: Annotated[int, Query(alias="to", ge=1, le=2**31)],
) -> Response:
    question = service.get_question(db, slug)
    old, new = service.get_version(db, question, older), service.get_version(db, question, newer)
    return render(
        request,
        "questions/diff.html",
        {"question": question, "old": old, "new": new, "lines": service.diff_versions(old, new)},
    )


@router.post("/editor/preview", response_class=HTMLResponse, dependencies=[EDITORS_ONLY])
def editor_preview(text: Annotated[str, Body(embed=True, max_length=PREVIEW_LIMIT)]) -> Response:
    """Live preview of markdown exactly as candidates will see it: rendered, then sanitised."""
    return HTMLResponse(render_markdown(text))


# --- candidates -------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _question_list(questions: tuple[Any, ...]) -> Markup:
    """The browser's list of questions by category, rendered once per distinct list: every
    candidate opens this page, rendering the list was most of its cost, and it changes only
    when an editor publishes, retires or renames a question."""
    by_category = {c: [q for q in questions if q.category == c] for c in CATEGORIES}
    html = templates.get_template("questions/_question_list.html").render(by_category=by_category)
    return Markup(html)  # noqa: S704 - the output of an autoescaped template


@router.get("/questions", response_class=HTMLResponse, dependencies=[SIGNED_IN])
def browse(request: Request, db: DbDep, category: str = "", difficulty: str = "") -> Response:
    questions = service.published_titles(db, category, difficulty)
    context = {
        "question_list": _question_list(tuple(questions)),
        "category": category,
        "difficulty": difficulty,
        "count": len(questions),
    }
    return render(request, "questions/browse.html", context | _choices())
