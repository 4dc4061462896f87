"""Decoding recordings with PyAV: opening a container safely and turning its first audio stream into
16 kHz mono samples, the input every speech model expects.

Durations are always measured from the decoded samples: Chrome's MediaRecorder writes webm files
with no duration in the header, and a truncated upload's header would be wrong anyway. For the same
reason the size of a file says nothing about its length (1.2 MB of Opus can hold 40 minutes of
near-silence), so decoding stops at a limit instead of trusting either."""

import io
import logging
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast, overload

import av
import numpy as np
from av.audio.frame import AudioFrame
from av.audio.stream import AudioStream
from av.container import InputContainer
from av.video.frame import VideoFrame
from av.video.stream import VideoStream
from numpy.typing import NDArray

from app.media.errors import MediaError

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000


@dataclass(frozen=True)
class AudioClip:
    """Mono float32 samples in [-1, 1] at SAMPLE_RATE; `ran_over` when the recording went on past
    the limit it was decoded to, and these samples are only its allowed part."""

    samples: NDArray[np.float32]
    ran_over: bool = False

    @property
    def duration_seconds(self) -> float:
        return len(self.samples) / SAMPLE_RATE


def open_media(path: Path) -> InputContainer:
    """Open a recording for reading, or explain in a MediaError why it is not one."""
    if not path.is_file():
        raise MediaError(f"{path} does not exist or is not a file.")
    try:
        return av.open(str(path), mode="r")
    except av.FFmpegError as error:
        raise MediaError(
            f"{path.name} could not be read as audio or video: it is not a media file, "
            f"or it is damaged or cut short ({error.strerror})."
        ) from None


@overload
def decoded_frames(container: InputContainer, stream: AudioStream) -> Iterator[AudioFrame]: ...


@overload
def decoded_frames(container: InputContainer, stream: VideoStream) -> Iterator[VideoFrame]: ...


def decoded_frames(
    container: InputContainer, stream: AudioStream | VideoStream
) -> Iterator[AudioFrame | VideoFrame]:
    """Every frame of one stream that can be decoded: a damaged packet is skipped, and a file that
    ends early (an interrupted upload) yields what came before the damage instead of nothing."""
    packets = container.demux(stream)
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            return
        except av.FFmpegError as error:
            log.warning("%s ends early or is damaged; keeping what was decoded: %s", container.name, error)
            return
        try:
            # PyAV's stubs type a union stream's frames loosely; this stream is audio or video
            frames = cast(list[AudioFrame | VideoFrame], packet.decode())
        except av.FFmpegError as error:
            log.warning("skipping a damaged packet in %s: %s", container.name, error)
            continue
        yield from frames


def decode_audio(path: Path, max_seconds: float | None = None) -> AudioClip:
    """The first audio stream of a webm, mp4, ogg or wav file as 16 kHz mono float32 samples,
    at most `max_seconds` of it: decoding stops there, so time and memory stay bounded."""
    limit = None if max_seconds is None else round(max_seconds * SAMPLE_RATE)
    with open_media(path) as container:
        if not container.streams.audio:
            raise MediaError(
                f"{path.name} has no audio: the recording holds no sound track (was the microphone on?)."
            )
        chunks, ran_over = _resampled(container, container.streams.audio[0], limit)
    if not chunks:
        raise MediaError(f"No audio could be decoded from {path.name}: the recording is empty or damaged.")
    samples = np.concatenate(chunks)[:limit].astype(np.float32, copy=False)
    return AudioClip(samples, ran_over=ran_over)


def _resampled(
    container: InputContainer, stream: AudioStream, limit: int | None
) -> tuple[list[NDArray[Any]], bool]:
    """Resampled pieces of the stream until `limit` samples are exceeded (then True: it ran over)."""
    resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    chunks: list[NDArray[Any]] = []
    total = 0
    for frame in decoded_frames(container, stream):
        for resampled in resampler.resample(frame):
            chunks.append(resampled.to_ndarray().reshape(-1))
            total += len(chunks[-1])
        if limit is not None and total > limit:
            return chunks, True
    chunks += [resampled.to_ndarray().reshape(-1) for resampled in resampler.resample(None)]
    return chunks, limit is not None and sum(len(chunk) for chunk in chunks) > limit


def wav_bytes(clip: AudioClip) -> bytes:
    """The clip as a 16-bit PCM wav file, for services that need a file of just the allowed part."""
    pcm = (np.clip(clip.samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm)
    return buffer.getvalue()
