"""The `gitops-coach` command line."""

import logging
import sys
from typing import Annotated

import typer
import uvicorn

from app import migrate
from app.accounts import service as accounts
from app.config import get_settings
from app.db import get_sessionmaker
from app.errors import AppError
from app.models import Role

cli = typer.Typer(
    help="GitOps Interview Coach", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False
)
db_cli = typer.Typer(help="Database schema migrations.", no_args_is_help=True)
users_cli = typer.Typer(help="User accounts.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(users_cli, name="users")


def _configure_logging() -> None:
    logging.basicConfig(
        level=get_settings().log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=1)


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="In-process job threads; 0 when separate workers run.")] = 2,
) -> None:
    """Upgrade the database, then serve the app with an in-process job consumer."""
    _configure_logging()
    settings = get_settings()
    migrate.upgrade(settings.resolved_database_url())
    consumer = None
    if workers > 0:
        from app.jobs.registry import create_consumer

        consumer = create_consumer(workers)
        consumer.start()
    try:
        uvicorn.run("app.main:create_app", factory=True, host=host, port=port, proxy_headers=True)
    finally:
        if consumer is not None:
            consumer.stop(graceful=True)


@cli.command()
def worker(workers: Annotated[int, typer.Option(help="Job threads.")] = 2) -> None:
    """Run a standalone job consumer (scale-out: start as many as you need, on any machine)."""
    _configure_logging()
    from app.jobs.registry import create_consumer

    create_consumer(workers).run()


@db_cli.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Upgrade the database schema (to the latest migration by default)."""
    _configure_logging()
    migrate.upgrade(get_settings().resolved_database_url(), revision)


@db_cli.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision, or 'base'.")]) -> None:
    """Downgrade the database schema to REVISION."""
    _configure_logging()
    migrate.downgrade(get_settings().resolved_database_url(), revision)


def _read_password() -> str:
    if sys.stdin.isatty():
        return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    return sys.stdin.readline().rstrip("\n")


@users_cli.command("create")
def users_create(
    email: Annotated[str, typer.Option()],
    role: Annotated[Role, typer.Option()] = Role.candidate,
    name: Annotated[str | None, typer.Option(help="Display name (default: the part before @).")] = None,
) -> None:
    """Create a user. The password is read from standard input or a prompt, never an argument."""
    password = _read_password()
    try:
        with get_sessionmaker().begin() as session:
            accounts.create_user(
                session, email=email, password=password, display_name=name or email.split("@")[0], role=role
            )
    except AppError as error:
        raise _fail(error.message) from None
    typer.echo(f"created {email.strip().lower()} ({role.value})")


@users_cli.command("set-role")
def users_set_role(email: Annotated[str, typer.Option()], role: Annotated[Role, typer.Option()]) -> None:
    """Change a user's role; their sessions end so the new rights apply at once."""
    try:
        with get_sessionmaker().begin() as session:
            user = accounts.get_user_by_email(session, email)
            accounts.set_role(session, user_id=user.id, role=role)
    except AppError as error:
        raise _fail(error.message) from None
    typer.echo(f"{email.strip().lower()} is now {role.value}")


def main() -> None:
    cli()
