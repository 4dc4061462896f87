"""Scale-out: the same candidates against 1 web + 1 worker process, then 2 web + 2 worker
processes, on PostgreSQL and Redis (and, with --s3, an S3 server), on loopback only.

Each topology gets a fresh database (`bench_scale` by default, created if missing) and Redis
database, real `gitops-coach serve --workers 0 --web-workers W` and `gitops-coach worker`
processes, then N candidates at once: each signs up, starts a mock interview, uploads a real
spoken video answer in chunks, finishes it and polls until the pipeline has scored it. It prints
the web throughput while candidates upload, the pipeline's completion times, and the ratios of
the second topology to the first.

The media location is passed through: COACH_MEDIA_URL (and COACH_S3_*, AWS_*) from the
environment reach every process it starts; with --s3 and moto installed it starts moto's S3
server on loopback and points COACH_MEDIA_URL at a bucket there. Without either, each topology
keeps recordings in a local folder that its processes share.

    python benchmarks/scale.py [--candidates 16] [--topologies 1x1,2x2] [--postgres-url URL]
                               [--redis-url URL] [--worker-threads 1] [--s3]"""

import argparse
import asyncio
import hashlib
import importlib
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import psycopg
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.load import COACH, HOST, Client, Stats, run_phase, server, sign_up, started_take
from tests.media.media_files import face_frame, speak, write_video
from tests.servers import free_port

MAX_CANDIDATES, PIPELINE_TIMEOUT = 200, 900.0
CHUNKS = 4  # a recording arrives in this many pieces, as MediaRecorder's timeslices would send it
ANSWER = (
    "Argo CD compares the desired state in Git with the live state in the cluster and marks the "
    "application out of sync. Only automated sync with self heal reverts a manual edit."
)
PASSED_THROUGH = ("COACH_MEDIA_URL", "COACH_S3_", "AWS_")


@dataclass
class Outcome:
    stats: Stats = field(default_factory=Stats)  # sign-up to the answer's upload
    polls: Stats = field(default_factory=Stats)  # status polls while the pipeline works
    finished: list[float] = field(default_factory=list)  # when each answer was finished
    completed: list[float] = field(default_factory=list)  # finish -> scored, seconds
    last_scored: float = 0.0
    states: dict[str, int] = field(default_factory=dict)
    pages_per_second: float = 0.0  # signed-in GET /questions, before the candidates come
    all_scored_seconds: float = 0.0  # from the first sign-up to the last answer scored


def recording(folder: Path) -> bytes:
    """A real spoken answer over a face on camera (espeak-ng, VP8 + Opus webm)."""
    speech = speak(ANSWER, folder / "answer.wav")
    return write_video(folder / "answer.webm", [face_frame()] * 20, fps=2, wav=speech).read_bytes()


