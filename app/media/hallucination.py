"""No invented text: Whisper, given silence or noise, can write fluent sentences nobody said
("Thank you for watching, see you in the next video") or loop on a phrase. These guards run after
voice activity detection (which keeps most silence from the model in the first place):

- a segment the model itself doubts is dropped: likely no speech and a low average
  log-probability (Whisper's own rule: either alone also flags real speech, measured with
  hotwords), or text that compresses too well (a loop);
- a phrase repeated back to back is kept once;
- the sign-offs of online videos, which no interview answer contains, are removed;
- a last sentence that is only "Thank you (very much)", or a short one the model barely believed
  ("Maybe.", "Great."), is removed: it is what Whisper writes over the silence after an answer
  (in a recorded answer, a closing "thank you" carries nothing to score either)."""

import re
from collections.abc import Sequence
from typing import Protocol

from app.media.transcript_text import TranscriptWord

NO_SPEECH_PROBABILITY = 0.6  # Whisper's no_speech_threshold
MAX_COMPRESSION_RATIO = 2.4  # Whisper's compression_ratio_threshold: higher is a repetition loop
MIN_AVG_LOGPROB = -1.0  # Whisper's logprob_threshold
LONG_PHRASE_WORDS = 4  # a phrase this long said twice in a row is a loop; shorter ones need 3 times
SHORT_PHRASE_REPEATS = 3
MAX_PHRASE_WORDS = 12
UNSURE_TAIL_WORDS = 3  # "Maybe.", "Thank you.", "Great." after the last real sentence
UNSURE_TAIL_PROBABILITY = 0.4  # on average

VIDEO_SIGN_OFFS = re.compile(
    r"\b(?:"
    r"(?:thank you|thanks)(?: (?:very|so) much)?(?: (?:all|everyone|guys))? for watching"
    r"|(?:and )?(?:i ll |we ll )?see you (?:all |guys )?(?:in the |in my )?next (?:video|episode|one)"
    r"|(?:please )?(?:like and )?subscribe(?: to (?:my|our|the) channel)?"
    r"|(?:don t forget to|make sure to) (?:like|subscribe)(?: and subscribe)?"
    r"|subtitles? by [a-z ]+"
    r")\b"
)


CLOSING_THANKS = re.compile(r"(?:thank you|thanks)(?: (?:very|so) much)?(?: (?:all|everyone))?|bye(?: bye)?")


class Segment(Protocol):
    """What faster-whisper reports about each segment it decoded."""

    no_speech_prob: float
    compression_ratio: float
    avg_logprob: float


def is_doubtful(segment: Segment) -> bool:
    """The model's own signs that a segment was not speech, or was a loop."""
    silent = segment.no_speech_prob > NO_SPEECH_PROBABILITY and segment.avg_logprob < MIN_AVG_LOGPROB
    return silent or segment.compression_ratio > MAX_COMPRESSION_RATIO


def _plain(word: TranscriptWord) -> str:
    return re.sub(r"[^a-z0-9]+", " ", word.word.lower()).strip()


def _repeats(plain: Sequence[str], start: int, size: int) -> int:
    """How many times the phrase of `size` words at `start` follows itself."""
    phrase, count = plain[start : start + size], 1
    while plain[start + count * size : start + (count + 1) * size] == phrase:
        count += 1
    return count


def without_repeats(words: Sequence[TranscriptWord]) -> list[TranscriptWord]:
    """A phrase said back to back (4+ words twice, or a short one 3+ times) kept once."""
    result = list(words)
    for size in range(MAX_PHRASE_WORDS, 0, -1):
        plain = [_plain(w) for w in result]
        index = 0
        while index + size <= len(result):
            count = _repeats(plain, index, size)
            if count >= (2 if size >= LONG_PHRASE_WORDS else SHORT_PHRASE_REPEATS):
                del result[index + size : index + count * size]
                del plain[index + size : index + count * size]
            index += 1
    return result


def without_sign_offs(words: Sequence[TranscriptWord]) -> list[TranscriptWord]:
    """The words minus video sign-offs ("thanks for watching", "see you in the next video")."""
    plain = [_plain(w) for w in words]
    text, starts, offset = "", [], 0
    for token in plain:
        starts.append(offset)
        text += token + " "
        offset = len(text)
    dropped: set[int] = set()
    for match in VIDEO_SIGN_OFFS.finditer(text):
        dropped |= {i for i, at in enumerate(starts) if match.start() <= at < match.end() and plain[i]}
    return [w for i, w in enumerate(words) if i not in dropped]


def _last_sentence(words: Sequence[TranscriptWord]) -> Sequence[TranscriptWord]:
    """The words after the last full stop before the final word (none if there is no earlier one)."""
    ends = [i for i, w in enumerate(words[:-1]) if re.search(r"[.!?]$", w.word)]
    return words[ends[-1] + 1 :] if ends else []


def _invented_ending(tail: Sequence[TranscriptWord]) -> bool:
    """A bare "Thank you very much." closing an answer, or a short sentence the model barely
    believed ("Maybe."): what Whisper writes over the silence after the last words."""
    if CLOSING_THANKS.fullmatch(" ".join(_plain(w) for w in tail)):
        return True
    confidence = [w.probability for w in tail if w.probability is not None]
    unsure = len(confidence) == len(tail) and sum(confidence) < UNSURE_TAIL_PROBABILITY * len(tail)
    return len(tail) <= UNSURE_TAIL_WORDS and unsure


def without_invented_ending(words: Sequence[TranscriptWord]) -> list[TranscriptWord]:
    tail = _last_sentence(words)
    return list(words[: len(words) - len(tail)]) if tail and _invented_ending(tail) else list(words)


def without_invented_text(words: Sequence[TranscriptWord]) -> list[TranscriptWord]:
    return without_invented_ending(without_sign_offs(without_repeats(words)))
