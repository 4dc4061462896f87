"""Test setup: a throwaway var/ directory and a database built by `alembic upgrade head`,
with every test inside one transaction that is rolled back afterwards.

COACH_TEST_DATABASE_URL selects the database (default: a SQLite file in a temporary folder);
the developer's own database is never touched."""

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from fastapi import FastAPI

_VAR = Path(tempfile.mkdtemp(prefix="coach-test-"))
os.environ["COACH_VAR_DIR"] = str(_VAR)
os.environ["COACH_DATABASE_URL"] = (
    os.environ.get("COACH_TEST_DATABASE_URL") or f"sqlite:///{_VAR / 'test.db'}"
)
os.environ.pop("COACH_REDIS_URL", None)
os.environ.pop("COACH_SECRET_KEY", None)

import pytest  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import Connection, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from app import migrate  # noqa: E402
from app.config import get_settings  # noqa: E402
from app.db import get_engine, get_sessionmaker  # noqa: E402
from app.main import create_app  # noqa: E402
from app.media.storage import MediaStorage, get_storage  # noqa: E402
from app.media.storage.s3 import S3Storage  # noqa: E402
from tests.s3server import CREDENTIALS, S3_SETTINGS, S3Server, drop_bucket  # noqa: E402

DATABASE_URL = os.environ["COACH_DATABASE_URL"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, only the tests that reach the database: the others (media decoding,
    transcription, scoring, the bank's checks) give the same result on either database and have
    already run on SQLite. A test reaches it through the `migrated` fixture (every `db`, `client`
    and `connection` depends on it) or says so with the `database` mark."""
    if not DATABASE_URL.startswith("postgresql"):
        return
    reaches = {
        id(i)
        for i in items
        if "migrated" in getattr(i, "fixturenames", ()) or i.get_closest_marker("database")
    }
    if len(reaches) < len(items):
        config.hook.pytest_deselected(items=[i for i in items if id(i) not in reaches])
        items[:] = [i for i in items if id(i) in reaches]


@pytest.fixture(scope="session")
def migrated() -> Iterator[None]:
    if DATABASE_URL.startswith("postgresql"):
        with get_engine().begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    migrate.upgrade(DATABASE_URL)
    yield
    get_engine().dispose()


@pytest.fixture
def connection(migrated: None) -> Iterator[Connection]:  # noqa: ARG001 the schema must exist
    """One outer transaction per test; every session the code opens joins it through savepoints."""
    factory = get_sessionmaker()
    with get_engine().connect() as connection:
        outer = connection.begin()
        factory.configure(bind=connection, join_transaction_mode="create_savepoint")
        try:
            yield connection
        finally:
            factory.configure(bind=get_engine(), join_transaction_mode="conditional_savepoint")
            outer.rollback()


@pytest.fixture
def db(connection: Connection) -> Iterator[Session]:  # noqa: ARG001 the session joins the test's transaction
    with get_sessionmaker()() as db:
        yield db


@pytest.fixture(scope="session")
def app():  # type: ignore[no-untyped-def]
    return create_app()


@pytest.fixture
def client(app: FastAPI, connection: Connection) -> Iterator[TestClient]:  # noqa: ARG001 requests join the test's transaction
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def settings():  # type: ignore[no-untyped-def]
    return get_settings()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """moto's S3 server on 127.0.0.1, started when a test first needs it."""
    server = S3Server()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in CREDENTIALS.items():
            patch.setenv(name, value)
        server.start()
        yield server
        server.stop()


@pytest.fixture
def s3_storage(s3_server: S3Server) -> Iterator[S3Storage]:
    """S3 storage in a new, empty bucket."""
    storage = s3_server.new_storage()
    yield storage
    if not s3_server.running:  # a test that stopped it failed before starting it again
        s3_server.start()
    drop_bucket(storage)


@pytest.fixture(params=["files"])
def media(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[MediaStorage]:
    """The app's recording storage, as every caller gets it: files (the default), or with
    `@pytest.mark.parametrize("media", ["files", "s3"], indirect=True)` also S3 (moto's server),
    as COACH_MEDIA_URL=s3://... selects it."""
    if request.param == "s3":
        storage: S3Storage = request.getfixturevalue("s3_storage")
        server: S3Server = request.getfixturevalue("s3_server")
        configured = server.settings(storage.bucket)
        for name in S3_SETTINGS:
            monkeypatch.setattr(get_settings(), name, getattr(configured, name))
    get_storage.cache_clear()
    yield get_storage()
    get_storage.cache_clear()
