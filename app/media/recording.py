"""Recordings that players can seek: Chrome's MediaRecorder writes WebM as a live stream, with no
duration and no seek index, so a player shows no length and seeks poorly. Copying the packets into
a new WebM (a remux: nothing is decoded or re-encoded) writes both."""

import logging
import os
from pathlib import Path

import av
from av.container import InputContainer

log = logging.getLogger(__name__)


def _remux(source: InputContainer, target: Path) -> None:
    with av.open(str(target), "w", format="webm") as output:
        streams = {
            stream.index: output.add_stream_from_template(stream)
            for stream in source.streams
            if stream.type in ("audio", "video")
        }
        for packet in source.demux(*[source.streams[i] for i in streams]):
            if packet.dts is None:  # the demuxer's end-of-stream marker
                continue
            packet.stream = streams[packet.stream.index]
            output.mux(packet)


def write_duration(path: Path) -> bool:
    """Rewrite a WebM recording with its duration and seek index. A file that cannot be remuxed
    (damaged, cut short) is left exactly as it was: the recording is never lost for a header."""
    draft = path.with_suffix(".remux.webm")
    try:
        with av.open(str(path), "r") as source:
            _remux(source, draft)
    except (av.FFmpegError, ValueError) as error:
        log.warning("%s keeps its original header (no duration): %s", path.name, error)
        draft.unlink(missing_ok=True)
        return False
    os.replace(draft, path)
    return True


def duration_seconds(path: Path) -> float | None:
    """The duration a player reads from the container's header, if it has one."""
    with av.open(str(path), "r") as container:
        return None if container.duration is None else container.duration / av.time_base
