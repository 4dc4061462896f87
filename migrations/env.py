"""Alembic environment: runs against the URL given by app.migrate, or COACH_DATABASE_URL."""

from alembic import context

from app.config import get_settings
from app.db import build_engine
from app.models import Base

url = context.config.get_main_option("sqlalchemy.url") or get_settings().resolved_database_url()


def run_migrations() -> None:
    connectable = context.config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = build_engine(url)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
