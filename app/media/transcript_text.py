"""How a recognised transcript reads: one entry per word with its timing and confidence, glued
fragments joined ("R .CD" -> "R.CD", "time -out" -> "time-out"), sentences ended at pauses when
the model wrote no full stops, and list numbers placed at the start of their item.

The report shows one clickable sentence per word that ends in `.`, `!` or `?`, so a transcript
without punctuation would be one long sentence with a single place to seek to."""

import re
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict, Field

SENTENCE_END = re.compile(r"[.!?]$")
LIST_NUMBER = re.compile(r"^\d{1,2}[.)]$")
DOTTED_LETTERS = re.compile(r"^(?:[A-Za-z]\.)+$")  # "R.C.D.": an abbreviation, not a sentence end
FRAGMENT = re.compile(r"^[.\-'\u2019]\w|^[,;:!?.]+$")  # "-out", ".CD", "'s" or bare punctuation
PAUSE_SECONDS = 0.7  # a pause this long after a few words ends an unpunctuated sentence
MIN_SENTENCE_WORDS = 5
LONG_SENTENCE_WORDS = 30  # past this, a shorter pause is enough
SHORT_PAUSE_SECONDS = 0.3


class WordTiming(BaseModel):
    """One recognised word and when it was said, as the recogniser reports it."""

    model_config = ConfigDict(extra="forbid")

    word: str
    start: float
    end: float
    probability: float | None = Field(default=None, description="the recogniser's confidence, 0-1")


class TranscriptWord(WordTiming):
    """One recognised word with its timing and confidence and, when the vocabulary pass corrected
    it, what the model heard (`heard`), so nothing is hidden from the candidate or a reviewer."""

    heard: str | None = None


def joined(words: Sequence[TranscriptWord], text: str | None = None) -> TranscriptWord:
    """Several words as one entry: the first start, the last end, the lowest confidence, and what
    was heard when any of them had been corrected."""
    probabilities = [w.probability for w in words if w.probability is not None]
    heard = [w.heard if w.heard is not None else w.word for w in words]
    return TranscriptWord(
        word=text if text is not None else "".join(w.word for w in words),
        start=words[0].start,
        end=words[-1].end,
        probability=min(probabilities) if probabilities else None,
        heard=" ".join(heard) if any(w.heard is not None for w in words) else None,
    )


def join_fragments(words: Iterable[TranscriptWord]) -> list[TranscriptWord]:
    """Glue a fragment the model split off ("-out", ".CD", ",") onto the word before it."""
    result: list[TranscriptWord] = []
    for word in words:
        if not word.word:
            continue
        if result and FRAGMENT.match(word.word):
            result[-1] = joined([result[-1], word])
        else:
            result.append(word)
    return result


def ends_sentence(word: str) -> bool:
    return bool(SENTENCE_END.search(word)) and not DOTTED_LETTERS.match(word)


def _full_stop(word: TranscriptWord) -> TranscriptWord:
    return word.model_copy(update={"word": word.word.rstrip(",;:") + "."})


def _capitalised(word: TranscriptWord, keep: set[str]) -> TranscriptWord:
    """The first word of a new sentence, capitalised unless it is a term spelt in lower case."""
    if not word.word.isalpha() or not word.word.islower() or word.word in keep:
        return word
    return word.model_copy(update={"word": word.word[0].upper() + word.word[1:]})


def sentences_from_pauses(words: list[TranscriptWord], keep_lower: set[str]) -> list[TranscriptWord]:
    """End a sentence at a pause when the model wrote no full stop there: a clear pause after a
    few words, or a shorter one once the sentence is long. The last word always ends one."""
    result = list(words)
    length = 0
    for index in range(len(result) - 1):
        length += 1
        if ends_sentence(result[index].word):
            length = 0
            continue
        pause = result[index + 1].start - result[index].end
        if (pause >= PAUSE_SECONDS and length >= MIN_SENTENCE_WORDS) or (
            pause >= SHORT_PAUSE_SECONDS and length >= LONG_SENTENCE_WORDS
        ):
            result[index] = _full_stop(result[index])
            result[index + 1] = _capitalised(result[index + 1], keep_lower)
            length = 0
    if result and not ends_sentence(result[-1].word):
        result[-1] = _full_stop(result[-1])
    return result


def numbers_start_their_item(words: list[TranscriptWord]) -> list[TranscriptWord]:
    """A list number ("2.") belongs to the item it introduces: it becomes part of that item's first
    word, and the item before it ends there, so each item reads as its own line. A number is a list
    number when it counts on from the previous one, or is a 1 after a break ("steps: 1.")."""
    result: list[TranscriptWord] = []
    counted = 0
    index = 0
    while index < len(words):
        word = words[index]
        if LIST_NUMBER.match(word.word) and index + 1 < len(words) and _is_item(result, word, counted):
            if result and result[-1].word[-1] not in ".!?:":
                result[-1] = _full_stop(result[-1])
            text = f"{word.word[:-1]}. {words[index + 1].word}"
            result.append(joined([word, words[index + 1]], text))
            counted = int(word.word[:-1])
            index += 2
            continue
        result.append(word)
        index += 1
    return result


def _is_item(before: list[TranscriptWord], number: TranscriptWord, counted: int) -> bool:
    """ "2." after "1." counts on; "1." opens a list after a break; "we keep 2." is no list."""
    value = int(number.word[:-1])
    if counted and value == counted + 1:
        return True
    if value != 1:
        return False
    if not before:
        return True
    return before[-1].word[-1] in ".!?:;," or number.start - before[-1].end >= SHORT_PAUSE_SECONDS


def readable(words: list[TranscriptWord], keep_lower: set[str]) -> list[TranscriptWord]:
    """List numbers at the start of their item, sentences ended at pauses."""
    return sentences_from_pauses(numbers_start_their_item(words), keep_lower)


def transcript_text(words: Iterable[WordTiming]) -> str:
    """The text of the words, one space between them: what is scored and what the report quotes."""
    return " ".join(w.word for w in words)
