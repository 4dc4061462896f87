"""The same migrations build and tear down the schema on SQLite and PostgreSQL."""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from app import migrate
from app.db import build_engine, get_engine
from app.models import Base
from tests.conftest import DATABASE_URL

pytestmark = pytest.mark.database  # each test builds its own schema in the database under test


@contextmanager
def empty_database(tmp_path: Path) -> Iterator[str]:
    """A new empty database of the kind under test: a SQLite file, or a fresh PostgreSQL schema."""
    if not DATABASE_URL.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    schema = f"migration_check_{secrets.token_hex(4)}"
    with get_engine().begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{DATABASE_URL}{'&' if '?' in DATABASE_URL else '?'}options=-csearch_path%3D{schema}"
    finally:
        with get_engine().begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def test_empty_database_upgrades_to_head_matching_the_models_and_downgrades_to_base(tmp_path: Path) -> None:
    with empty_database(tmp_path) as url:
        engine = build_engine(url)
        migrate.upgrade(url)
        assert set(inspect(engine).get_table_names()) == {*Base.metadata.tables, "alembic_version"}
        with engine.connect() as connection:
            drift = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert drift == [], "the models have changes that no migration makes"
        migrate.downgrade(url, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        engine.dispose()


HIRING_TABLES = {
    "assessments",
    "assessment_questions",
    "assessment_members",
    "invitations",
    "candidate_reviews",
    "ratings",
    "recommendation_ratings",
    "candidate_stages",
    "audit_events",
}


def test_hiring_migration_adds_its_tables_with_their_rules_and_removes_only_them(tmp_path: Path) -> None:
    with empty_database(tmp_path) as url:
        engine = build_engine(url)
        migrate.upgrade(url, "0007_i11_media")
        before = set(inspect(engine).get_table_names())
        migrate.upgrade(url, "0008_hiring")
        assert set(inspect(engine).get_table_names()) == before | HIRING_TABLES
        invitation_columns = {c["name"] for c in inspect(engine).get_columns("invitations")}
        assert "token_hash" in invitation_columns
        assert "token" not in invitation_columns
        rating_checks = {c["name"] for c in inspect(engine).get_check_constraints("ratings")}
        assert {"ck_ratings_level", "ck_ratings_revision_reason"} <= rating_checks
        migrate.downgrade(url, "0007_i11_media")
        assert set(inspect(engine).get_table_names()) == before
        engine.dispose()
