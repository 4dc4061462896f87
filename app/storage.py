"""Recording files: chunks as they arrive, then the assembled recording. Kept under
COACH_MEDIA_DIR, outside the web root, under server-generated names only."""

import os
import re
import secrets
import shutil
from functools import lru_cache
from pathlib import Path

from app.config import get_settings
from app.media.recording import write_duration

_KEY = re.compile(r"^[0-9a-f]{32}$")
EXTENSIONS = {"video/webm": "webm", "audio/webm": "webm", "video/mp4": "mp4", "audio/mp4": "mp4"}


def new_media_key() -> str:
    return secrets.token_hex(16)


class MediaStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _dir(self, key: str) -> Path:
        if not _KEY.match(key):  # keys are ours; anything else is a bug or an attack
            raise ValueError(f"not a media key: {key!r}")
        return self.root / "takes" / key

    def write_chunk(self, key: str, seq: int, data: bytes) -> None:
        """Atomic: a reader never sees half a chunk, and a repeated write simply replaces it."""
        path = self._dir(key) / "chunks" / f"{seq:06d}.part"
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
        draft.write_bytes(data)
        os.replace(draft, path)

    def read_chunk(self, key: str, seq: int) -> bytes:
        return (self._dir(key) / "chunks" / f"{seq:06d}.part").read_bytes()

    def assemble(self, key: str, count: int, media_type: str) -> Path:
        """Concatenate chunks 0..count-1 into the recording; the chunks stay until it is complete.
        A WebM is then remuxed so that players show its length and can seek in it."""
        target = self.recording_path(key, media_type)
        draft = target.with_suffix(".assembling")
        with draft.open("wb") as out:
            for seq in range(count):
                out.write(self.read_chunk(key, seq))
        if EXTENSIONS[media_type] == "webm":
            write_duration(draft)
        os.replace(draft, target)
        shutil.rmtree(self._dir(key) / "chunks", ignore_errors=True)
        return target

    def recording_path(self, key: str, media_type: str) -> Path:
        return self._dir(key) / f"recording.{EXTENSIONS[media_type]}"

    def poster_path(self, key: str) -> Path:
        return self._dir(key) / "poster.jpg"

    def remove(self, key: str) -> None:
        shutil.rmtree(self._dir(key), ignore_errors=True)


@lru_cache
def get_storage() -> MediaStorage:
    return MediaStorage(get_settings().resolved_media_dir())
