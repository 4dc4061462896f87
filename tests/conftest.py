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

DATABASE_URL = os.environ["COACH_DATABASE_URL"]


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
