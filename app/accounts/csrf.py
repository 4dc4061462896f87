"""CSRF protection for every state-changing request, as ASGI middleware so no route can skip it.

Each browser gets a random nonce in an HttpOnly cookie; forms carry HMAC(secret, nonce) in the
field `csrf_token`, scripts send it in the `X-CSRF-Token` header. Another site can neither read
the cookie nor compute the token. Sign-in and sign-out give the browser a new nonce
(`rotate_nonce`), so a token seen before either is useless after it."""

import hashlib
import hmac
import secrets
from http.cookies import SimpleCookie

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_COOKIE = "coach_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

SESSION_COOKIE = "coach_session"  # the login session's cookie, set by the sign-in routes


def csrf_token_for(secret: str, nonce: str) -> str:
    return hmac.new(secret.encode(), f"csrf:{nonce}".encode(), hashlib.sha256).hexdigest()


def rotate_nonce(response: Response, secure: bool) -> None:
    """A new nonce for this browser, so tokens issued before sign-in or sign-out stop working."""
    response.set_cookie(
        CSRF_COOKIE, secrets.token_urlsafe(32), path="/", httponly=True, samesite="lax", secure=secure
    )


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


class CSRFMiddleware:
    def __init__(self, app: ASGIApp, secret: str) -> None:
        self.app = app
        self.secret = secret

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        cookie = SimpleCookie(headers.get("cookie", ""))
        nonce = cookie[CSRF_COOKIE].value if CSRF_COOKIE in cookie else ""
        fresh = len(nonce) < 32
        if fresh:
            nonce = secrets.token_urlsafe(32)
        expected = csrf_token_for(self.secret, nonce)
        scope.setdefault("state", {})["csrf_token"] = expected
        if scope["method"] not in SAFE_METHODS:
            try:
                supplied, receive = await self._supplied_token(scope, receive, headers)
            except HTTPException as error:  # a form the parser refuses (a field over 1 MB, too many fields)
                await PlainTextResponse(str(error.detail), status_code=error.status_code)(
                    scope, receive, send
                )
                return
            if fresh or not hmac.compare_digest(supplied, expected):
                response = PlainTextResponse(
                    "This form expired or came from another site. Go back, reload the page and try again.",
                    status_code=403,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, self._with_cookie(scope, send, nonce) if fresh else send)

    async def _supplied_token(self, scope: Scope, receive: Receive, headers: Headers) -> tuple[str, Receive]:
        if CSRF_HEADER in headers:
            return headers[CSRF_HEADER], receive
        if not headers.get("content-type", "").startswith(FORM_TYPES):
            return "", receive
        body = await Request(scope, receive).body()
        form = await Request(scope, _replay(body)).form()
        token = form.get(CSRF_FIELD)
        await form.close()
        return (token if isinstance(token, str) else ""), _replay(body)

    @staticmethod
    def _with_cookie(scope: Scope, send: Send, nonce: str) -> Send:
        secure = "; Secure" if scope.get("scheme") == "https" else ""
        value = f"{CSRF_COOKIE}={nonce}; Path=/; HttpOnly; SameSite=Lax{secure}".encode()

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"set-cookie", value))
            await send(message)

        return send_with_cookie
