"""Runs the pipeline's reconciler in the background of every consumer, every few seconds:
the same level-triggered loop Argo CD and Flux run, so lost messages and killed workers cost
a delay, never an answer."""

import logging
import threading

from app.config import get_settings
from app.jobs.pipeline import reconcile
from app.models.base import utcnow

log = logging.getLogger(__name__)


class Reconciler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(name="reconciler", daemon=True)
        self._stop_requested = threading.Event()

    def run(self) -> None:
        while not self._stop_requested.is_set():  # runs at once on start-up, then every interval
            try:
                sent = reconcile(utcnow())
                if sent:
                    log.info("reconciler re-enqueued takes %s", sent)
            except Exception:
                log.exception("reconciler pass failed; trying again")
            self._stop_requested.wait(get_settings().reconcile_seconds)

    def stop(self) -> None:
        self._stop_requested.set()
