"""A real S3 server (moto's) on 127.0.0.1 for the object-storage tests, reached by the real boto3
client over HTTP. It can be stopped and started again on its port, keeping its buckets, to test
a store that goes away for a while."""

import uuid

from moto.server import ThreadedMotoServer

from app.config import Settings
from app.media.storage import FileStorage, MediaStorage
from app.media.storage.s3 import S3Storage
from tests.servers import free_port

S3_SETTINGS = ("media_url", "s3_endpoint_url", "s3_region", "s3_addressing_style")
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test-key", "AWS_SECRET_ACCESS_KEY": "test-secret"}  # moto accepts any


class S3Server:
    def __init__(self) -> None:
        self.port = free_port()
        self._running: ThreadedMotoServer | None = None

    @property
    def running(self) -> bool:
        return self._running is not None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._running = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._running.start()

    def stop(self) -> None:
        """Gone: the port refuses connections (moto's own stop leaves the socket listening)."""
        assert self._running is not None
        self._running.stop()
        self._running._server.server_close()  # type: ignore[union-attr]
        self._running = None

    def settings(self, bucket: str) -> Settings:
        return Settings(
            media_url=f"s3://{bucket}/coach",
            s3_endpoint_url=self.url,
            s3_region="us-east-1",
            s3_addressing_style="path",
        )

    def new_storage(self) -> S3Storage:
        """Storage in a bucket of its own, so tests never see each other's objects."""
        storage = S3Storage.from_settings(self.settings(f"recordings-{uuid.uuid4().hex[:12]}"))
        storage.client.create_bucket(Bucket=storage.bucket)
        return storage


def stored_names(storage: MediaStorage) -> list[str]:
    """Every file or object the storage holds, by its name under the storage's root or prefix."""
    if isinstance(storage, FileStorage):
        return sorted(str(p.relative_to(storage.root)) for p in storage.root.rglob("*") if p.is_file())
    assert isinstance(storage, S3Storage)
    pages = storage.client.get_paginator("list_objects_v2").paginate(Bucket=storage.bucket)
    return sorted(o["Key"].removeprefix(storage.prefix) for page in pages for o in page.get("Contents", []))


def drop_bucket(storage: S3Storage) -> None:
    """Delete the bucket with what is in it (the server keeps everything in memory)."""
    names = [storage.prefix + name for name in stored_names(storage)]
    if names:
        storage.client.delete_objects(Bucket=storage.bucket, Delete={"Objects": [{"Key": n} for n in names]})
    storage.client.delete_bucket(Bucket=storage.bucket)
