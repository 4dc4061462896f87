"""Ceilings a senior interviewer applies whatever else an answer contains. Both scorers apply the
same ones, so a model that is talked into a high score still cannot exceed them."""

from app.scoring.schemas import Flag

GAMING_CEILING = 1.5  # a bare list of terms, or an answer to another question
VOCABULARY_CEILING = 2.0  # the level-2 anchor: the right words, no mechanism; or rambling
RED_FLAG_CEILING = 2.0  # one misconception stated: at most a 2
RED_FLAGS_CEILING = 1.5  # two or more
TOO_SHORT_CEILING = 3.0  # under SHORT_ANSWER_WORDS words there is no room for trade-offs or failure modes


def ceiling(flags: list[Flag], misconceptions: int) -> float:
    """The highest score an answer with these flags and this many stated misconceptions may get."""
    if "possible-prompt-injection" in flags:
        return 1.0
    limit = 5.0
    if "keyword-list" in flags or "off-topic" in flags:
        limit = GAMING_CEILING
    elif "rambling" in flags or "no-key-point" in flags:
        limit = VOCABULARY_CEILING
    elif "too-short" in flags:
        limit = TOO_SHORT_CEILING
    if misconceptions:
        limit = min(limit, RED_FLAG_CEILING if misconceptions == 1 else RED_FLAGS_CEILING)
    return limit
