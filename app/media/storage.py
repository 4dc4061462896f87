"""Recording files, by the take's media key: chunks as they arrive, the assembled recording and
the poster frame. Callers never see a path: every read and write goes through these methods,
so an object-storage backend can implement the same ones without touching them. This backend
keeps files under COACH_MEDIA_DIR, outside the web root, under server-generated names only."""

import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import Depends

from app.config import get_settings
from app.media.recording import write_duration

_KEY = re.compile(r"^[0-9a-f]{32}$")
EXTENSIONS = {"video/webm": "webm", "audio/webm": "webm", "video/mp4": "mp4", "audio/mp4": "mp4"}
READ_BLOCK_BYTES = 256 * 1024  # a streamed recording is read this much at a time


def new_media_key() -> str:
    return secrets.token_hex(16)


class MediaStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _dir(self, key: str) -> Path:
        if not _KEY.match(key):  # keys are ours; anything else is a bug or an attack
            raise ValueError(f"not a media key: {key!r}")
        return self.root / "takes" / key

    def _recording(self, key: str, media_type: str) -> Path:
        return self._dir(key) / f"recording.{EXTENSIONS[media_type]}"

    def _poster(self, key: str) -> Path:
        return self._dir(key) / "poster.jpg"

    # --- chunks and the assembled recording ---------------------------------------------------

    def write_chunk(self, key: str, seq: int, data: bytes) -> None:
        """Atomic: a reader never sees half a chunk, and a repeated write simply replaces it."""
        path = self._dir(key) / "chunks" / f"{seq:06d}.part"
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, data)

    def read_chunk(self, key: str, seq: int) -> bytes:
        return (self._dir(key) / "chunks" / f"{seq:06d}.part").read_bytes()

    def assemble(self, key: str, count: int, media_type: str) -> int:
        """Concatenate chunks 0..count-1 into the recording and return its size in bytes; the
        chunks stay until it is complete. A WebM is then remuxed so that players show its length
        and can seek in it."""
        target = self._recording(key, media_type)
        draft = target.with_suffix(".assembling")
        with draft.open("wb") as out:
            for seq in range(count):
                out.write(self.read_chunk(key, seq))
        if EXTENSIONS[media_type] == "webm":
            write_duration(draft)
        os.replace(draft, target)
        shutil.rmtree(self._dir(key) / "chunks", ignore_errors=True)
        return target.stat().st_size

    def recording_size(self, key: str, media_type: str) -> int | None:
        """The recording's size in bytes, or None when there is none."""
        path = self._recording(key, media_type)
        return path.stat().st_size if path.exists() else None

    def stream_recording(
        self, key: str, media_type: str, start: int = 0, end: int | None = None
    ) -> Iterator[bytes]:
        """Bytes start..end (inclusive; to the end when None) of the recording, in blocks."""
        with self._recording(key, media_type).open("rb") as recording:
            recording.seek(start)
            left = None if end is None else end - start + 1
            while left is None or left > 0:
                block = recording.read(READ_BLOCK_BYTES if left is None else min(READ_BLOCK_BYTES, left))
                if not block:
                    return
                left = None if left is None else left - len(block)
                yield block

    @contextmanager
    def recording_file(self, key: str, media_type: str) -> Iterator[Path]:
        """A local file of the recording for the decoders (which run in a child process), valid
        inside the block: here the stored file itself; an object store would download a copy."""
        yield self._recording(key, media_type)  # a missing file fails in the decoder, with a reason

    # --- the poster frame ---------------------------------------------------------------------

    def write_poster(self, key: str, jpeg: bytes) -> None:
        path = self._poster(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, jpeg)

    def read_poster(self, key: str) -> bytes | None:
        path = self._poster(key)
        return path.read_bytes() if path.exists() else None

    def check(self) -> None:
        """Raises OSError unless a recording could be stored now: the folder exists (or can be
        made, as the first upload would) and takes a file."""
        self.root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=self.root):
            pass

    def remove(self, key: str) -> None:
        """Everything stored for a key: chunks, recording and poster."""
        shutil.rmtree(self._dir(key), ignore_errors=True)


def _write_atomically(path: Path, data: bytes) -> None:
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=path.name, suffix=".tmp", delete=False) as draft:
        draft.write(data)
    os.replace(draft.name, path)


@lru_cache
def get_storage() -> MediaStorage:
    return MediaStorage(get_settings().resolved_media_dir())


async def _storage_dependency() -> MediaStorage:
    return get_storage()  # async: resolved on the event loop, without a thread hop per request


StorageDep = Annotated[MediaStorage, Depends(_storage_dependency)]
