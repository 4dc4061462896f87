"""Load: simulated candidates against a real `gitops-coach serve`, next to a hello-world FastAPI
app served the same way in the same run, on loopback only, bounded in clients and time.

Two phases per server:
- pages: C clients, each signed in, requesting `GET /questions` back to back (closed loop);
- candidates: N clients, each signing up, opening pages, then every 2 s uploading a 2 s chunk of
  a recording (64 KB, about 256 kbit/s), polling the take's status and opening a page.
It prints throughput, p50/p95/p99 latency, the slowest request and errors per route, and the
ratio of the page throughput to the hello-world baseline. Run on SQLite with `serve` defaults,
and, with --postgres-url, on PostgreSQL with several web processes (`serve --web-workers`).

    python benchmarks/load.py [--clients 50,200] [--seconds 15] [--postgres-url URL]"""

import argparse
import asyncio
import hashlib
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from yarl import URL

HOST = "127.0.0.1"  # loopback only
COACH = str(Path(sys.executable).with_name("gitops-coach"))
PASSWORD = secrets.token_urlsafe(16)  # throwaway accounts in a throwaway database
CHUNK = b"\x1a\x45\xdf\xa3" + os.urandom(64 * 1024 - 4)  # the EBML magic, then 2 s worth of bytes
MAX_CLIENTS, MAX_SECONDS = 400, 120
ACCOUNTS = 20  # the page phase signs up this many users and shares them among its clients
TOKEN = re.compile(r'<meta name="csrf-token" content="([0-9a-f]+)">')


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    seconds: float = 0.0

    def report(self, title: str, baseline: float | None = None) -> float:
        print(f"\n{title}")
        columns = ("req/s", "p50 ms", "p95 ms", "p99 ms", "max ms")
        print(f"  {'route':30} " + " ".join(f"{c:>7}" for c in columns) + f" {'errors':>6}")
        rates = {}
        for route in sorted(set(self.latencies) | set(self.errors)):
            times = sorted(self.latencies[route]) or [0.0]
            rate = len(self.latencies[route]) / self.seconds
            rates[route] = rate
            q = statistics.quantiles(times, n=100) if len(times) > 1 else times * 99
            print(
                f"  {route:30} {rate:7.1f} {q[49] * 1e3:7.0f} {q[94] * 1e3:7.0f} {q[98] * 1e3:7.0f} "
                f"{times[-1] * 1e3:7.0f} {self.errors[route]:6d}"
            )
        main = max(rates.values(), default=0.0)
        if baseline:
            print(f"  page throughput / hello-world baseline: {main / baseline:.2f}")
        return main


class Client:
    """One browser: a cookie jar, the page's CSRF token, timings recorded per route."""

    def __init__(self, url: str, stats: Stats, connector: aiohttp.BaseConnector) -> None:
        self.url, self.stats, self.token = url, stats, ""
        timeout = aiohttp.ClientTimeout(total=60)
        jar = aiohttp.CookieJar(unsafe=True)  # the server is an IP address, not a host name
        self.http = aiohttp.ClientSession(
            url, connector=connector, connector_owner=False, timeout=timeout, cookie_jar=jar
        )

    async def call(
        self, route: str, method: str, path: str, ok: tuple[int, ...] = (200,), **kw: object
    ) -> str:
        started = time.perf_counter()
        try:
            async with self.http.request(method, path, allow_redirects=False, **kw) as response:  # type: ignore[arg-type]
                body = await response.text()
                status = response.status
        except (aiohttp.ClientError, TimeoutError):
            self.stats.errors[route] += 1
            return ""
        self.stats.latencies[route].append(time.perf_counter() - started)
        if status not in ok:
            self.stats.errors[route] += 1
        if match := TOKEN.search(body):
            self.token = match.group(1)
        return body

    async def form(self, route: str, path: str, data: dict[str, str]) -> str:
        return await self.call(route, "POST", path, (303,), data={"csrf_token": self.token, **data})

    async def close(self) -> None:
        await self.http.close()


