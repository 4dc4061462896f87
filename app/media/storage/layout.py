"""What every storage backend shares: server-generated media keys, the names of a take's objects
under its key, and assembling chunks into one local recording file."""

import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path

from app.media.recording import write_duration

_KEY = re.compile(r"^[0-9a-f]{32}$")
EXTENSIONS = {"video/webm": "webm", "audio/webm": "webm", "video/mp4": "mp4", "audio/mp4": "mp4"}
READ_BLOCK_BYTES = 256 * 1024  # a streamed recording is read this much at a time


def new_media_key() -> str:
    return secrets.token_hex(16)


def is_media_key(name: str) -> bool:
    return bool(_KEY.match(name))


def take_folder(key: str) -> str:
    """`takes/<key>`: everything stored for one take lives under it."""
    if not is_media_key(key):  # keys are ours; anything else is a bug or an attack
        raise ValueError(f"not a media key: {key!r}")
    return f"takes/{key}"


def chunk_name(key: str, seq: int) -> str:
    return f"{take_folder(key)}/chunks/{seq:06d}.part"


def recording_name(key: str, media_type: str) -> str:
    return f"{take_folder(key)}/recording.{EXTENSIONS[media_type]}"


def poster_name(key: str) -> str:
    return f"{take_folder(key)}/poster.jpg"


def write_recording(chunks: Iterable[bytes], target: Path, media_type: str) -> int:
    """Concatenate the chunks into `target` and return its size. A WebM is then remuxed so that
    players show its length and can seek in it."""
    with target.open("wb") as out:
        for chunk in chunks:
            out.write(chunk)
    if EXTENSIONS[media_type] == "webm":
        write_duration(target)
    return os.stat(target).st_size
