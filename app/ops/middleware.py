"""Every request gets an id (the caller's X-Request-ID when it is plain, else a new one) that its
log lines carry and its response returns, and its latency is recorded by route template."""

import time

from starlette.types import Message, Receive, Scope, Send

from app.logs import REQUEST_ID, request_id_from
from app.metrics import REQUEST_SECONDS
from app.web import HttpMiddleware

UNMATCHED = "unmatched"  # every path no route serves shares one label


def route_template(scope: Scope) -> str:
    """`/api/takes/{take_id}`, not `/api/takes/42`: the label's values stay few."""
    return str(getattr(scope.get("route"), "path", None) or UNMATCHED)


class RequestContextMiddleware(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = request_id_from(incoming)
        # Not reset afterwards: each request runs in a task of its own, and the error handler,
        # which runs outside every middleware, logs a crash with this id.
        REQUEST_ID.set(request_id)
        started, status = time.perf_counter(), 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            REQUEST_SECONDS.labels(scope["method"], route_template(scope), str(status)).observe(elapsed)