async def sign_up(client: Client, n: int) -> None:
    await client.call("GET /signup", "GET", "/signup")
    email = f"candidate{n}-{os.getpid()}-{time.monotonic_ns()}@example.com"
    await client.form(
        "POST /signup", "/signup", {"email": email, "display_name": f"C{n}", "password": PASSWORD}
    )


async def started_take(client: Client) -> tuple[str, str, dict[str, str]] | None:
    """A signed-up client consents, starts a mock interview and its first answer: the session's
    id, the take's id and the headers its API calls need (None, counted as an error, on failure)."""
    await client.call("GET /questions", "GET", "/questions")
    await client.form("POST /consent", "/consent", {"agree": "yes"})
    await client.form("POST /sessions", "/sessions", {"kind": "mock", "mode": "video"})
    await client.call("GET /sessions", "GET", "/sessions")
    headers = {"X-CSRF-Token": client.token}
    sessions = re.findall(r'href="/sessions/(\d+)"', await client.call("GET /sessions", "GET", "/sessions"))
    if not sessions:
        client.stats.errors["setup"] += 1
        return None
    body = await client.call(
        "POST /api/.../takes", "POST", f"/api/sessions/{sessions[0]}/questions/1/takes", headers=headers
    )
    take = re.search(r'"take_id":(\d+)', body)
    if take is None:
        client.stats.errors["setup"] += 1
        return None
    await client.call("POST /api/takes/{id}/start", "POST", f"/api/takes/{take[1]}/start", headers=headers)
    return sessions[0], take[1], headers


async def candidate(client: Client, n: int, seconds: float) -> None:
    """Signs up (argon2 makes a crowd of sign-ups queue), then works for `seconds`."""
    await sign_up(client, n)
    deadline = time.monotonic() + seconds
    started = await started_take(client)
    if started is None:
        return
    session, take, headers = started
    digest = {"X-Chunk-SHA256": hashlib.sha256(CHUNK).hexdigest(), **headers}
    for seq in range(10_000):
        tick = time.monotonic()
        if tick > deadline:
            return
        await client.call("PUT chunk", "PUT", f"/api/takes/{take}/chunks/{seq}", data=CHUNK, headers=digest)
        await client.call("GET /api/takes/{id}", "GET", f"/api/takes/{take}")
        page = "/questions" if seq % 2 else f"/sessions/{session}"
        await client.call("GET /questions" if seq % 2 else "GET /sessions/{id}", "GET", page)
        await asyncio.sleep(max(0.0, 2.0 - (time.monotonic() - tick)))


