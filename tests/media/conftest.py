"""Recordings shared by the media tests, made once per session (espeak-ng and PyAV are quick, but
not free), and the bundled speech model, loaded once."""

from pathlib import Path

import pytest

from app.media.transcription import WhisperTranscriber, load_whisper_model
from tests.media.media_files import encode_audio, speak

SENTENCE = (
    "Never commit plaintext secrets to Git. Encrypt them with Sealed Secrets and kubeseal, or with SOPS "
    "and age, or sync them from HashiCorp Vault with the External Secrets Operator."
)
SENTENCE_TERMS = [
    "Git",
    "Sealed Secrets",
    "kubeseal",
    "SOPS",
    "age",
    "HashiCorp Vault",
    "External Secrets Operator",
]


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def speech_wav(media_dir: Path) -> Path:
    return speak(SENTENCE, media_dir / "speech.wav")


@pytest.fixture(scope="session")
def speech_webm(speech_wav: Path, media_dir: Path) -> Path:
    """The sentence as Chrome's MediaRecorder would upload it: webm/Opus, no duration in the header."""
    return encode_audio(speech_wav, media_dir / "speech.webm")


@pytest.fixture(scope="session")
def whisper() -> WhisperTranscriber:
    load_whisper_model("tiny.en", "int8")
    return WhisperTranscriber("tiny.en", "int8")
