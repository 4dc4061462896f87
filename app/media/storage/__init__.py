"""Recordings, by the take's media key: chunks as they arrive, the assembled recording and the
poster frame. Callers never see where they are kept: every read and write goes through the
MediaStorage methods, implemented by files under COACH_MEDIA_DIR (the default) and by
S3-compatible object storage (COACH_MEDIA_URL=s3://bucket/prefix)."""

from collections.abc import Iterator
from contextlib import AbstractContextManager
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Protocol

from fastapi import Depends

from app.config import get_settings
from app.media.storage.files import FileStorage
from app.media.storage.layout import EXTENSIONS, new_media_key

__all__ = ["EXTENSIONS", "FileStorage", "MediaStorage", "StorageDep", "get_storage", "new_media_key"]


class MediaStorage(Protocol):
    def check(self) -> None:
        """Cheap readiness probe: raise StorageUnavailable when recordings cannot be stored."""

    def write_chunk(self, key: str, seq: int, data: bytes) -> None:
        """Store chunk `seq` whole or not at all; writing it again replaces it."""

    def read_chunk(self, key: str, seq: int) -> bytes: ...

    def assemble(self, key: str, count: int, media_type: str) -> int:
        """Join chunks 0..count-1 into the recording (a WebM gets its duration and seek index),
        delete the chunks once it is stored, and return its size in bytes."""

    def recording_size(self, key: str, media_type: str) -> int | None:
        """The recording's size in bytes, or None when there is none."""

    def stream_recording(
        self, key: str, media_type: str, start: int = 0, end: int | None = None
    ) -> Iterator[bytes]:
        """Bytes start..end (inclusive; to the end when None) of the recording, in blocks."""

    def recording_file(self, key: str, media_type: str) -> AbstractContextManager[Path]:
        """A local file of the recording for the decoders (which run in a child process), valid
        inside the `with` block."""

    def write_poster(self, key: str, jpeg: bytes) -> None: ...

    def read_poster(self, key: str) -> bytes | None: ...

    def remove(self, key: str) -> None:
        """Everything stored for a key: chunks, recording and poster."""

    def stored_keys(self) -> Iterator[str]:
        """Every media key with anything stored under it, in no particular order."""


@lru_cache
def get_storage() -> MediaStorage:
    settings = get_settings()
    if settings.media_url:
        from app.media.storage.s3 import S3Storage  # boto3 is imported only when it is used

        return S3Storage.from_settings(settings)
    return FileStorage(settings.resolved_media_dir())


async def _storage_dependency() -> MediaStorage:
    return get_storage()  # async: resolved on the event loop, without a thread hop per request


StorageDep = Annotated[MediaStorage, Depends(_storage_dependency)]
