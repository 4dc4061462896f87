"""Stand-ins for the pipeline's media functions that take their time, run in the media child
process like the real ones (so they live in an importable module, not in a test)."""

import time
from pathlib import Path

from app.config import Settings
from app.media.transcription import Transcript


def slow_transcription(settings: Settings, path: Path, hotwords: list[str], max_seconds: float) -> Transcript:
    """Takes `COACH_PIPELINE_LEASE_SECONDS` x 3 seconds, far longer than one lease, then answers."""
    time.sleep(settings.pipeline_lease_seconds * 3)
    return Transcript(text="Argo CD polls Git.", words=[], language="en", duration_seconds=4.0, model="slow")


def stuck_transcription(
    settings: Settings, path: Path, hotwords: list[str], max_seconds: float
) -> Transcript:
    """Never finishes on its own."""
    time.sleep(3600)
    raise AssertionError("unreachable")