async def candidate(client: Client, n: int, data: bytes, outcome: Outcome) -> None:
    await sign_up(client, n)
    started = await started_take(client)
    if started is None:
        return
    _, take, headers = started
    size = -(-len(data) // CHUNKS)
    for seq in range(CHUNKS):
        piece = data[seq * size : (seq + 1) * size]
        digest = {"X-Chunk-SHA256": hashlib.sha256(piece).hexdigest(), **headers}
        await client.call("PUT chunk", "PUT", f"/api/takes/{take}/chunks/{seq}", data=piece, headers=digest)
    body = {"chunks": CHUNKS, "media_type": "video/webm"}
    await client.call("POST finish", "POST", f"/api/takes/{take}/finish", json=body, headers=headers)
    finished = time.monotonic()
    outcome.finished.append(finished)
    client.stats = outcome.polls
    state = await _until_processed(client, take, finished + PIPELINE_TIMEOUT)
    outcome.states[state] = outcome.states.get(state, 0) + 1
    if state == "scored":
        outcome.completed.append(time.monotonic() - finished)
        outcome.last_scored = max(outcome.last_scored, time.monotonic())


async def _until_processed(client: Client, take: str, deadline: float) -> str:
    state = "?"
    while time.monotonic() < deadline:
        body = await client.call("GET /api/takes/{id}", "GET", f"/api/takes/{take}")
        state = json.loads(body)["state"] if body.startswith("{") else "?"
        if state in ("scored", "failed"):
            return state
        await asyncio.sleep(0.5)
    return f"{state} (timed out)"


async def drive(url: str, candidates: int, data: bytes) -> tuple[Outcome, float]:
    outcome = Outcome()
    connector = aiohttp.TCPConnector(limit=0)
    pool = [Client(url, outcome.stats, connector) for _ in range(candidates)]
    started = time.monotonic()
    try:
        await asyncio.gather(*(candidate(c, n, data, outcome) for n, c in enumerate(pool)))
    finally:
        for c in pool:
            await c.close()
        await connector.close()
    outcome.stats.seconds = max(outcome.finished, default=started) - started  # the upload phase
    return outcome, started


def fresh_database(url: str) -> None:
    """Creates the benchmark's own database if it is missing, and empties it."""
    target = make_url(url)
    admin = target.set(database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin.replace("postgresql+psycopg", "postgresql"), autocommit=True) as pg:
        if not pg.execute("SELECT 1 FROM pg_database WHERE datname = %s", [target.database]).fetchone():
            pg.execute(f'CREATE DATABASE "{target.database}"')
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def passed_through() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.startswith(PASSED_THROUGH)}


@contextmanager
def workers(count: int, threads: int, folder: Path, env: dict[str, str]) -> Iterator[None]:
    """`count` worker processes, once each has started consuming."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")} | env
    processes, logs = [], [folder / f"worker-{n}.log" for n in range(count)]
    for path in logs:
        with path.open("w") as log:
            command = [COACH, "worker", "--workers", str(threads)]
            processes.append(subprocess.Popen(command, cwd=folder, env=environment, stdout=log, stderr=log))  # noqa: S603
    try:
        for path in logs:
            _wait_for_line(path, "Huey consumer started", 1)
        yield
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)


@contextmanager
def moto_s3() -> Iterator[dict[str, str]]:
    """moto's S3 server on loopback, with a bucket; the settings that point the app at it."""
    moto_server = importlib.import_module("moto.server")
    boto3 = importlib.import_module("boto3")
    port = free_port()
    s3 = moto_server.ThreadedMotoServer(ip_address=HOST, port=port)
    s3.start()
    endpoint = f"http://{HOST}:{port}"
    key = secrets.token_hex(8)  # moto takes any key; a real store's comes from the environment
    credentials = {"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": key, "AWS_DEFAULT_REGION": "us-east-1"}
    os.environ.update(credentials)
    client = boto3.client("s3", endpoint_url=endpoint)  # the keys and region just set
    client.create_bucket(Bucket="bench-scale")
    try:
        yield credentials | {"COACH_MEDIA_URL": "s3://bench-scale/media", "COACH_S3_ENDPOINT_URL": endpoint}
    finally:
        s3.stop()


def run_topology(
    web: int, worker_count: int, args: argparse.Namespace, data: bytes, folder: Path, media: dict[str, str]
) -> Outcome:
    fresh_database(args.postgres_url)
    redis.Redis.from_url(args.redis_url).flushdb()
    env = {
        "COACH_DATABASE_URL": args.postgres_url,
        "COACH_REDIS_URL": args.redis_url,
        "COACH_SECRET_KEY": secrets.token_urlsafe(32),
        "COACH_VAR_DIR": str(folder / "var"),  # the local media folder all processes share
        "COACH_LOG_LEVEL": "info",  # as deployed: access logs on; and uvicorn says when each process is up
        "COACH_SIGNUPS_PER_ADDRESS_PER_HOUR": "100000",
        "COACH_SESSIONS_PER_DAY": "100000",
        **media,
    }
    port = free_port()
    command = [
        COACH,
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        "0",
        "--web-workers",
        str(web),
    ]
    with ExitStack() as stack:
        url = stack.enter_context(server(command, port, folder, env))
        _wait_for_line(folder / f"server-{port}.log", "Application startup complete", web)
        stack.enter_context(workers(worker_count, args.worker_threads, folder, env))
        title = f"{web} web + {worker_count} worker processes ({args.worker_threads} job thread each)"
        pages = asyncio.run(run_phase(url, args.page_clients, args.page_seconds, "pages"))
        pages_per_second = pages.report(f"{title}: {args.page_clients} clients on GET /questions")
        outcome, started = asyncio.run(drive(url, args.candidates, data))
    outcome.pages_per_second = pages_per_second
    report(title, outcome, started)
    return outcome


