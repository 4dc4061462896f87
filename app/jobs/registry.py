"""Imports every module that defines jobs, so a consumer knows them all by name."""

from huey.consumer import Consumer

import app.accounts.tasks
import app.jobs.pipeline  # noqa: F401  (registers its jobs)
from app.jobs.queue import huey


def create_consumer(workers: int) -> Consumer:
    return huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
