"""`/readyz` answers 200 only when the database, the queue and the media storage all work, and
says which failed; `/healthz` (liveness) stays 200 meanwhile."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from huey import RedisHuey
from sqlalchemy.orm import sessionmaker

from app.db import build_engine
from app.media.storage.files import FileStorage
from app.ops import readiness
from tests.servers import free_port


def test_ready_when_everything_answers(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "queue": "ok", "storage": "ok"}


def test_a_database_nobody_listens_on_is_not_ready(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = build_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing")
    monkeypatch.setattr(readiness, "get_sessionmaker", lambda: sessionmaker(closed))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "failed", "queue": "ok", "storage": "ok"}
    assert client.get("/healthz").status_code == 200  # alive, only not ready
    closed.dispose()


def test_a_redis_nobody_listens_on_is_not_ready(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readiness, "huey", RedisHuey("readiness", url=f"redis://127.0.0.1:{free_port()}/0"))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "queue": "failed", "storage": "ok"}


def test_media_storage_that_cannot_take_a_file_is_not_ready(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media folder should be")
    monkeypatch.setattr(readiness, "get_storage", lambda: FileStorage(blocker / "media"))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["storage"] == "failed"
    assert response.json()["database"] == "ok"


def test_local_storage_check_makes_a_missing_folder_and_leaves_nothing_behind(tmp_path: Path) -> None:
    storage = FileStorage(tmp_path / "fresh" / "media")
    storage.check()
    assert list((tmp_path / "fresh" / "media").iterdir()) == []
