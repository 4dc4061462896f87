"""Metrics read when scraped rather than recorded: the queue's depth (from Huey) and the answers
in each pipeline state (one count query, kept for a few seconds so frequent scrapes stay cheap)."""

import logging
import threading
import time
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from app.db import READ_ONLY, get_sessionmaker
from app.jobs.queue import huey
from app.models import Take, TakeState

log = logging.getLogger(__name__)


class LiveMetrics(Collector):
    def __init__(self, max_age_seconds: float = 5.0) -> None:
        self.max_age_seconds = max_age_seconds
        self._lock = threading.Lock()
        self._counted_at = -float("inf")
        self._takes: dict[TakeState, int] = {}

    def collect(self) -> Iterator[GaugeMetricFamily]:
        queue = GaugeMetricFamily("coach_queue_depth", "Jobs waiting in the queue.", labels=["queue"])
        try:
            queue.add_metric(["pending"], huey.pending_count())
            queue.add_metric(["scheduled"], huey.scheduled_count())
        except Exception:  # an unreachable queue shows as missing samples, and in /readyz
            log.warning("could not read the queue's depth", exc_info=True)
        yield queue
        takes = GaugeMetricFamily("coach_takes", "Answers in each pipeline state.", labels=["state"])
        for state, count in self.take_counts().items():
            takes.add_metric([state.value], count)
        yield takes

    def take_counts(self) -> dict[TakeState, int]:
        with self._lock:
            if time.monotonic() - self._counted_at > self.max_age_seconds:
                try:
                    self._takes = _count_takes()
                    self._counted_at = time.monotonic()
                except Exception:
                    log.warning("could not count answers by state", exc_info=True)
            return self._takes


def _count_takes() -> dict[TakeState, int]:
    with get_sessionmaker()(info={READ_ONLY: True}) as db:  # on SQLite: without the write lock
        rows = db.execute(select(Take.state, func.count()).group_by(Take.state)).all()
    return dict.fromkeys(TakeState, 0) | {state: count for state, count in rows}  # noqa: C416 typed rows
