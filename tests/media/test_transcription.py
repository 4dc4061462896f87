"""Transcription: the bundled tiny.en model for real (offline), and the OpenAI-compatible client
against a local HTTP server speaking the real verbose_json wire format."""

import itertools
import json
import re
import subprocess
import threading
from collections.abc import Iterator
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.config import Settings
from app.media.audio import SAMPLE_RATE, AudioClip, decode_audio
from app.media.errors import MediaError
from app.media.transcript_text import WordTiming
from app.media.transcription import (
    OpenAITranscriber,
    WhisperTranscriber,
    build_transcriber,
    missed_speech_seconds,
)
from tests.media.conftest import SENTENCE_TERMS
from tests.media.media_files import encode_audio, speak, wav_seconds

# Sentences full of the bank's domain terms, each with the terms it says (the glossary given as hotwords).
DOMAIN_SPEECH = {
    "secrets": (
        "Never commit plaintext secrets to Git. Encrypt them with Sealed Secrets and kubeseal, or with SOPS "
        "and age, or sync them from HashiCorp Vault with the External Secrets Operator.",
        SENTENCE_TERMS,
    ),
    "drift": (
        "Argo CD marks the application OutOfSync after a kubectl edit. Turn on selfHeal in the syncPolicy, "
        "and remember that prune only deletes resources removed from Git. Check the three-way diff with "
        "argocd app diff.",
        [
            "Argo CD",
            "OutOfSync",
            "kubectl edit",
            "selfHeal",
            "syncPolicy",
            "prune",
            "Git",
            "three-way diff",
            "argocd app diff",
        ],
    ),
    "flux": (
        "Flux reconciles a Kustomization and a HelmRelease on each spec interval, while Argo CD uses an "
        "ApplicationSet to generate one Application per cluster.",
        [
            "Flux",
            "Kustomization",
            "HelmRelease",
            "interval",
            "Argo CD",
            "ApplicationSet",
            "Application",
            "cluster",
        ],
    ),
}


