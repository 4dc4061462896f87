"""Speed and memory of the media pipeline with the default settings (bundled tiny.en, int8):
model load time, transcription speed on ~60 s of Chrome-like webm/Opus speech (without and with a
glossary), peak resident memory, and the time to analyse 60 s of 640x480 30 fps video.

Run from the repository root: .venv/bin/python benchmarks/transcription.py (numbers only, no pass/fail)."""

import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the test helpers make the recordings

from app.config import Settings
from app.media.audio import decode_audio
from app.media.transcription import build_transcriber, load_whisper_model
from app.media.video import analyse_video
from tests.media.media_files import encode_audio, face_frame, speak, write_video

SENTENCES = (
    "Argo CD compares the live state of the cluster with the desired state in Git and marks the "
    "application OutOfSync. With selfHeal enabled in the syncPolicy, the controller reverts a manual "
    "kubectl edit. Secrets never go into Git in plain text: we encrypt them with Sealed Secrets or SOPS. "
    "Flux reconciles each Kustomization and HelmRelease on its own interval."
)
GLOSSARY = [
    "Argo CD",
    "OutOfSync",
    "selfHeal",
    "syncPolicy",
    "kubectl edit",
    "Sealed Secrets",
    "SOPS",
    "Flux",
]
TARGET_SECONDS = 60.0


def _speech(directory: Path) -> Path:
    """About a minute of speech: the sentences repeated until the recording is long enough."""
    one = speak(SENTENCES, directory / "one.wav")
    repeats = max(1, round(TARGET_SECONDS / decode_audio(one).duration_seconds))
    wav = speak(" ".join([SENTENCES] * repeats), directory / "speech.wav")
    return encode_audio(wav, directory / "speech.webm")


def _timed_transcription(label: str, speech: Path, hotwords: list[str]) -> None:
    transcriber = build_transcriber(Settings())
    started = time.perf_counter()
    transcript = transcriber.transcribe(speech, hotwords)
    elapsed = time.perf_counter() - started
    speed = transcript.duration_seconds / elapsed
    print(
        f"transcribe {label}: {transcript.duration_seconds:.1f} s of audio in {elapsed:.2f} s "
        f"= {speed:.1f} audio s per processing s ({len(transcript.words)} words)"
    )


def main() -> int:
    settings = Settings()
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        speech = _speech(directory)
        started = time.perf_counter()
        load_whisper_model(settings.whisper_model, settings.whisper_compute_type)
        loaded = time.perf_counter() - started
        print(f"model load ({settings.whisper_model}, {settings.whisper_compute_type}): {loaded:.2f} s")
        _timed_transcription("(no glossary)", speech, [])
        _timed_transcription("(with glossary)", speech, GLOSSARY)
        video = write_video(directory / "video.webm", [face_frame()] * 1800, fps=30)
        started = time.perf_counter()
        analysis = analyse_video(video)
        elapsed = time.perf_counter() - started
        sampled = analysis.frames_sampled
        print(f"analyse-video: 60 s at 640x480 30 fps in {elapsed:.2f} s ({sampled} frames sampled)")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
