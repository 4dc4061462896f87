"""Decoding recordings with PyAV: opening a container safely and turning its first audio stream into
16 kHz mono samples, the input every speech model expects.

Durations are always measured from the decoded samples: Chrome's MediaRecorder writes webm files
with no duration in the header, and a truncated upload's header would be wrong anyway."""

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast, overload

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
    """Mono float32 samples in [-1, 1] at SAMPLE_RATE."""

    samples: NDArray[np.float32]

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


def decode_audio(path: Path) -> AudioClip:
    """The first audio stream of a webm, mp4, ogg or wav file as 16 kHz mono float32 samples."""
    with open_media(path) as container:
        if not container.streams.audio:
            raise MediaError(
                f"{path.name} has no audio: the recording holds no sound track (was the microphone on?)."
            )
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        chunks = [
            resampled.to_ndarray().reshape(-1)
            for frame in decoded_frames(container, stream)
            for resampled in resampler.resample(frame)
        ]
        chunks += [resampled.to_ndarray().reshape(-1) for resampled in resampler.resample(None)]
    if not chunks:
        raise MediaError(f"No audio could be decoded from {path.name}: the recording is empty or damaged.")
    return AudioClip(np.concatenate(chunks).astype(np.float32, copy=False))
