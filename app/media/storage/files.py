"""The embedded default: recordings as files under COACH_MEDIA_DIR, outside the web root, under
server-generated names only."""

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.media.errors import StorageUnavailable
from app.media.storage.layout import (
    READ_BLOCK_BYTES,
    chunk_name,
    is_media_key,
    poster_name,
    recording_name,
    take_folder,
    write_recording,
)


class FileStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def check(self) -> None:
        """Raise StorageUnavailable unless the media folder can be written."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self.root, prefix=".check-"):
                pass
        except OSError as error:
            raise StorageUnavailable(f"The media folder {self.root} cannot be written: {error}") from error

    # --- chunks and the assembled recording ---------------------------------------------------

    def write_chunk(self, key: str, seq: int, data: bytes) -> None:
        """Atomic: a reader never sees half a chunk, and a repeated write simply replaces it."""
        path = self.root / chunk_name(key, seq)
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, data)

    def read_chunk(self, key: str, seq: int) -> bytes:
        return (self.root / chunk_name(key, seq)).read_bytes()

    def assemble(self, key: str, count: int, media_type: str) -> int:
        """Concatenate chunks 0..count-1 into the recording and return its size in bytes; the
        chunks stay until it is complete."""
        target = self.root / recording_name(key, media_type)
        draft = target.with_suffix(".assembling")
        size = write_recording((self.read_chunk(key, seq) for seq in range(count)), draft, media_type)
        os.replace(draft, target)
        shutil.rmtree(self.root / take_folder(key) / "chunks", ignore_errors=True)
        return size

    def recording_size(self, key: str, media_type: str) -> int | None:
        """The recording's size in bytes, or None when there is none."""
        path = self.root / recording_name(key, media_type)
        return path.stat().st_size if path.exists() else None

    def stream_recording(
        self, key: str, media_type: str, start: int = 0, end: int | None = None
    ) -> Iterator[bytes]:
        """Bytes start..end (inclusive; to the end when None) of the recording, in blocks."""
        with (self.root / recording_name(key, media_type)).open("rb") as recording:
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
        """The stored file itself, for the decoders (which run in a child process)."""
        yield self.root / recording_name(
            key, media_type
        )  # a missing file fails in the decoder, with a reason

    # --- the poster frame ---------------------------------------------------------------------

    def write_poster(self, key: str, jpeg: bytes) -> None:
        path = self.root / poster_name(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, jpeg)

    def read_poster(self, key: str) -> bytes | None:
        path = self.root / poster_name(key)
        return path.read_bytes() if path.exists() else None

    def remove(self, key: str) -> None:
        """Everything stored for a key: chunks, recording and poster."""
        shutil.rmtree(self.root / take_folder(key), ignore_errors=True)

    def stored_keys(self) -> Iterator[str]:
        folder = self.root / "takes"
        if folder.is_dir():
            yield from (entry.name for entry in folder.iterdir() if is_media_key(entry.name))


def _write_atomically(path: Path, data: bytes) -> None:
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=path.name, suffix=".tmp", delete=False) as draft:
        draft.write(data)
    os.replace(draft.name, path)
