"""Bounds on what one request may send: a global body limit, outermost, so no layer (the CSRF
check, a form or JSON parser) ever buffers more; and a read deadline for the one route that
accepts large bodies, so a client trickling its body cannot hold a worker for long."""

import asyncio
import re
import threading
import weakref
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import anyio
from fastapi import Request
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import AppError

DEFAULT_BODY_LIMIT = 1024 * 1024  # forms and JSON; the editor's largest question is ~20 KB
BODY_READ_SECONDS = 30.0  # 8 MB at ~280 KB/s; a 2 s recording slice is well under 1 MB


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"This request is larger than the {_size(limit)} allowed.")


class BodyReadTimeout(AppError):
    status_code = 408
    title = "Too slow"


def _size(limit: int) -> str:
    return f"{limit // 2**20} MB" if limit >= 2**20 else f"{limit // 1024} KB"


@dataclass(frozen=True)
class LargerBody:
    """A route allowed a larger body than the default: method and a full-match path pattern."""

    method: str
    path: re.Pattern[str]
    limit: int


class BodyLimitMiddleware:
    """Refuses a declared Content-Length over the limit before reading a byte, and stops a
    streamed body the moment it passes the limit."""

    def __init__(self, app: ASGIApp, larger: Sequence[LargerBody] = (), default: int = DEFAULT_BODY_LIMIT):
        self.app, self.larger, self.default = app, larger, default

    def limit_for(self, method: str, path: str) -> int:
        found = (rule.limit for rule in self.larger if rule.method == method and rule.path.fullmatch(path))
        return next(found, self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["method"], scope["path"])
        declared = Headers(scope=scope).get("content-length", "0")
        if not declared.isdigit() or int(declared) > limit:
            await _refuse(BodyTooLarge(limit), scope, receive, send)
            return
        started, total = False, 0

        async def counting_receive() -> Message:
            nonlocal total
            message = await receive()
            total += len(message.get("body", b""))
            if total > limit:
                raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge as error:  # raised in a layer outside the app's error handlers
            if not started:
                await _refuse(error, scope, receive, send)


async def _refuse(error: HTTPException, scope: Scope, receive: Receive, send: Send) -> None:
    response = PlainTextResponse(
        str(error.detail), status_code=error.status_code, headers={"Connection": "close"}
    )
    await response(scope, receive, send)


async def read_body(request: Request, seconds: float = BODY_READ_SECONDS) -> bytes:
    """The whole body (its size is bounded by BodyLimitMiddleware), within a deadline."""
    try:
        with anyio.fail_after(seconds):
            return await request.body()
    except TimeoutError:
        raise BodyReadTimeout(f"The upload took longer than {seconds:.0f} s; send it again.") from None


class LoopSemaphore:
    """An asyncio semaphore per event loop (the tests run several loops in one process), for
    waiting on the loop instead of in a worker thread."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    def __call__(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if loop not in self._by_loop:
            self._by_loop[loop] = asyncio.Semaphore(self.size)
        return self._by_loop[loop]


class PerKeyLimit:
    """At most `size` holders at once per key (a user), in this process. One over the limit is
    refused at once, not queued, so a client cannot pile up waiting requests."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._held: Counter[int] = Counter()
        self._lock = threading.Lock()  # test clients run apps on several threads' loops

    @contextmanager
    def hold(self, key: int, refusal: AppError) -> Iterator[None]:
        with self._lock:
            if self._held[key] >= self.size:
                raise refusal
            self._held[key] += 1
        try:
            yield
        finally:
            with self._lock:
                self._held[key] -= 1
                if not self._held[key]:
                    del self._held[key]
