"""The passes that finish a recognised transcript, on word lists as faster-whisper gives them:
invented text removed, domain vocabulary corrected (and never invented), readable sentences."""

import itertools

from app.media.hallucination import is_doubtful, without_invented_text
from app.media.transcript_text import TranscriptWord, join_fragments, readable, transcript_text
from app.media.transcription import finished_words
from app.media.vocabulary import correct_vocabulary


def timed(text: str, gap: float = 0.1, pauses: dict[int, float] | None = None) -> list[TranscriptWord]:
    """Words 0.3 s long, `gap` apart (a longer pause after the word at each index in `pauses`)."""
    words, at = [], 0.0
    for index, word in enumerate(text.split()):
        words.append(TranscriptWord(word=word, start=round(at, 2), end=round(at + 0.3, 2), probability=0.9))
        at += 0.3 + (pauses or {}).get(index, gap)
    return words


def said(words: list[TranscriptWord]) -> str:
    return transcript_text(words)


# --- vocabulary -------------------------------------------------------------------------------------


def test_universal_terms_are_corrected_for_every_question() -> None:
    heard = timed("our go CD syncs it and I ran cube control apply with R .C .D. and get ops")
    fixed = correct_vocabulary(join_fragments(heard), glossary=["selfHeal"])
    assert said(fixed) == "Argo CD syncs it and I ran kubectl apply with Argo CD and GitOps"


def test_a_correction_keeps_what_was_heard_and_its_timings() -> None:
    heard = timed("then kubec console edit.")
    fixed = correct_vocabulary(heard, glossary=[])
    (corrected,) = [w for w in fixed if w.heard]
    assert corrected.word == "kubectl"
    assert corrected.heard == "kubec console"
    assert (corrected.start, corrected.end) == (heard[1].start, heard[2].end)
    assert fixed[-1].word == "edit."
    assert fixed[-1].heard is None


def test_trailing_punctuation_stays_but_an_abbreviation_dot_does_not_end_a_sentence() -> None:
    assert said(correct_vocabulary(timed("synced by R C D."), [])) == "synced by Argo CD."
    assert said(correct_vocabulary(join_fragments(timed("with R .C .D. in prod")), [])) == (
        "with Argo CD in prod"
    )


def test_glossary_terms_are_corrected_only_when_the_question_uses_them() -> None:
    heard = timed("each customization points at a path and the R C M ConfigMap")
    with_terms = correct_vocabulary(heard, glossary=["Kustomization", "argocd-cm"])
    assert said(with_terms) == "each Kustomization points at a path and the argocd-cm ConfigMap"
    without = correct_vocabulary(heard, glossary=["Helm", "selfHeal"])
    assert said(without) == said(heard)
    assert all(w.heard is None for w in without)


def test_a_phonetic_near_miss_of_a_glossary_term_is_corrected() -> None:
    fixed = correct_vocabulary(timed("turn on self heel and cube seal"), ["selfHeal", "kubeseal"])
    assert said(fixed) == "turn on selfHeal and kubeseal"


def test_ordinary_words_are_never_turned_into_terms() -> None:
    text = "a good idea is to get feedback and customization of the kit is quite good"
    assert said(correct_vocabulary(timed(text), ["Kustomize", "Git"])) == text
    assert said(correct_vocabulary(timed("applications and overlays"), ["Application", "overlay"])) == (
        "applications and overlays"
    )


def test_git_is_heard_as_good_only_where_good_makes_no_sense() -> None:
    fixed = correct_vocabulary(timed("commit it to good. then good revert and the good repository"), [])
    assert said(fixed) == "commit it to Git. then git revert and the Git repository"
    assert said(correct_vocabulary(timed("a good repository"), [])) == "a good repository"


# --- invented text ----------------------------------------------------------------------------------


def test_video_sign_offs_are_removed() -> None:
    heard = timed(
        "and that is selfHeal. Thank you very much for watching, and I'll see you in the next video."
    )
    assert said(without_invented_text(heard)) == "and that is selfHeal."
    assert said(without_invented_text(timed("please subscribe to my channel"))) == ""


