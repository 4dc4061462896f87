"""Media work (decoding, speech recognition, video analysis) runs in a child process with a memory
limit (RLIMIT_AS) and a wall-clock limit, so one huge or hostile recording can neither exhaust the
machine nor hold a job thread for ever.

Each job thread keeps one child, spawned on first use, so a loaded speech model is reused from one
answer to the next. A child that runs over its time, runs out of memory or dies is killed and
replaced. While a child works, the caller's heartbeat runs (the pipeline renews its lease), and
`interrupt_all` (shutdown) stops every child at once, so stopping never waits for a transcription."""

import os
import resource
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

from app.media.errors import MediaError

T = TypeVar("T")
POLL_SECONDS = 0.25  # how quickly a shutdown or a time limit is noticed

_stopping = threading.Event()
_per_thread = threading.local()
_children: set["_Child"] = set()
_children_lock = threading.Lock()


class StepFailed(Exception):
    """A media step ran over a limit, died, or raised in the child; the message is the reason
    shown to the candidate. The step is retried like any other transient failure."""


class WorkInterrupted(Exception):
    """The process is shutting down; the work was abandoned and is to be done again later."""


@dataclass(frozen=True)
class Limits:
    seconds: float
    memory_mb: int


def stopping() -> bool:
    return _stopping.is_set()


def interrupt_all() -> None:
    """Shutdown: refuse new media work and kill every child now; their callers raise WorkInterrupted."""
    _stopping.set()
    with _children_lock:
        children = list(_children)
    for child in children:
        child.kill()


def run_limited(
    function: Callable[..., T],
    *args: Any,
    what: str,
    limits: Limits,
    heartbeat: Callable[[], None],
    heartbeat_seconds: float,
) -> T:
    """`function(*args)` in this thread's child process (function and arguments must pickle).
    Raises StepFailed past `limits`, WorkInterrupted on shutdown; calls `heartbeat` while it waits."""
    if _stopping.is_set():
        raise WorkInterrupted(what)
    child = _child_for_this_thread(limits.memory_mb)
    try:
        child.connection.send((function, args))
    except OSError:  # the child died between two steps
        _discard(child)
        raise StepFailed(f"{what} could not start: the media process had stopped.") from None
    outcome, value = child.await_result(what, limits, heartbeat, heartbeat_seconds)
    if outcome == "memory":
        _discard(child)  # a child that hit its limit may be left in a bad state
        raise StepFailed(f"{what} ran out of memory (the limit is {limits.memory_mb} MB) and was stopped.")
    if outcome == "error":
        raise StepFailed(f"{what} failed: {value}")
    if outcome == "media":
        raise MediaError(value)
    result: T = value
    return result


def _child_for_this_thread(memory_mb: int) -> "_Child":
    child: _Child | None = getattr(_per_thread, "child", None)
    if child is None or not child.usable(memory_mb):
        if child is not None:
            _discard(child)
        child = _Child(memory_mb)
        _per_thread.child = child
        with _children_lock:
            _children.add(child)
    return child


def _discard(child: "_Child") -> None:
    child.kill()
    with _children_lock:
        _children.discard(child)
    if getattr(_per_thread, "child", None) is child:
        _per_thread.child = None


class _Child:
    """One process (`python -m app.jobs.media_process`, a fresh interpreter: a process running
    threads is never forked, and no script is re-imported) serving requests over a socket pair."""

    def __init__(self, memory_mb: int) -> None:
        self.memory_mb = memory_mb
        ours, theirs = socket.socketpair()
        command = [sys.executable, "-m", __name__, str(theirs.fileno()), str(memory_mb * 2**20)]
        environment = os.environ | {
            "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
            # glibc reserves 64 MB of address space per thread's malloc arena; under RLIMIT_AS the
            # decoder's and the speech model's threads then fail to start (EAGAIN) long before
            # the memory is used
            "MALLOC_ARENA_MAX": "2",
        }
        self.process = subprocess.Popen(command, pass_fds=[theirs.fileno()], env=environment)  # noqa: S603
        theirs.close()
        self.connection = Connection(ours.detach())

    def usable(self, memory_mb: int) -> bool:
        return self.memory_mb == memory_mb and self.process.poll() is None

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(5)
        self.connection.close()

    def await_result(
        self, what: str, limits: Limits, heartbeat: Callable[[], None], heartbeat_seconds: float
    ) -> tuple[str, Any]:
        deadline = time.monotonic() + limits.seconds
        next_beat = time.monotonic() + heartbeat_seconds
        while not wait([self.connection], POLL_SECONDS):  # a dead child's socket is readable too
            if _stopping.is_set():
                _discard(self)
                raise WorkInterrupted(what)
            if time.monotonic() >= deadline:
                _discard(self)
                raise StepFailed(f"{what} took longer than the {limits.seconds:g} s limit and was stopped.")
            if time.monotonic() >= next_beat:
                next_beat = time.monotonic() + heartbeat_seconds
                self._beat(heartbeat)
        return self._receive(what)

    def _beat(self, heartbeat: Callable[[], None]) -> None:
        try:
            heartbeat()
        except BaseException:
            _discard(self)  # nobody wants the result any more (the take was deleted, say)
            raise

    def _receive(self, what: str) -> tuple[str, Any]:
        try:
            reply: tuple[str, Any] = self.connection.recv()
            return reply
        except (EOFError, OSError):
            code = self.process.wait(5)
            _discard(self)
            if _stopping.is_set():
                raise WorkInterrupted(what) from None
            raise StepFailed(
                f"{what} stopped unexpectedly (exit code {code}), possibly out of memory "
                f"(the limit is {self.memory_mb} MB)."
            ) from None


# --- in the child ----------------------------------------------------------------------------


def _serve(connection: Connection, memory_bytes: int) -> None:
    """The child's loop: run each function sent and send back ("ok", result) or why it failed."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    threading.Thread(target=_exit_when_orphaned, args=(os.getppid(),), daemon=True).start()
    while True:
        try:
            function, args = connection.recv()
        except (EOFError, OSError):
            return
        try:
            reply: tuple[str, Any] = ("ok", function(*args))
        except MemoryError:
            reply = ("memory", None)
        except MediaError as error:
            reply = ("media", error.message)
        except Exception as error:  # reported to the parent, which counts a failed attempt
            reply = ("error", f"{type(error).__name__}: {error}")
        connection.send(reply)


def _exit_when_orphaned(parent: int) -> None:
    """A killed parent cannot stop its children; each stops itself instead."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1])), int(sys.argv[2]))