def _spoken(text: str) -> str:
    """Lower case letters and digits only, so "self-heal", "selfHeal" and "self heal" compare equal."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def domain_term_recall(transcript: str, terms: list[str]) -> float:
    """The share of domain terms that appear in the transcript, spelling and spacing aside."""
    heard = _spoken(transcript)
    return sum(_spoken(term) in heard for term in terms) / len(terms)


@pytest.fixture(scope="module")
def domain_webms(media_dir: Path) -> dict[str, Path]:
    return {
        name: encode_audio(speak(text, media_dir / f"{name}.wav"), media_dir / f"{name}.webm")
        for name, (text, _) in DOMAIN_SPEECH.items()
    }


@pytest.fixture(scope="module")
def with_and_without_glossary(whisper: WhisperTranscriber, domain_webms: dict[str, Path]) -> dict[str, Any]:
    return {
        name: (whisper.transcribe(domain_webms[name], terms), whisper.transcribe(domain_webms[name], []))
        for name, (_, terms) in DOMAIN_SPEECH.items()
    }


@pytest.mark.slow  # the speech model over synthesised answers
def test_the_bundled_model_hears_the_domain_terms_when_given_the_glossary(
    with_and_without_glossary: dict[str, Any],
) -> None:
    transcript, _ = with_and_without_glossary["secrets"]
    assert domain_term_recall(transcript.text, SENTENCE_TERMS) >= 0.85, transcript.text
    for term in ("Sealed Secrets", "kubeseal", "SOPS", "HashiCorp Vault"):
        assert term in transcript.text
    assert transcript.model == "tiny.en"
    assert transcript.language == "en"


@pytest.mark.slow  # the speech model over synthesised answers
def test_word_timestamps_run_forward_and_stay_inside_the_recording(
    with_and_without_glossary: dict[str, Any],
) -> None:
    for transcript, plain in with_and_without_glossary.values():
        for words in (transcript.words, plain.words):
            assert len(words) >= 15
            assert all(0 <= w.start <= w.end <= transcript.duration_seconds for w in words)
            assert all(a.start <= b.start and a.end <= b.end for a, b in itertools.pairwise(words))
        assert transcript.words[-1].end > transcript.duration_seconds - 1.5  # it heard the end of the answer


@pytest.mark.slow  # the speech model over synthesised answers
def test_the_glossary_never_makes_domain_terms_worse_and_helps_overall(
    with_and_without_glossary: dict[str, Any],
) -> None:
    recalls = {
        name: (
            domain_term_recall(hot.text, DOMAIN_SPEECH[name][1]),
            domain_term_recall(plain.text, DOMAIN_SPEECH[name][1]),
        )
        for name, (hot, plain) in with_and_without_glossary.items()
    }
    assert all(hot >= plain for hot, plain in recalls.values()), recalls
    assert (
        np.mean([hot for hot, _ in recalls.values()])
        >= np.mean([plain for _, plain in recalls.values()]) + 0.2
    ), recalls


@pytest.mark.slow  # the speech model over synthesised answers
def test_no_speech_is_lost_with_the_glossary(
    with_and_without_glossary: dict[str, Any], domain_webms: dict[str, Path]
) -> None:
    """tiny.en given hotwords can stop after the first sentence; such a transcript is redone."""
    for name, (transcript, _) in with_and_without_glossary.items():
        clip = decode_audio(domain_webms[name])
        assert missed_speech_seconds(clip, transcript.words) <= 1.0, (name, transcript.text)
        assert len(transcript.text.split()) >= 0.8 * len(DOMAIN_SPEECH[name][0].split()), transcript.text


SAID_THEN_QUIET = DOMAIN_SPEECH["secrets"][0] + " Rotate them often, and keep the keys out of the repository."


@pytest.fixture(scope="module")
def speech_then_quiet(media_dir: Path) -> tuple[float, dict[str, Path]]:
    """The answer, then 20 s of silence, or 20 s of room noise (brown and pink noise from sox, about
    15 dB under the speech): where Whisper used to invent "Thanks for watching". The answer opens
    with glossary terms, which tiny.en used to skip when the glossary prompt was left open."""
    speech = speak(SAID_THEN_QUIET, media_dir / "said.wav")
    noise = media_dir / "room.wav"
    sox = [
        "sox",
        "-R",  # the same noise (and dither) every run
        "-n",
        "-r",
        "22050",
        "-c",
        "1",
        str(noise),
        "synth",
        "20",
        "brownnoise",
        "synth",
        "pinknoise",
    ]
    subprocess.run([*sox, "mix", "lowpass", "3000", "vol", "0.05"], check=True)
    silent, noisy = media_dir / "said-silence.wav", media_dir / "said-noise.wav"
    subprocess.run(["sox", "-R", str(speech), str(silent), "pad", "0", "20"], check=True)
    subprocess.run(["sox", "-R", str(speech), str(noise), str(noisy)], check=True)
    webms = {
        name: encode_audio(wav, media_dir / f"{wav.stem}.webm")
        for name, wav in (("silence", silent), ("noise", noisy))
    }
    return wav_seconds(speech), webms


@pytest.mark.slow  # the speech model over 35 s recordings
@pytest.mark.parametrize("after", ["silence", "noise"])
def test_nothing_is_added_after_the_speech_ends(
    whisper: WhisperTranscriber, speech_then_quiet: tuple[float, dict[str, Path]], after: str
) -> None:
    speech_ends, recordings = speech_then_quiet
    transcript = whisper.transcribe(recordings[after], SENTENCE_TERMS)
    assert transcript.duration_seconds > speech_ends + 19
    assert all(word.start < speech_ends + 0.5 for word in transcript.words), transcript.text
    assert transcript.text.endswith("out of the repository."), transcript.text  # and nothing after it
    assert domain_term_recall(transcript.text, SENTENCE_TERMS) >= 0.7, transcript.text


@pytest.fixture(scope="module")
def drowned_speech(speech_wav: Path, media_dir: Path) -> Path:
    """The sentence under loud pink noise: what the model decodes fails Whisper's own checks, where
    faster-whisper would by default sample again at a higher temperature (a different guess each run).
    Loud, not louder: with noise at 0.6 the model on an AVX-512 CPU drops every segment, and an empty
    transcript tests nothing."""
    noise, mixed = media_dir / "loud-noise.wav", media_dir / "drowned.wav"
    seconds = f"{wav_seconds(speech_wav):.2f}"
    subprocess.run(["sox", "-R", "-n", "-r", "22050", "-c", "1", str(noise), "synth", seconds, "pinknoise", "vol", "0.5"], check=True)  # fmt: skip
    subprocess.run(["sox", "-R", "-m", str(speech_wav), str(noise), str(mixed)], check=True)
    return encode_audio(mixed, media_dir / "drowned.webm")


@pytest.mark.slow  # the speech model over a recording it has to guess at, twice
def test_the_same_recording_always_reads_the_same(whisper: WhisperTranscriber, drowned_speech: Path) -> None:
    """Decoding never samples, so a second run (or another process) reads the same."""
    first = whisper.transcribe(drowned_speech, SENTENCE_TERMS)
    assert first.words, "the model heard nothing, so this recording tests nothing"
    assert whisper.transcribe(drowned_speech, SENTENCE_TERMS) == first


def test_missed_speech_counts_loud_audio_no_word_covers() -> None:
    tone = 0.3 * np.sin(np.linspace(0, 2 * np.pi * 440 * 6, 6 * SAMPLE_RATE, dtype=np.float32))
    clip = AudioClip(np.concatenate([tone, np.zeros(4 * SAMPLE_RATE, np.float32)]).astype(np.float32))
    assert missed_speech_seconds(clip, []) == pytest.approx(6.0, abs=0.05)
    assert missed_speech_seconds(clip, [WordTiming(word="hello", start=0.0, end=2.0)]) == pytest.approx(
        3.0, abs=0.05
    )
    every_second = [WordTiming(word="one", start=t, end=t + 0.5) for t in (0.5, 2.0, 3.5, 5.0)]
    assert missed_speech_seconds(clip, every_second) == 0
    # one word stretched over five seconds: the model skipped what was said in its middle
    assert missed_speech_seconds(clip, [WordTiming(word="all", start=0.5, end=5.5)]) == pytest.approx(
        1.0, abs=0.05
    )


def test_a_broken_recording_fails_the_same_way_for_the_model(
    whisper: WhisperTranscriber, tmp_path: Path
) -> None:
    junk = tmp_path / "answer.webm"
    junk.write_bytes(b"\x00" * 1000)
    with pytest.raises(MediaError, match=r"answer\.webm could not be read"):
        whisper.transcribe(junk, [])


def test_the_default_settings_build_the_bundled_whisper_model() -> None:
    transcriber = build_transcriber(Settings())
    assert isinstance(transcriber, WhisperTranscriber)
    assert transcriber.model == "tiny.en"


# --- the OpenAI-compatible endpoint ------------------------------------------------------------------

VERBOSE_JSON = {
    "task": "transcribe",
    "language": "english",
    "duration": 11.48,
    "text": " Never commit plaintext secrets to Git.",
    "words": [
        {"word": "Never", "start": 0.0, "end": 0.34},
        {"word": "commit", "start": 0.34, "end": 0.72},
        {"word": "plaintext", "start": 0.72, "end": 1.3},
        {"word": "secrets", "start": 1.3, "end": 1.8},
        {"word": "to", "start": 1.8, "end": 1.96},
        {"word": "Git.", "start": 1.96, "end": 60.0},
    ],
    "usage": {"type": "duration", "seconds": 12},
}


class FakeTranscriptionServer(BaseHTTPRequestHandler):
    """Answers POST /v1/audio/transcriptions like api.openai.com, and remembers what it received."""

    requests: list[dict[str, Any]]
    status = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        head = f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode()
        form = BytesParser(policy=policy.HTTP).parsebytes(head + body)
        fields: dict[str, Any] = {"path": self.path, "authorization": self.headers["Authorization"]}
        for part in form.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            fields[str(name)] = (part.get_filename(), payload) if part.get_filename() else payload.decode()
        self.requests.append(fields)
        if self.status == 200:
            self._reply(200, VERBOSE_JSON)
        else:
            self._reply(
                self.status,
                {
                    "error": {
                        "message": "Invalid file format.",
                        "type": "invalid_request_error",
                        "param": None,
                        "code": None,
                    }
                },
            )

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def fake_server() -> Iterator[tuple[str, type[FakeTranscriptionServer]]]:
    handler = type("Handler", (FakeTranscriptionServer,), {"requests": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v1", handler
    finally:
        server.shutdown()
        server.server_close()


def _openai_settings(base_url: str) -> Settings:
    return Settings(
        transcriber="openai",
        transcription_base_url=base_url,
        transcription_api_key="sk-test",
        transcription_model="whisper-1",
    )


def test_the_openai_transcriber_uploads_the_file_with_the_glossary_and_maps_words(
    fake_server: tuple[str, type[FakeTranscriptionServer]], speech_webm: Path
) -> None:
    base_url, handler = fake_server
    transcriber = build_transcriber(_openai_settings(base_url))
    assert isinstance(transcriber, OpenAITranscriber)
    transcript = transcriber.transcribe(speech_webm, ["Sealed Secrets", "kubeseal"])
    (sent,) = handler.requests
    assert sent["path"] == "/v1/audio/transcriptions"
    assert sent["authorization"] == "Bearer sk-test"
    assert sent["file"] == ("speech.webm", speech_webm.read_bytes())
    assert sent["model"] == "whisper-1"
    assert sent["response_format"] == "verbose_json"
    assert sent["timestamp_granularities[]"] == "word"
    assert sent["prompt"] == "Sealed Secrets, kubeseal."
    assert transcript.text == "Never commit plaintext secrets to Git."
    assert [w.word for w in transcript.words] == ["Never", "commit", "plaintext", "secrets", "to", "Git."]
    assert transcript.words[1].model_dump() == {
        "word": "commit",
        "start": 0.34,
        "end": 0.72,
        "probability": None,  # this service gives no word confidence
        "heard": None,
    }
    assert transcript.words[-1].end == transcript.duration_seconds  # kept inside the recording
    assert transcript.language == "english"
    assert transcript.model == "whisper-1"
    assert transcript.duration_seconds == pytest.approx(11.5, abs=0.6)


def test_without_a_glossary_no_prompt_is_sent(
    fake_server: tuple[str, type[FakeTranscriptionServer]], speech_webm: Path
) -> None:
    base_url, handler = fake_server
    build_transcriber(_openai_settings(base_url)).transcribe(speech_webm, [])
    assert "prompt" not in handler.requests[0]


def test_a_refusal_from_the_service_is_a_media_error_with_its_reason(
    fake_server: tuple[str, type[FakeTranscriptionServer]], speech_webm: Path
) -> None:
    base_url, handler = fake_server
    handler.status = 400
    with pytest.raises(MediaError, match=r"could not transcribe speech\.webm: .*Invalid file format"):
        build_transcriber(_openai_settings(base_url)).transcribe(speech_webm, [])


def test_an_unreachable_service_is_a_media_error(speech_webm: Path) -> None:
    settings = _openai_settings("http://127.0.0.1:9/v1")
    transcriber = build_transcriber(settings)
    assert isinstance(transcriber, OpenAITranscriber)
    transcriber.client = transcriber.client.with_options(max_retries=0)
    with pytest.raises(MediaError, match=r"could not transcribe speech\.webm: Connection error"):
        transcriber.transcribe(speech_webm, [])


def test_the_openai_transcriber_needs_a_key_for_api_openai_com(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(MediaError, match="OPENAI_API_KEY"):
        build_transcriber(Settings(transcriber="openai"))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    transcriber = build_transcriber(Settings(transcriber="openai"))
    assert isinstance(transcriber, OpenAITranscriber)
    assert transcriber.client.api_key == "sk-from-env"
