"""Delivery metrics from the words (and, when known, their timing): pace, fillers, long pauses."""

import itertools
import re

from app.media.transcript_text import WordTiming
from app.scoring.schemas import DeliveryMetrics

_FILLERS = re.compile(
    r"\b(?:um+|uh+|erm+|er|ah+|hmm+|you know|i mean|basically|kind of|sort of)\b", re.IGNORECASE
)
LONG_PAUSE_SECONDS = 3.0


def delivery_metrics(
    text: str, duration_seconds: float | None = None, words: list[WordTiming] | None = None
) -> DeliveryMetrics:
    word_count = len(text.split())
    fillers = len(_FILLERS.findall(text))
    if duration_seconds is None and words:
        duration_seconds = words[-1].end - words[0].start
    minutes = duration_seconds / 60 if duration_seconds and duration_seconds > 0 else None
    pauses = None
    if words:
        pauses = sum(1 for a, b in itertools.pairwise(words) if b.start - a.end >= LONG_PAUSE_SECONDS)
    return DeliveryMetrics(
        words=word_count,
        duration_seconds=round(duration_seconds, 1) if duration_seconds else None,
        words_per_minute=round(word_count / minutes, 1) if minutes else None,
        fillers=fillers,
        fillers_per_minute=round(fillers / minutes, 1) if minutes else None,
        long_pauses=pauses,
    )
