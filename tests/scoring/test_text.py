"""Finding a question's cue phrases in a spoken answer: however speech recognition spaced the
words, only within a sentence, and with small words between them only where gaps are allowed."""

from app.scoring.text import Phrases, analyse, phrase_stems

SELF_HEAL = phrase_stems("self heal")
PRUNE_REVERTS = phrase_stems("prune reverts")


def spans(phrases: Phrases, answer: str, phrase: tuple[str, ...]) -> list[str]:
    text = analyse(answer)
    return [answer[text.tokens[a].start : text.tokens[b].end] for a, b in text.found(phrases).get(phrase, [])]


def test_a_phrase_is_found_however_its_words_are_spaced_in_order() -> None:
    phrases = Phrases([SELF_HEAL])
    answer = "Self-heal is on. Then selfHeal puts it back, and selfheal again, and self heal."
    assert spans(phrases, answer, SELF_HEAL) == ["Self-heal", "selfHeal", "selfheal", "self heal"]


def test_a_phrase_is_not_found_across_sentences_or_inside_other_words() -> None:
    phrases = Phrases([SELF_HEAL])
    assert spans(phrases, "It heals itself. Heal it.", SELF_HEAL) == []
    assert spans(phrases, "I trust myself. Heal comes later.", SELF_HEAL) == []


def test_small_words_may_sit_between_a_phrases_words_only_where_gaps_are_allowed() -> None:
    answer = "Prune will then revert it."
    assert spans(Phrases([PRUNE_REVERTS], max_gap=3), answer, PRUNE_REVERTS) == ["Prune will then revert"]
    assert spans(Phrases([PRUNE_REVERTS]), answer, PRUNE_REVERTS) == []


def test_a_word_that_carries_meaning_breaks_a_gap() -> None:
    phrases = Phrases([PRUNE_REVERTS], max_gap=3)
    assert spans(phrases, "Prune deletes and reverts.", PRUNE_REVERTS) == []
    assert spans(phrases, "Prune never deletes what it reverts.", PRUNE_REVERTS) == []


def test_phrases_spelled_alike_are_each_found() -> None:
    joined = phrase_stems("selfheal")
    phrases = Phrases([SELF_HEAL, joined])
    assert spans(phrases, "with self heal on", joined) == ["self heal"]
    assert spans(phrases, "with self heal on", SELF_HEAL) == ["self heal"]