async def hammer(client: Client, route: str, path: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        await client.call(route, "GET", path)


async def run_phase(url: str, clients: int, seconds: float, phase: str) -> Stats:
    stats = Stats()
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    pool = [Client(url, stats, connector) for _ in range(clients)]
    try:
        if phase == "baseline":
            started = time.monotonic()
            await asyncio.gather(*(hammer(c, "GET /hello", "/hello", started + seconds) for c in pool))
        elif phase == "pages":  # ACCOUNTS signed-in users, each in several browsers
            started = time.monotonic()
            await asyncio.gather(*(sign_up(c, n) for n, c in enumerate(pool[:ACCOUNTS])))
            stats.seconds = time.monotonic() - started
            stats.report(f"  ({min(clients, ACCOUNTS)} sign-ups at once, before the page phase)")
            stats = Stats()
            for n, c in enumerate(pool):
                c.stats = stats
                c.http.cookie_jar.update_cookies(pool[n % ACCOUNTS].http.cookie_jar.filter_cookies(URL(url)))
            started = time.monotonic()
            await asyncio.gather(
                *(hammer(c, "GET /questions", "/questions", started + seconds) for c in pool)
            )
        else:
            started = time.monotonic()
            await asyncio.gather(*(candidate(c, n, seconds) for n, c in enumerate(pool)))
        stats.seconds = time.monotonic() - started
    finally:
        for c in pool:
            await c.close()
        await connector.close()
    return stats


@contextmanager
def server(command: list[str], port: int, folder: Path, env: dict[str, str]) -> Iterator[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    environment |= {
        "COACH_VAR_DIR": str(folder / "var"),
        "COACH_LOG_LEVEL": "warning",
        # every simulated candidate signs up from 127.0.0.1: the per-address quotas would refuse them
        "COACH_SIGNUPS_PER_ADDRESS_PER_HOUR": "100000",
        "COACH_SESSIONS_PER_DAY": "100000",
        **env,
    }
    with (folder / f"server-{port}.log").open("w") as log:
        process = subprocess.Popen(command, cwd=folder, env=environment, stdout=log, stderr=log)  # noqa: S603
    url = f"http://{HOST}:{port}"
    try:
        asyncio.run(_wait_healthy(url, process))
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            print(f"  the server on port {port} did not stop within 60 s of SIGTERM; killed")
            process.kill()
            process.wait()


async def _wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(600):
            assert process.poll() is None, "the server exited; see its log"
            try:
                async with http.get(f"{url}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise TimeoutError(url)


def baseline_app():  # type: ignore[no-untyped-def]
    """A bare FastAPI app: the most the same server stack can do on this machine."""
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse

    app = FastAPI()
    app.get("/healthz")(lambda: {"status": "ok"})
    app.get("/hello", response_class=HTMLResponse)(lambda: "<p>Hello, world</p>")
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="50,200", help="comma-separated client counts")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--port", type=int, default=8130, help="first of the three ports used")
    parser.add_argument("--postgres-url", default="", help="also run on this (throwaway) PostgreSQL database")
    parser.add_argument("--web-workers", type=int, default=2, help="web processes for the PostgreSQL run")
    args = parser.parse_args()
    counts = [min(int(c), MAX_CLIENTS) for c in args.clients.split(",")]
    seconds = min(args.seconds, MAX_SECONDS)
    folder = Path(tempfile.mkdtemp(prefix="coach-load-"))
    print(f"loopback load test: {counts} clients, {seconds:.0f} s per phase, logs in {folder}")

    baseline = {}
    command = [sys.executable, "-m", "uvicorn", "--factory", "load:baseline_app", "--host", HOST]
    with server(
        [*command, "--port", str(args.port), "--no-access-log", "--app-dir", str(Path(__file__).parent)],
        args.port,
        folder,
        {},
    ) as url:
        for clients in counts:
            baseline[clients] = asyncio.run(run_phase(url, clients, seconds, "baseline")).report(
                f"hello-world FastAPI, {clients} clients"
            )

    runs: list[tuple[str, list[str], dict[str, str]]] = [("SQLite, serve defaults (one process)", [], {})]
    if args.postgres_url:
        workers = ["--web-workers", str(args.web_workers)]
        runs.append(
            (
                f"PostgreSQL, {args.web_workers} web processes",
                workers,
                {"COACH_DATABASE_URL": args.postgres_url},
            )
        )
    for number, (title, extra, env) in enumerate(runs, start=1):
        port = args.port + number
        run_folder = folder / f"run{number}"
        run_folder.mkdir()
        with server(
            [COACH, "serve", "--host", HOST, "--port", str(port), *extra], port, run_folder, env
        ) as url:
            for clients in counts:
                asyncio.run(run_phase(url, clients, seconds, "pages")).report(
                    f"{title}: {clients} clients on GET /questions", baseline[clients]
                )
            for clients in counts:
                asyncio.run(run_phase(url, clients, seconds, "candidates")).report(
                    f"{title}: {clients} candidates (sign-up, pages, a chunk and a status poll every 2 s)"
                )


if __name__ == "__main__":
    main()
