"""What only the S3 backend does, against moto's S3 server over HTTP: large recordings go up in
parts whatever the chunk sizes, downloads for the decoders are bounded, and a store that goes
away gives a clear error and loses nothing."""

import random

import pytest
from pydantic import ValidationError

from app.config import Settings, get_settings
from app.media.errors import MediaError, StorageUnavailable
from app.media.storage import FileStorage, get_storage, new_media_key
from app.media.storage.s3 import S3Storage
from tests.s3server import S3_SETTINGS, S3Server, stored_names

MiB = 2**20


def upload_in_chunks(storage: S3Storage, key: str, body: bytes, rng: random.Random) -> int:
    """Chunks of uneven sizes (a few hundred KB, as a recorder sends them); returns their count."""
    cuts = sorted(rng.sample(range(1, len(body)), len(body) // 300_000))
    pieces = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]
    for seq, piece in enumerate(pieces):
        storage.write_chunk(key, seq, piece)
    return len(pieces)


def test_a_large_recording_goes_up_in_parts_of_at_least_5_mib_from_small_chunks(
    s3_storage: S3Storage,
) -> None:
    s3_storage.part_bytes = 5 * MiB  # the least S3 allows for every part but the last
    rng, key = random.Random(7), new_media_key()
    body = rng.randbytes(11 * MiB + 12_345)
    count = upload_in_chunks(s3_storage, key, body, rng)
    assert count > 30
    assert s3_storage.assemble(key, count, "video/mp4") == len(body)
    name = s3_storage.prefix + f"takes/{key}/recording.mp4"
    head = s3_storage.client.head_object(Bucket=s3_storage.bucket, Key=name)
    assert head["ETag"].strip('"').endswith("-3")  # 5 + 5 + 1 MiB: a multipart upload of three parts
    assert head["ContentType"] == "video/mp4"
    assert b"".join(s3_storage.stream_recording(key, "video/mp4")) == body
    assert stored_names(s3_storage) == [f"takes/{key}/recording.mp4"]
    assert not s3_storage.client.list_multipart_uploads(Bucket=s3_storage.bucket).get("Uploads")


def test_a_small_recording_goes_up_in_one_piece(s3_storage: S3Storage) -> None:
    key = new_media_key()
    body = b"\x00\x00\x00\x18ftypmp42 and the rest"
    s3_storage.write_chunk(key, 0, body)
    assert s3_storage.assemble(key, 1, "audio/mp4") == len(body)
    name = s3_storage.prefix + f"takes/{key}/recording.mp4"
    assert "-" not in s3_storage.client.head_object(Bucket=s3_storage.bucket, Key=name)["ETag"]


def test_a_recording_too_large_for_any_upload_is_not_downloaded(s3_storage: S3Storage) -> None:
    key = new_media_key()
    s3_storage.write_chunk(key, 0, bytes(2000))
    s3_storage.assemble(key, 1, "audio/mp4")
    s3_storage.max_recording_bytes = 1999
    with (
        pytest.raises(MediaError, match="2000 bytes is larger than any upload may be"),
        s3_storage.recording_file(key, "audio/mp4"),
    ):
        pytest.fail("the block must not run")
    s3_storage.max_recording_bytes = 2000
    with s3_storage.recording_file(key, "audio/mp4") as local:
        assert local.read_bytes() == bytes(2000)
    assert not local.exists()  # the copy goes with the block
    assert not local.parent.exists()


def test_the_store_says_when_it_is_not_ready(s3_server: S3Server, s3_storage: S3Storage) -> None:
    s3_storage.check()
    missing = S3Storage(s3_storage.client, "no-such-bucket", "", s3_storage.max_recording_bytes)
    with pytest.raises(StorageUnavailable, match="failed to reach the bucket"):
        missing.check()
    s3_server.stop()
    try:
        with pytest.raises(StorageUnavailable, match="failed to reach the bucket"):
            s3_storage.check()
    finally:
        s3_server.start()
    s3_storage.check()


def test_an_assembly_the_store_failed_keeps_the_chunks_and_succeeds_when_tried_again(
    s3_server: S3Server, s3_storage: S3Storage
) -> None:
    key = new_media_key()
    for seq in range(3):
        s3_storage.write_chunk(key, seq, bytes([seq]) * 1000)
    s3_server.stop()
    try:
        with pytest.raises(StorageUnavailable, match="Try again shortly"):
            s3_storage.assemble(key, 3, "audio/mp4")
    finally:
        s3_server.start()
    assert len(stored_names(s3_storage)) == 3  # every chunk is still there
    assert s3_storage.assemble(key, 3, "audio/mp4") == 3000
    assert stored_names(s3_storage) == [f"takes/{key}/recording.mp4"]


@pytest.mark.parametrize(
    ("url", "bucket", "prefix"),
    [
        ("s3://recordings", "recordings", ""),
        ("s3://recordings/coach/", "recordings", "coach/"),
        ("s3://r.example/a/b", "r.example", "a/b/"),
    ],
)
def test_the_media_url_names_the_bucket_and_the_prefix(url: str, bucket: str, prefix: str) -> None:
    storage = S3Storage.from_settings(Settings(media_url=url, s3_region="us-east-1"))
    assert (storage.bucket, storage.prefix) == (bucket, prefix)


@pytest.mark.parametrize("url", ["https://recordings/coach", "s3://Recordings", "s3://"])
def test_a_media_url_that_names_no_bucket_is_refused_at_start(url: str) -> None:
    with pytest.raises(ValidationError, match="media_url"):
        Settings(media_url=url)


def test_the_media_url_switches_the_whole_app_from_files_to_the_bucket(
    monkeypatch: pytest.MonkeyPatch, s3_server: S3Server, s3_storage: S3Storage
) -> None:
    settings = get_settings()
    get_storage.cache_clear()
    files = get_storage()
    assert isinstance(files, FileStorage)
    assert files.root == settings.resolved_media_dir()  # the embedded default
    for name, value in s3_server.settings(s3_storage.bucket).model_dump(include=set(S3_SETTINGS)).items():
        monkeypatch.setattr(settings, name, value)
    get_storage.cache_clear()
    try:
        chosen = get_storage()
        assert isinstance(chosen, S3Storage)
        key = new_media_key()
        chosen.write_chunk(key, 0, b"a chunk")
        assert s3_storage.read_chunk(key, 0) == b"a chunk"  # in the bucket the settings name
    finally:
        get_storage.cache_clear()
