"""Recording storage by key: what callers can do with a recording without ever holding a path,
the same on files and on S3 (moto's server over HTTP)."""

from pathlib import Path

import pytest

from app.media.errors import StorageUnavailable
from app.media.storage import FileStorage, MediaStorage, new_media_key
from tests.s3server import stored_names

APP = Path(__file__).resolve().parents[2] / "app"
WEBM = b"\x1a\x45\xdf\xa3"


@pytest.fixture(params=["files", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> MediaStorage:
    if request.param == "s3":
        s3: MediaStorage = request.getfixturevalue("s3_storage")
        return s3
    return FileStorage(tmp_path)


def test_chunks_become_one_recording_that_can_be_read_in_parts(storage: MediaStorage) -> None:
    key = new_media_key()
    body = bytes(range(256)) * 2000
    storage.write_chunk(key, 1, body[300_000:])
    storage.write_chunk(key, 0, body[:300_000])
    assert storage.read_chunk(key, 0) == body[:300_000]
    assert storage.assemble(key, 2, "audio/mp4") == len(body) == storage.recording_size(key, "audio/mp4")
    assert stored_names(storage) == [f"takes/{key}/recording.mp4"]  # the chunks are gone
    assert b"".join(storage.stream_recording(key, "audio/mp4")) == body
    assert b"".join(storage.stream_recording(key, "audio/mp4", 262_000, 300_009)) == body[262_000:300_010]
    assert b"".join(storage.stream_recording(key, "audio/mp4", 500_000)) == body[500_000:]
    with storage.recording_file(key, "audio/mp4") as local:
        assert local.read_bytes() == body  # what a decoder in a child process opens


def test_removing_a_key_removes_its_recording_and_poster_and_nothing_else(storage: MediaStorage) -> None:
    key, other = new_media_key(), new_media_key()
    assert storage.read_poster(key) is None
    assert storage.recording_size(key, "audio/mp4") is None
    for each in (key, other):
        storage.write_chunk(each, 0, WEBM + b"rest")
        storage.assemble(each, 1, "audio/mp4")
        storage.write_poster(each, b"\xff\xd8 a poster")
    storage.write_chunk(key, 0, WEBM + b"a retake's first chunk")
    assert storage.read_poster(key) == b"\xff\xd8 a poster"
    storage.remove(key)
    assert storage.recording_size(key, "audio/mp4") is None
    assert storage.read_poster(key) is None
    assert stored_names(storage) == [f"takes/{other}/poster.jpg", f"takes/{other}/recording.mp4"]


def test_only_server_generated_keys_name_files(storage: MediaStorage) -> None:
    with pytest.raises(ValueError, match="not a media key"):
        storage.write_chunk("../../etc", 0, b"x")


def test_a_writable_media_folder_is_ready_and_a_blocked_one_says_why(tmp_path: Path) -> None:
    FileStorage(tmp_path / "media").check()
    (tmp_path / "blocked").write_text("a file where the folder should be")
    with pytest.raises(StorageUnavailable, match="cannot be written"):
        FileStorage(tmp_path / "blocked").check()


def test_only_the_storage_knows_where_recordings_are_kept() -> None:
    knows = sorted(
        str(path.relative_to(APP)) for path in APP.rglob("*.py") if "resolved_media_dir" in path.read_text()
    )
    assert knows == ["config.py", "media/storage/__init__.py"]
