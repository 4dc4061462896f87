"""A real app server and a real Chromium with a fake camera and microphone."""

import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.media.media_files import HEIGHT, WIDTH, face_frame
from tests.servers import serving

CHROMIUM = "/usr/bin/chromium"
SPEECH = (
    "We deploy to Kubernetes with Argo CD. Every change is a pull request to the repository. "
    "The controller reconciles the cluster. We package it as a Helm chart for Kubernetes. "
) * 2


def write_y4m(path: Path, frame_bgr: np.ndarray, frames: int = 30) -> Path:
    """A YUV4MPEG2 file (what Chromium's fake camera reads) showing the same frame."""
    b, g, r = (frame_bgr[..., i].astype(np.float32) for i in range(3))
    y = 0.299 * r + 0.587 * g + 0.114 * b
    u = (b - y) * 0.564 + 128
    v = (r - y) * 0.713 + 128
    planes = [y, u[::2, ::2], v[::2, ::2]]
    payload = b"".join(np.clip(p, 0, 255).astype(np.uint8).tobytes() for p in planes)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + payload)
    return path


def microphone_wav(folder: Path) -> Path:
    """espeak-ng speech as 48 kHz 16-bit mono, the rate Chromium's fake microphone plays best."""
    raw = folder / "speech-22k.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "125", "-g", "4", "-w", str(raw), SPEECH], check=True)
    wav = folder / "speech.wav"
    subprocess.run(["sox", str(raw), "-r", "48000", "-b", "16", "-c", "1", str(wav)], check=True)
    return wav


@pytest.fixture(scope="session")
def fake_devices(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("devices")
    return write_y4m(folder / "face.y4m", face_frame()), microphone_wav(folder)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The app as a new user runs it; yields (url, var dir). Whisper gets one thread so a core is
    left for the browser: here they share two, unlike real use."""
    with serving(tmp_path, OMP_NUM_THREADS="1") as url:
        yield url, tmp_path / "var"


@pytest.fixture
def browser(fake_devices: tuple[Path, Path]) -> Iterator[Browser]:
    video, audio = fake_devices
    args = [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
        f"--use-file-for-fake-audio-capture={audio}",
        "--autoplay-policy=no-user-gesture-required",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    opened = context.new_page()
    yield opened
    context.close()