def test_a_phrase_repeated_in_a_loop_is_kept_once() -> None:
    heard = timed("the controller reverts it the controller reverts it the controller reverts it now")
    assert said(without_invented_text(heard)) == "the controller reverts it now"
    assert said(without_invented_text(timed("no no no no"))) == "no"
    assert said(without_invented_text(timed("it is what it is"))) == "it is what it is"


def test_a_short_last_sentence_the_model_barely_believed_is_removed() -> None:
    heard = timed("keep the keys out of the repository. Maybe.")
    heard[-1] = heard[-1].model_copy(update={"probability": 0.07})
    assert said(without_invented_text(heard)) == "keep the keys out of the repository."
    sure = timed("keep the keys out of the repository. Rotate them.")
    assert said(without_invented_text(sure)) == said(sure)
    thanked = timed("and syncs the cluster. Thank you very much.")
    assert said(without_invented_text(thanked)) == "and syncs the cluster."
    meant = timed("I would thank you for the review. Thank you.")  # only a bare closing goes
    assert said(without_invented_text(meant)) == "I would thank you for the review."


class Segment:
    def __init__(self, no_speech_prob: float, compression_ratio: float, avg_logprob: float) -> None:
        self.no_speech_prob, self.compression_ratio, self.avg_logprob = (
            no_speech_prob,
            compression_ratio,
            avg_logprob,
        )


def test_segments_the_model_doubts_are_recognised() -> None:
    assert not is_doubtful(Segment(0.05, 1.4, -0.3))
    assert is_doubtful(Segment(0.8, 1.4, -1.3))  # probably no speech, and a guess
    assert is_doubtful(Segment(0.05, 3.1, -0.3))  # a repetition loop
    # either sign alone is seen on real speech (hotwords raise no_speech_prob; noise lowers logprob)
    assert not is_doubtful(Segment(0.92, 1.03, -0.72))
    assert not is_doubtful(Segment(0.05, 1.4, -1.4))


# --- readable sentences -----------------------------------------------------------------------------


def test_stray_spaces_are_closed() -> None:
    assert said(join_fragments(timed("set time -out -not in the config , then"))) == (
        "set time-out-not in the config, then"
    )


def test_sentences_end_at_pauses_when_the_model_wrote_no_full_stops() -> None:
    heard = timed("argo compares the live state with git the controller reverts the edit", pauses={6: 0.9})
    assert said(readable(heard, {"git"})) == (
        "argo compares the live state with git. The controller reverts the edit."
    )


def test_a_short_phrase_before_a_pause_is_not_a_sentence_and_terms_stay_lower_case() -> None:
    heard = timed("first of all kubectl apply runs the whole manifest", pauses={1: 0.9, 2: 0.9})
    assert said(readable(heard, {"kubectl"})) == "first of all kubectl apply runs the whole manifest."
    long_pause = timed(
        "we changed the memory limit in the deployment kubectl edit was wrong", pauses={7: 1.0}
    )
    assert said(readable(long_pause, {"kubectl"})) == (
        "we changed the memory limit in the deployment. kubectl edit was wrong."
    )


def test_list_numbers_start_their_item() -> None:
    heard = timed("the steps are: 1. create the cluster 2. bootstrap Flux. 3. restore the data")
    assert said(readable(heard, set())) == (
        "the steps are: 1. create the cluster. 2. bootstrap Flux. 3. restore the data."
    )
    assert said(readable(timed("we keep 2. Then we stop"), set())) == "we keep 2. Then we stop."


def test_a_finished_transcript_keeps_confidence_and_timings_in_order() -> None:
    heard = timed("our go CD marks it out of sync Thank you for watching")
    heard[1] = heard[1].model_copy(update={"probability": 0.2})
    words = finished_words(heard, ["OutOfSync"])
    assert said(words) == "Argo CD marks it out of sync."
    assert words[0].probability == 0.2
    assert words[0].heard == "our go CD"
    assert all(a.start <= b.start for a, b in itertools.pairwise(words))
