"""Recordings in S3-compatible object storage (AWS S3, MinIO, Ceph, Cloudflare R2), selected by
COACH_MEDIA_URL=s3://bucket/prefix. Objects are named as the files of the local backend, under the
prefix; every failure of the store becomes StorageUnavailable (503), after which nothing is lost:
a chunk that was not stored is not recorded either, so the recorder sends it again."""

import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from pathlib import Path
from typing import IO, TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from app.config import Settings
from app.media.errors import MediaError, StorageUnavailable
from app.media.storage.layout import (
    EXTENSIONS,
    READ_BLOCK_BYTES,
    chunk_name,
    is_media_key,
    poster_name,
    recording_name,
    take_folder,
    write_recording,
)

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef, ObjectIdentifierTypeDef

PART_BYTES = 8 * 2**20  # multipart parts; S3 wants at least 5 MiB for every part but the last
_MISSING = {"404", "NoSuchKey", "NotFound"}


class S3Storage:
    def __init__(self, client: "S3Client", bucket: str, prefix: str, max_recording_bytes: int) -> None:
        self.client, self.bucket, self.prefix = client, bucket, prefix
        self.max_recording_bytes = max_recording_bytes  # what recording_file downloads at most
        self.part_bytes = PART_BYTES

    @classmethod
    def from_settings(cls, settings: Settings) -> "S3Storage":
        """Credentials come from boto3's usual chain: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY,
        a profile, or the machine's role."""
        assert settings.media_url is not None
        bucket, _, prefix = settings.media_url.removeprefix("s3://").partition("/")
        config = Config(
            s3={"addressing_style": settings.s3_addressing_style},
            retries={"mode": "standard", "max_attempts": 3},
            connect_timeout=5,
            read_timeout=60,
        )
        client = boto3.session.Session().client(
            "s3", endpoint_url=settings.s3_endpoint_url, region_name=settings.s3_region, config=config
        )
        prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        return cls(client, bucket, prefix, settings.max_upload_mb * 2**20 + 16 * 2**20)

    def _name(self, name: str) -> str:
        return self.prefix + name

    def check(self) -> None:
        """Raise StorageUnavailable unless the bucket answers (one HEAD request)."""
        with _store_errors("reach the bucket"):
            self.client.head_bucket(Bucket=self.bucket)

    # --- chunks and the assembled recording ---------------------------------------------------

    def write_chunk(self, key: str, seq: int, data: bytes) -> None:
        """A PUT replaces an object whole: a reader never sees half a chunk."""
        with _store_errors("store the chunk"):
            self.client.put_object(Bucket=self.bucket, Key=self._name(chunk_name(key, seq)), Body=data)

    def read_chunk(self, key: str, seq: int) -> bytes:
        with _store_errors("read the chunk"):
            return self.client.get_object(Bucket=self.bucket, Key=self._name(chunk_name(key, seq)))[
                "Body"
            ].read()

    def assemble(self, key: str, count: int, media_type: str) -> int:
        """Concatenate the chunks into a local file (a WebM is remuxed there), upload it as the
        recording (in parts when large), then delete the chunks."""
        with tempfile.TemporaryDirectory(prefix="coach-assemble-") as folder:
            draft = Path(folder) / f"recording.{EXTENSIONS[media_type]}"
            size = write_recording((self.read_chunk(key, seq) for seq in range(count)), draft, media_type)
            self._upload(draft, self._name(recording_name(key, media_type)), media_type)
        self._delete_under(self._name(f"{take_folder(key)}/chunks/"))
        return size

    def _upload(self, path: Path, name: str, media_type: str) -> None:
        with path.open("rb") as source, _store_errors("store the recording"):
            if path.stat().st_size <= self.part_bytes:
                self.client.put_object(Bucket=self.bucket, Key=name, Body=source, ContentType=media_type)
                return
            upload = self.client.create_multipart_upload(Bucket=self.bucket, Key=name, ContentType=media_type)
            try:
                parts = self._upload_parts(source, name, upload["UploadId"])
                self.client.complete_multipart_upload(
                    Bucket=self.bucket,
                    Key=name,
                    UploadId=upload["UploadId"],
                    MultipartUpload={"Parts": parts},
                )
            except BaseException:
                with suppress(BotoCoreError, ClientError):  # the first error is the one to report
                    self.client.abort_multipart_upload(
                        Bucket=self.bucket, Key=name, UploadId=upload["UploadId"]
                    )
                raise

    def _upload_parts(self, source: IO[bytes], name: str, upload_id: str) -> list["CompletedPartTypeDef"]:
        """Parts of exactly part_bytes, the last one shorter: chunk sizes play no part in them."""
        parts: list[CompletedPartTypeDef] = []
        while block := source.read(self.part_bytes):
            number = len(parts) + 1
            sent = self.client.upload_part(
                Bucket=self.bucket, Key=name, UploadId=upload_id, PartNumber=number, Body=block
            )
            parts.append({"PartNumber": number, "ETag": sent["ETag"]})
        return parts

    def recording_size(self, key: str, media_type: str) -> int | None:
        """The recording's size in bytes, or None when there is none."""
        with _store_errors("look up the recording"):
            try:
                head = self.client.head_object(
                    Bucket=self.bucket, Key=self._name(recording_name(key, media_type))
                )
            except ClientError as error:
                if _missing(error):
                    return None
                raise
        return head["ContentLength"]

    def stream_recording(
        self, key: str, media_type: str, start: int = 0, end: int | None = None
    ) -> Iterator[bytes]:
        """Bytes start..end (inclusive; to the end when None) of the recording, in blocks. The
        request is made here, so a store that fails gives an error page, not a cut response."""
        name = self._name(recording_name(key, media_type))
        with _store_errors("read the recording"):
            if start == 0 and end is None:
                body = self.client.get_object(Bucket=self.bucket, Key=name)["Body"]
            else:
                wanted = f"bytes={start}-{'' if end is None else end}"
                body = self.client.get_object(Bucket=self.bucket, Key=name, Range=wanted)["Body"]

        def blocks() -> Iterator[bytes]:
            with closing(body):
                yield from body.iter_chunks(READ_BLOCK_BYTES)

        return blocks()

    @contextmanager
    def recording_file(self, key: str, media_type: str) -> Iterator[Path]:
        """A downloaded copy for the decoders (which run in a child process), deleted after the
        block; a recording larger than any upload may be is refused rather than downloaded."""
        with tempfile.TemporaryDirectory(prefix="coach-recording-") as folder:
            local = Path(folder) / f"recording.{EXTENSIONS[media_type]}"
            with _store_errors("download the recording"):
                found = self.client.get_object(
                    Bucket=self.bucket, Key=self._name(recording_name(key, media_type))
                )
                if found["ContentLength"] > self.max_recording_bytes:
                    found["Body"].close()
                    size = found["ContentLength"]
                    raise MediaError(
                        f"The stored recording of {size} bytes is larger than any upload may be."
                    )
                with closing(found["Body"]) as body, local.open("wb") as out:
                    for block in body.iter_chunks(READ_BLOCK_BYTES):
                        out.write(block)
            yield local

    # --- the poster frame ---------------------------------------------------------------------

    def write_poster(self, key: str, jpeg: bytes) -> None:
        with _store_errors("store the poster"):
            self.client.put_object(
                Bucket=self.bucket, Key=self._name(poster_name(key)), Body=jpeg, ContentType="image/jpeg"
            )

    def read_poster(self, key: str) -> bytes | None:
        with _store_errors("read the poster"):
            try:
                return self.client.get_object(Bucket=self.bucket, Key=self._name(poster_name(key)))[
                    "Body"
                ].read()
            except ClientError as error:
                if _missing(error):
                    return None
                raise

    def remove(self, key: str) -> None:
        """Every object under the key (chunks, recording, poster) and any unfinished upload."""
        folder = self._name(take_folder(key) + "/")
        with _store_errors("delete the recording"):
            unfinished = self.client.list_multipart_uploads(Bucket=self.bucket, Prefix=folder)
            for upload in unfinished.get("Uploads", []):
                self.client.abort_multipart_upload(
                    Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                )
        self._delete_under(folder)

    def stored_keys(self) -> Iterator[str]:
        folders = self._name("takes/")
        with _store_errors("list the recordings"):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=folders, Delimiter="/"
            )
            for page in pages:
                for folder in page.get("CommonPrefixes", []):
                    key = folder.get("Prefix", "").removeprefix(folders).rstrip("/")
                    if is_media_key(key):
                        yield key

    def _delete_under(self, prefix: str) -> None:
        with _store_errors("delete objects"):
            for page in self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix
            ):
                names: list[ObjectIdentifierTypeDef] = [
                    {"Key": found["Key"]} for found in page.get("Contents", [])
                ]
                if not names:
                    continue
                deleted = self.client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": names, "Quiet": True}
                )
                if deleted.get("Errors"):
                    failed = deleted["Errors"][0]
                    raise StorageUnavailable(f"The store kept {failed.get('Key')}: {failed.get('Message')}")


@contextmanager
def _store_errors(doing: str) -> Iterator[None]:
    try:
        yield
    except (BotoCoreError, ClientError) as error:
        raise StorageUnavailable(
            f"The recording store failed to {doing}: {error}. Try again shortly."
        ) from error


def _missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code")) in _MISSING