def _wait_for_line(log: Path, line: str, count: int) -> None:
    """Until `line` appears `count` times: uvicorn answers once its first web process is up, and
    the comparison needs all of them, and every worker consuming."""
    deadline = time.monotonic() + 120
    while log.read_text().count(line) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{log}: no {count} x {line!r} within 120 s")
        time.sleep(0.2)


def pipeline_rate(outcome: Outcome) -> float:
    """Answers scored per minute, from the first answer finished to the last one scored."""
    span = outcome.last_scored - min(outcome.finished, default=outcome.last_scored)
    return 60 * len(outcome.completed) / span if span > 0 else 0.0


def report(title: str, outcome: Outcome, started: float) -> None:
    outcome.stats.report(f"{title}: {len(outcome.finished)} candidates, each uploading one answer")
    outcome.all_scored_seconds = outcome.last_scored - started
    done = sorted(outcome.completed) or [0.0]
    print(f"  pipeline: final states {outcome.states}")
    print(
        f"  finish -> scored: p50 {statistics.median(done):.1f} s, max {done[-1]:.1f} s; "
        f"all answers scored {outcome.all_scored_seconds:.1f} s after the first sign-up; "
        f"{pipeline_rate(outcome):.1f} answers/min"
    )


def compare(names: list[str], outcomes: list[Outcome]) -> None:
    """Each topology against the first, for the same load."""
    base = outcomes[0]
    for name, other in zip(names[1:], outcomes[1:], strict=True):
        print(f"\n{name} vs {names[0]}, same load ({len(base.finished)} candidates):")
        print(f"  web throughput (GET /questions): {other.pages_per_second / base.pages_per_second:.2f}x")
        print(f"  pipeline answers/min: {pipeline_rate(other) / pipeline_rate(base):.2f}x")
        scored = other.all_scored_seconds / base.all_scored_seconds
        print(f"  time until every answer was scored: {scored:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=16)
    parser.add_argument("--topologies", default="1x1,2x2", help="WEBxWORKERS, comma-separated")
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/bench_scale")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--worker-threads", type=int, default=1, help="job threads per worker process")
    parser.add_argument("--page-clients", type=int, default=50, help="clients of the page phase")
    parser.add_argument("--page-seconds", type=float, default=10.0, help="length of the page phase")
    parser.add_argument("--s3", action="store_true", help="start moto's S3 server and keep recordings there")
    args = parser.parse_args()
    args.candidates = min(args.candidates, MAX_CANDIDATES)
    folder = Path(tempfile.mkdtemp(prefix="coach-scale-"))
    data = recording(folder)
    size = f"{len(data) / 1e3:.0f} KB"
    print(f"scale-out benchmark: {args.candidates} candidates, one {size} answer each, logs in {folder}")
    with ExitStack() as stack:
        media = passed_through()
        if args.s3:
            media |= stack.enter_context(moto_s3())
        print(f"media: {media.get('COACH_MEDIA_URL', 'a local folder shared by the processes')}")
        outcomes = []
        for topology in args.topologies.split(","):
            web, worker_count = (int(n) for n in topology.split("x"))
            run_folder = folder / topology
            run_folder.mkdir()
            outcomes.append(run_topology(web, worker_count, args, data, run_folder, media))
    compare(args.topologies.split(","), outcomes)


if __name__ == "__main__":
    main()
