"""Web plumbing shared by every domain: templates, navigation, security headers, error pages."""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.accounts.csrf import ASGIApp, Message, Receive, Scope, Send
from app.accounts.deps import SIGNED_OUT, Viewer
from app.config import PACKAGE_DIR
from app.errors import AppError, NotAuthenticated
from app.models import Role

log = logging.getLogger(__name__)
templates = Jinja2Templates(directory=PACKAGE_DIR / "templates")


def plural(count: int, word: str) -> str:
    """`1 question`, `3 questions`: the count with the word in the right number."""
    return f"{count} {word}{'' if count == 1 else 's'}"


templates.env.filters["plural"] = plural

# Messages a redirect can ask the next page to show, by key, so no user text is reflected.
NOTICES = {
    "signed-in": "Welcome back. You are signed in.",
    "signed-up": "Your account is ready. You are signed in.",
    "signed-out": "You are signed out.",
    "password-changed": "Password changed. Your other sessions were signed out.",
    "role-changed": "Role changed. That user's sessions were signed out.",
    "question-created": "Draft created. Publish it when it is ready for candidates.",
    "question-saved": "Saved as a new version.",
    "question-unchanged": "Nothing changed, so no new version was made.",
    "question-published": "Published: candidates can now practise this question.",
    "question-draft": "Back to draft: candidates no longer see this question.",
    "question-retired": "Retired: hidden from new sessions, kept in history.",
    "question-restored": "Restored.",
    "consent-given": "Thank you. You can delete your recordings at any time from your sessions.",
    "take-chosen": "Saved: that take is the one that counts.",
    "transcript-corrected": "Transcript corrected. The answer is being scored again on your words.",
    "retrying": "Processing this answer again.",
    "session-deleted": "The session, its recordings, transcripts and scores are deleted.",
    "user-disabled": "Account disabled. That user's sessions were signed out.",
    "user-enabled": "Account enabled. That user can sign in again.",
    "password-reset": "Your new password is set and you are signed in. Your other sessions were signed out.",
}


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    roles: Sequence[Role] | None  # None: every signed-in user


NAV: list[NavItem] = [
    NavItem("Home", "/", None),
    NavItem("Practice", "/practice", None),
    NavItem("My sessions", "/sessions", None),
    NavItem("Progress", "/progress", None),
    NavItem("Questions", "/questions", None),
    NavItem("Question bank", "/editor/questions", [Role.editor, Role.admin]),
    NavItem("Users", "/admin/users", [Role.admin]),
    NavItem("Account", "/account", None),
]


def nav_for(user: Viewer | None) -> list[NavItem]:
    if user is None:
        return []
    return [item for item in NAV if item.roles is None or user.role in item.roles]


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    user = getattr(request.state, "viewer", None)
    base = {
        "user": user,
        "nav": nav_for(user),
        "csrf_token": request.state.csrf_token,
        # being signed out matters more than a stale notice in the address (a reloaded page)
        "notice": signed_out_message(request) or NOTICES.get(request.query_params.get("notice", "")),
    }
    return templates.TemplateResponse(request, template, base | (context or {}), status_code=status_code)


def signed_out_message(request: Request) -> str | None:
    """Why the app ended this browser's session, from the cookie it still sends or the reason
    the sign-in redirect carries (a key, so no user text is reflected)."""
    reason = getattr(request.state, "signed_out", None) or request.query_params.get("reason")
    return next((text for key, text in SIGNED_OUT.items() if key == reason), None)


def redirect(path: str, notice: str | None = None) -> RedirectResponse:
    if notice is not None:
        assert notice in NOTICES, notice
        path += ("&" if "?" in path else "?") + f"notice={notice}"
    return RedirectResponse(path, status_code=303)


# --- security headers -----------------------------------------------------------------------

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(self), microphone=(self), geolocation=(), payment=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(SECURITY_HEADERS)
        if scope.get("scheme") == "https":
            extra.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).extend(extra)
            await send(message)

        await self.app(scope, receive, send_with_headers)


# --- errors ---------------------------------------------------------------------------------


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return request.url.path.startswith("/api/") or (
        "application/json" in accept and "text/html" not in accept
    )


def error_response(request: Request, status_code: int, title: str, message: str) -> Response:
    """The error as JSON or a page. Never touches the database: handlers run on the event loop,
    where a blocking query could wait on a lock held by a request that needs the loop."""
    if _wants_json(request):
        return JSONResponse({"detail": message}, status_code=status_code)
    return render(request, "error.html", {"title": title, "message": message}, status_code)


async def _app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    if isinstance(exc, NotAuthenticated) and request.method == "GET" and not _wants_json(request):
        reason = getattr(request.state, "signed_out", None)
        why = f"&reason={reason.value}" if reason else ""
        return RedirectResponse(f"/login?next={quote(request.url.path)}{why}", status_code=303)
    return error_response(request, exc.status_code, exc.title, exc.message)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    titles = {404: "Not found", 405: "Not allowed"}
    messages = {404: "There is nothing at this address.", 405: "This address does not accept that."}
    return error_response(
        request,
        exc.status_code,
        titles.get(exc.status_code, "Error"),
        messages.get(exc.status_code, str(exc.detail)),
    )


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    fields = sorted({str(error["loc"][-1]) for error in exc.errors()})
    return error_response(
        request, 422, "Please check what you sent", f"Missing or invalid: {', '.join(fields)}."
    )


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(
        request, 500, "Something went wrong", "An unexpected error happened; it has been logged."
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)
