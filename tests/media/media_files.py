"""Test recordings made at test time (no binaries in the repository): espeak-ng speech encoded the
way Chrome's MediaRecorder writes it, and webm/VP8 video built from skimage's astronaut photo."""

import subprocess
import wave
from collections.abc import Iterable
from fractions import Fraction
from functools import cache
from pathlib import Path

import av
import cv2
import numpy as np
from skimage import data

WIDTH, HEIGHT = 640, 480
BACKGROUND = 60


def speak(text: str, path: Path) -> Path:
    """A wav file of espeak-ng reading the text (22.05 kHz mono)."""
    subprocess.run(["espeak-ng", "-w", str(path), text], check=True, capture_output=True)
    return path


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as speech:
        return speech.getnframes() / speech.getframerate()


def _audio_stream(output: av.container.OutputContainer, codec: str) -> av.audio.stream.AudioStream:
    stream = output.add_stream(codec, rate=48_000, layout="mono")
    assert isinstance(stream, av.audio.stream.AudioStream)
    stream.bit_rate = 64_000
    return stream


def _encode_audio_into(
    output: av.container.OutputContainer, stream: av.audio.stream.AudioStream, wav: Path
) -> None:
    resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=48_000)
    with av.open(str(wav)) as source:
        frames = [*source.decode(audio=0), None]
        for frame in frames:
            for resampled in resampler.resample(frame):
                output.mux(stream.encode(resampled))
    output.mux(stream.encode(None))


def encode_audio(wav: Path, path: Path) -> Path:
    """webm/Opus written as a live stream (no duration in the header, like Chrome), or mp4/AAC."""
    webm = path.suffix == ".webm"
    options = {"live": "1"} if webm else {}
    with av.open(str(path), "w", format="webm" if webm else "mp4", options=options) as output:
        stream = _audio_stream(output, "libopus" if webm else "aac")
        _encode_audio_into(output, stream, wav)
    return path


def write_video(path: Path, frames: Iterable[np.ndarray], fps: int = 10, wav: Path | None = None) -> Path:
    """A Chrome-like webm (VP8, live: no duration) from BGR frames, with Opus speech if given."""
    with av.open(str(path), "w", format="webm", options={"live": "1"}) as output:
        video = output.add_stream("libvpx", rate=fps)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        video.bit_rate = 1_500_000
        video.options = {"deadline": "realtime", "cpu-used": "8"}  # fast to encode, like a browser
        video.time_base = Fraction(1, fps)
        audio = _audio_stream(output, "libopus") if wav else None
        for index, bgr in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(bgr, format="bgr24")
            frame.pts = index
            output.mux(video.encode(frame))
        output.mux(video.encode(None))
        if audio is not None and wav is not None:
            _encode_audio_into(output, audio, wav)
    return path


def looped_opus(path: Path, seconds: float, wav: Path | None = None, bit_rate: int = 6_000) -> Path:
    """A Chrome-like webm/Opus file holding `seconds` of audio: the wav's sound (or silence) encoded
    once in 60 ms frames, its packets then repeated. Cheap to make however long it is; 40 minutes
    of silence at 6 kbit/s take about 1.2 MB, the file of the audit's finding F3."""
    with av.open(str(path), "w", format="webm", options={"live": "1"}) as output:
        stream = _audio_stream(output, "libopus")
        stream.bit_rate = bit_rate
        stream.options = {"frame_duration": "60"}
        source = _wav_frames(wav) if wav else [_silence(48_000)]
        packets = [p for frame in [*source, None] for p in stream.encode(frame)]
        loop = sum(p.duration or 0 for p in packets)
        starts = [p.pts or 0 for p in packets]
        for repeat in range(int(seconds * 48_000 // loop) + 1):
            for packet, start in zip(packets, starts, strict=True):
                if repeat * loop + start >= seconds * 48_000:
                    return path
                packet.pts = packet.dts = repeat * loop + start
                output.mux(packet)
    return path


def _wav_frames(wav: Path) -> list[av.AudioFrame]:
    resampler = av.AudioResampler(format="s16", layout="mono", rate=48_000)
    with av.open(str(wav)) as source:
        return [r for frame in [*source.decode(audio=0), None] for r in resampler.resample(frame)]


def _silence(samples: int) -> av.AudioFrame:
    frame = av.AudioFrame.from_ndarray(np.zeros((1, samples), dtype=np.int16), format="s16", layout="mono")
    frame.sample_rate, frame.pts = 48_000, 0
    return frame


@cache
def astronaut(size: int) -> np.ndarray:
    """skimage's astronaut photo (Eileen Collins, a real face) as a size x size BGR image."""
    photo = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)  # type: ignore[no-untyped-call]  # skimage ships no types
    return cv2.resize(photo, (size, size), interpolation=cv2.INTER_AREA)


def _canvas() -> np.ndarray:
    return np.full((HEIGHT, WIDTH, 3), BACKGROUND, np.uint8)


def face_frame() -> np.ndarray:
    """The photo filling the frame's height, centred: how a candidate sits at a webcam."""
    frame = _canvas()
    frame[:, 80:560] = astronaut(480)
    return frame


def dark_frame() -> np.ndarray:
    """The same picture in a dim room."""
    return (face_frame() * 0.12).astype(np.uint8)


def two_faces_frame() -> np.ndarray:
    frame = _canvas()
    frame[80:400, :320] = astronaut(320)
    frame[80:400, 320:] = astronaut(320)
    return frame


def small_corner_face_frame() -> np.ndarray:
    """The face about 7% of the frame's width, in the top-left corner: sitting far off to one side."""
    frame = _canvas()
    frame[:240, :240] = astronaut(240)
    return frame


def noise_frames(count: int, seed: int = 0, hold: int = 5) -> list[np.ndarray]:
    """Random pixels, a new picture every `hold` frames (fresh noise in every frame is slow to encode)."""
    rng = np.random.default_rng(seed)
    pictures = [rng.integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8) for _ in range(-(-count // hold))]
    return [pictures[index // hold] for index in range(count)]
