"""Web plumbing shared by every domain: templates, navigation, security headers, error pages."""

import logging
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import AppError, NotAuthenticated
from app.logs import REQUEST_ID
from app.models import Role, SignOutReason
from app.paths import TEMPLATES_DIR

log = logging.getLogger(__name__)
# A row id in a URL: larger numbers cannot exist and would overflow the database's integer.
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.auto_reload = False  # no stat() of every template on every render; restart to see edits


def plural(count: int, word: str) -> str:
    """`1 question`, `3 questions`: the count with the word in the right number."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def local_time(moment: datetime, zone: str) -> str:
    """A stored UTC time as the wall-clock time in an IANA zone, naming the zone."""
    return f"{moment.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M} ({zone})"


templates.env.filters["plural"] = plural
templates.env.filters["local_time"] = local_time

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
    "assessment-created": "Assessment created. Invite candidates below.",
    "member-added": "Reviewer added: they can now see and rate this assessment's candidates.",
    "account-erased": "Your account and everything stored about you are erased.",
    "interview-erased": "Your interview answers, recordings and scores are erased.",
    "candidate-erased": "The candidate's answers, recordings, scores and ratings are erased.",
    "account-erased-by-admin": "The account and everything stored about that person are erased.",
    "share-revoked": "The share link is revoked: it no longer opens anything.",
    "token-revoked": "The token is revoked: it no longer works.",
    "webhook-removed": "The webhook is removed: it is told about nothing more.",
    "public-link-closed": "The public link is closed: nobody new can join through it.",
    "candidate-accommodated": "Saved: the candidate's deadline and answer times are updated.",
    "terms-accepted": "Thank you. Read the rules below, then begin when you are ready.",
    "interview-submitted": "Your interview is submitted.",
    "self-id-saved": "Thank you. Your answers are kept apart from your interview; reviewers never see them.",
    "self-id-erased": "Your answers to the voluntary questions are erased.",
}

# What a browser whose session the app ended is told (on the sign-in page, and by the API).
SIGNED_OUT = {
    SignOutReason.role_changed: "Your role was changed; please sign in again.",
    SignOutReason.disabled: "Your account was disabled by an admin, so you were signed out.",
    SignOutReason.password_reset: "Your password was reset; please sign in with the new one.",
    SignOutReason.password_changed: "Your password was changed; please sign in again.",
}


@dataclass(frozen=True)
class Viewer:
    """What pages show about the signed-in user, copied when the user is loaded, so an error
    page can render it without the database (its handler runs on the event loop)."""

    id: int
    email: str
    display_name: str
    role: Role


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
    NavItem("Hiring", "/hiring", [Role.reviewer, Role.admin]),
    NavItem("Users", "/admin/users", [Role.admin]),
    NavItem("Audit", "/admin/audit", [Role.admin]),
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
    response = templates.TemplateResponse(request, template, base | (context or {}), status_code=status_code)
    if user is not None:  # transcripts, scores, names: never kept in a shared or browser cache
        response.headers["Cache-Control"] = "no-store"
    return response


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site, so no page can be used to bounce users elsewhere: a single
    leading slash, no backslash (browsers read `/\\host` as `//host`), no control characters."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and target.isprintable()
    ):
        return target
    return default


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


def csv_download(body: str, filename: str) -> Response:
    """A CSV file to save, never cached (it holds personal data)."""
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"}
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)


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


def _security_headers(scope: Scope) -> list[tuple[bytes, bytes]]:
    extra = list(SECURITY_HEADERS)
    if scope.get("scheme") == "https":
        extra.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
    return extra


class HttpMiddleware:
    """A pure ASGI middleware that sees HTTP requests only; others pass straight through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.handle(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class SecurityHeadersMiddleware(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        extra = _security_headers(scope)

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


def log_unexpected(request: Request, exc: Exception) -> None:
    """The traceback, but never a database driver's message: PostgreSQL's DETAIL quotes the
    row's values (an email, a password hash). SQL parameters are hidden by the engine."""
    if isinstance(exc, DBAPIError):
        where = "".join(traceback.format_tb(exc.__traceback__))
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "sqlite_errorname", "?")
        log.error(
            "database error %s (%s) on %s %s\n%s",
            type(exc.orig).__name__,
            code,
            request.method,
            request.url.path,
            where,
        )
    else:
        log.exception("unhandled error on %s %s", request.method, request.url.path)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    log_unexpected(request, exc)
    response = error_response(
        request, 500, "Something went wrong", "An unexpected error happened; it has been logged."
    )
    # Starlette renders this outside every middleware, so the headers are added here too.
    response.headers.update(
        {name.decode(): value.decode() for name, value in _security_headers(request.scope)}
    )
    if request_id := REQUEST_ID.get():
        response.headers["X-Request-ID"] = request_id  # quoted to whoever reports the error
    return response


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)
