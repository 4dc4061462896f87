"""Imports every module that defines jobs, so a consumer knows them all by name, and builds the
consumer that `serve` and `worker` run."""

from typing import Any

from huey.consumer import Consumer

import app.accounts.tasks
import app.hiring.tasks
import app.interviews.tasks
import app.jobs.pipeline
import app.privacy.tasks  # noqa: F401  (registers its jobs)
from app.jobs import media_process
from app.jobs.queue import huey

SHUTDOWN_SECONDS = 15.0  # a last in-process step (an LLM call) may finish; then the process exits


class PipelineConsumer(Consumer):  # type: ignore[misc]  # huey ships no types: Consumer is Any
    """Huey's consumer, except that stopping (SIGINT or SIGTERM) first interrupts running media
    work, so shutdown never waits for a long transcription: the interrupted take is released and
    the reconciler sends it again. Job threads are then joined for at most SHUTDOWN_SECONDS."""

    def stop(self, graceful: bool = False) -> Any:  # noqa: ARG002 Huey's signature; always graceful
        media_process.interrupt_all()
        return super().stop(graceful=True)


def create_consumer(workers: int) -> Consumer:
    return PipelineConsumer(
        huey, workers=workers, worker_type="thread", periodic=True, shutdown_timeout=SHUTDOWN_SECONDS
    )
