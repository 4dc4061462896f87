"""Prometheus metrics recorded where things happen: requests, pipeline steps, scorer fallbacks,
uploads. Every label value is from a small fixed set (a route template, a step, a state), never
a path, an id or anything about a person.

One process keeps its metrics in memory. Several web processes (`serve --web-workers N`) use
prometheus_client's multiprocess mode: each process writes its values to files in one directory
and `/metrics` adds them up, whichever process answers."""

import os

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, values
from prometheus_client import multiprocess as prometheus_multiprocess
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"

# Every metric has labels, so its values are created on first use: after `use_multiprocess_dir`.
REQUEST_SECONDS = Histogram(
    "coach_http_request_duration_seconds",
    "Time to answer a request, by route template.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
STEP_SECONDS = Histogram(
    "coach_pipeline_step_duration_seconds",
    "Time one pipeline step took for one answer (transcribe, analyse, score).",
    ["step"],
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
)
STEP_FAILURES = Counter(
    "coach_pipeline_step_failures",
    "Pipeline steps that failed: a broken recording (media) or an error that is retried (error).",
    ["step", "kind"],
)
SCORER_FALLBACKS = Counter(
    "coach_scorer_fallbacks",
    "Answers the LLM scorer could not grade, scored by the offline rubric scorer instead.",
    ["scorer"],
)
UPLOAD_BYTES = Counter(
    "coach_upload_bytes", "Recording bytes stored from chunk uploads, by answer mode.", ["mode"]
)


def use_multiprocess_dir(directory: str) -> None:
    """Record this process's values (and its children's) in files under `directory`.
    prometheus_client chooses where values live when it is imported, and the CLI has imported it
    by the time `serve` knows it needs several processes, so the choice is made again here."""
    os.environ[MULTIPROCESS_ENV] = directory
    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]


def exposition(live: Collector) -> tuple[bytes, str]:
    """The text format: every process's recorded metrics plus `live` (read at scrape time)."""
    if os.environ.get(MULTIPROCESS_ENV):
        recorded = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(recorded)  # type: ignore[no-untyped-call]
    else:
        recorded = REGISTRY
    current = CollectorRegistry()
    current.register(live)
    return generate_latest(recorded) + generate_latest(current), CONTENT_TYPE_LATEST
