"""Recording storage by key: what callers can do with a recording without ever holding a path."""

from pathlib import Path

import pytest

from app.media.storage import MediaStorage, new_media_key

APP = Path(__file__).resolve().parents[2] / "app"
WEBM = b"\x1a\x45\xdf\xa3"


def test_chunks_become_one_recording_that_can_be_read_in_parts(tmp_path: Path) -> None:
    storage, key = MediaStorage(tmp_path), new_media_key()
    body = bytes(range(256)) * 2000
    storage.write_chunk(key, 1, body[300_000:])
    storage.write_chunk(key, 0, body[:300_000])
    assert storage.read_chunk(key, 0) == body[:300_000]
    assert storage.assemble(key, 2, "audio/mp4") == len(body) == storage.recording_size(key, "audio/mp4")
    assert b"".join(storage.stream_recording(key, "audio/mp4")) == body
    assert b"".join(storage.stream_recording(key, "audio/mp4", 262_000, 300_009)) == body[262_000:300_010]
    with storage.recording_file(key, "audio/mp4") as local:
        assert local.read_bytes() == body  # what a decoder in a child process opens


def test_removing_a_key_removes_its_recording_and_poster(tmp_path: Path) -> None:
    storage, key = MediaStorage(tmp_path), new_media_key()
    storage.write_chunk(key, 0, WEBM + b"rest")
    storage.assemble(key, 1, "audio/mp4")
    storage.write_poster(key, b"\xff\xd8 a poster")
    assert storage.read_poster(key) == b"\xff\xd8 a poster"
    storage.remove(key)
    assert storage.recording_size(key, "audio/mp4") is None
    assert storage.read_poster(key) is None
    assert list(tmp_path.rglob("*.*")) == []


def test_only_server_generated_keys_name_files(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a media key"):
        MediaStorage(tmp_path).write_chunk("../../etc", 0, b"x")


def test_only_the_storage_knows_where_recordings_are_kept() -> None:
    knows = sorted(
        str(path.relative_to(APP)) for path in APP.rglob("*.py") if "resolved_media_dir" in path.read_text()
    )
    assert knows == ["config.py", "media/storage.py"]
