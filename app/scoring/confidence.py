"""Which words of a transcript the speech recogniser was unsure of.

Whisper gives each word a probability. A finding that rests on a word below LOW_CONFIDENCE is not
applied silently: the report names the words for the candidate to check, and correcting the
transcript scores the answer again. The finding still counts: with the question's glossary as
hotwords, tiny.en gives correct domain terms low probabilities too, so discounting every uncertain
red flag would excuse most spoken misconceptions."""

import re

from app.media.transcript_text import WordTiming
from app.scoring.text import AnalysedText

LOW_CONFIDENCE = 0.4  # also the words the answer report marks as unsure
_EDGES = re.compile(r"^\W+|\W+$")


def low_confidence_tokens(text: AnalysedText, words: list[WordTiming] | None) -> set[int]:
    """ids of the tokens that lie in a low-confidence word. The words are found in the text in
    order; a word that cannot be found (the transcript was corrected) is skipped."""
    spans: list[tuple[int, int]] = []
    lowered, cursor = text.text.lower(), 0
    for word in words or []:
        needle = _EDGES.sub("", word.word.lower())
        if not needle:
            continue
        at = lowered.find(needle, cursor)
        if at < 0:
            continue
        cursor = at + len(needle)
        if word.probability is not None and word.probability < LOW_CONFIDENCE:
            spans.append((at, cursor))
    return {id(t) for t in text.tokens if any(a <= t.start < b for a, b in spans)}
