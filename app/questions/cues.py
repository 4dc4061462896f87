"""Normalisation shared by question cues and spoken transcripts, so both meet in one form."""

import re

_NUMBER_WORDS = {
    "zero": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "fifteen": "15",
    "twenty": "20",
    "thirty": "30",
    "sixty": "60",
    "hundred": "100",
}
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalize_spoken(text: str) -> str:
    """Lower-case words separated by single spaces: camelCase split, punctuation dropped,
    small number words as digits ("selfHeal" -> "self heal", "three minutes" -> "3 minutes")."""
    words = _NON_WORD.sub(" ", _CAMEL.sub(" ", text).lower()).split()
    return " ".join(_NUMBER_WORDS.get(word, word) for word in words)
