"""A real `gitops-coach serve` process, started as a new user would: in an empty folder with no
COACH_ settings. Its output goes to `server.log` in that folder, unbuffered, so a failing test
can say what the server did."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

COACH = str(Path(sys.executable).with_name("gitops-coach"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(folder: Path, coach: str = COACH, **env: str) -> Iterator[str]:
    """Yields the server's URL once /healthz answers; stops the server afterwards. `coach` is the
    `gitops-coach` to run (by default this environment's)."""
    with server_process(folder, (), coach, **env) as (url, _):
        yield url


@contextmanager
def server_process(
    folder: Path, args: Sequence[str] = (), coach: str = COACH, **env: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`gitops-coach serve` with extra `args`: its URL and its process, once /healthz answers."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    environment |= {"PYTHONUNBUFFERED": "1", **env}
    port = free_port()
    log = folder / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [coach, "serve", "--port", str(port), *args],
            cwd=folder,
            env=environment,
            stdout=output,
            stderr=output,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(f"{url}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, log.read_text()
                time.sleep(0.1)
        yield url, process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=60)
