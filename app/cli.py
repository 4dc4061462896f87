"""The `gitops-coach` command line."""

import logging.config
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn
from sqlalchemy.orm import Session

from app import migrate
from app.accounts import service as accounts
from app.audit import log as audit
from app.config import get_settings
from app.db import get_engine, get_sessionmaker
from app.errors import AppError
from app.logs import logging_config
from app.media.cli import register as register_media_commands
from app.media.storage import get_storage
from app.metrics import MULTIPROCESS_ENV, use_multiprocess_dir
from app.models import Role
from app.models.base import utcnow
from app.paths import QUESTION_BANK_DIR
from app.privacy import erasure
from app.questions import sync
from app.questions.bank_files import BankFiles, coverage_summary, load_bank
from app.scoring.batch import score_batch, score_one
from app.scoring.consistency import inconsistencies
from app.scoring.report_text import report_as_text
from app.scoring.rubric import RubricScorer
from app.scoring.service import build_scorer

log = logging.getLogger(__name__)
cli = typer.Typer(
    help="GitOps Interview Coach", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False
)
db_cli = typer.Typer(help="Database schema migrations.", no_args_is_help=True)
users_cli = typer.Typer(help="User accounts.", no_args_is_help=True)
questions_cli = typer.Typer(help="The question bank as code.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(users_cli, name="users")
audit_cli = typer.Typer(help="The audit record of staff access to people's data.", no_args_is_help=True)
cli.add_typer(questions_cli, name="questions")
cli.add_typer(audit_cli, name="audit")
register_media_commands(cli)


def _configure_logging() -> dict[str, Any]:
    """Text or JSON lines (COACH_LOG_FORMAT); returns the configuration for uvicorn to reuse."""
    settings = get_settings()
    config = logging_config(settings.log_format, settings.log_level)
    logging.config.dictConfig(config)
    return config


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=1)


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="In-process job threads; 0 when separate workers run.")] = 2,
    web_workers: Annotated[int, typer.Option(help="Web processes (they share var/secret_key).")] = 1,
    forwarded_allow_ips: Annotated[
        str,
        typer.Option(help="Proxies whose X-Forwarded-For/-Proto to trust, comma-separated; none by default."),
    ] = "",
) -> None:
    """Upgrade the database, then serve the app with an in-process job consumer."""
    log_config = _configure_logging()
    os.umask(0o077)  # the database, the job queue, recordings and the secret key are private files
    settings = get_settings()
    settings.resolved_secret_key()  # created once here, before any web process reads it
    migrate.upgrade(settings.resolved_database_url())
    with get_sessionmaker().begin() as db:
        if sync.bank_is_empty(db):
            _load_bank(db, settings.question_bank_dir)
    get_engine().dispose()  # web processes open their own connections
    metrics_dir = _shared_metrics_dir(web_workers, settings.var_dir)
    consumer, reconciler = None, None
    if workers > 0:
        from app.jobs.reconciler import Reconciler
        from app.jobs.registry import create_consumer

        consumer, reconciler = create_consumer(workers), Reconciler()
        consumer.start()
        reconciler.start()
    try:
        uvicorn.run(
            "app.main:create_app",
            factory=True,
            log_config=log_config,
            **uvicorn_options(host, port, web_workers, forwarded_allow_ips),
        )
    finally:
        if consumer is not None and reconciler is not None:
            reconciler.stop()
            consumer.stop(graceful=True)
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _shared_metrics_dir(web_workers: int, var_dir: Path) -> str | None:
    """Several web processes (and this one's job threads) add up their metrics through files in
    a private folder made here and removed at exit, unless PROMETHEUS_MULTIPROC_DIR names one."""
    if web_workers < 2 or os.environ.get(MULTIPROCESS_ENV):
        return None
    var_dir.mkdir(parents=True, exist_ok=True)  # with PostgreSQL and a set key, nothing else made it
    directory = tempfile.mkdtemp(prefix="metrics-", dir=var_dir)
    use_multiprocess_dir(directory)
    return directory


def uvicorn_options(host: str, port: int, web_workers: int, forwarded_allow_ips: str) -> dict[str, Any]:
    """X-Forwarded-For is believed only from the proxies named (uvicorn would trust 127.0.0.1 by
    default, so anyone on the machine could pick the address the sign-in throttle counts)."""
    return {
        "host": host,
        "port": port,
        "workers": web_workers,
        "proxy_headers": bool(forwarded_allow_ips),
        "forwarded_allow_ips": forwarded_allow_ips or None,
        "loop": "uvloop",
        "http": "httptools",
        "timeout_keep_alive": 5,
        "timeout_graceful_shutdown": 15,  # a stop never waits on slow clients for long
        # a web process importing the speech and video libraries on a busy machine can take more
        # than uvicorn's 5 s to answer its first health check; it was killed and started again
        "timeout_worker_healthcheck": 60,
    }


@cli.command()
def worker(
    workers: Annotated[int, typer.Option(help="Job threads.")] = 2,
    metrics_port: Annotated[int, typer.Option(help="Serve this worker's /metrics on this port; 0: off.")] = 0,
    metrics_host: Annotated[str, typer.Option(help="Address for --metrics-port.")] = "127.0.0.1",
) -> None:
    """Run a standalone job consumer (scale-out: start as many as you need, on any machine)."""
    _configure_logging()
    os.umask(0o077)
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr=metrics_host)
    from app.jobs.reconciler import Reconciler
    from app.jobs.registry import create_consumer

    reconciler = Reconciler()
    reconciler.start()
    create_consumer(workers).run()
    reconciler.stop()


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
        with get_sessionmaker().begin() as db:
            accounts.create_user(
                db, email=email, password=password, display_name=name or email.split("@")[0], role=role
            )
    except accounts.EmailTaken as error:
        change = f"gitops-coach users set-role --email {email} --role {role.value}"
        raise _fail(f"{error.message} To change its role, run: {change}") from None
    except AppError as error:
        raise _fail(error.message) from None
    typer.echo(f"created {email.strip().lower()} ({role.value})")


def _change_user(email: str, change: Callable[[Session, int], object], done: str) -> None:
    """Apply one account change to the user with this email, in one transaction; say what happened."""
    try:
        with get_sessionmaker().begin() as db:
            change(db, accounts.get_user_by_email(db, email).id)
    except AppError as error:
        raise _fail(error.message) from None
    typer.echo(f"{email.strip().lower()} {done}")


@users_cli.command("set-role")
def users_set_role(email: Annotated[str, typer.Option()], role: Annotated[Role, typer.Option()]) -> None:
    """Change a user's role; their sessions end so the new rights apply at once."""
    _change_user(
        email,
        lambda s, user_id: accounts.set_role(s, user_id=user_id, role=role, by=None, now=utcnow()),
        f"is now {role.value}",
    )


@users_cli.command("disable")
def users_disable(email: Annotated[str, typer.Option()]) -> None:
    """Disable an account: it cannot sign in, and its sessions end at once."""
    _change_user(
        email,
        lambda s, user_id: accounts.disable_user(s, user_id=user_id, by=None, now=utcnow()),
        "is disabled and signed out everywhere",
    )


@users_cli.command("enable")
def users_enable(email: Annotated[str, typer.Option()]) -> None:
    """Enable a disabled account again."""
    _change_user(
        email,
        lambda s, user_id: accounts.enable_user(s, user_id=user_id, by=None, now=utcnow()),
        "can sign in again",
    )


@users_cli.command("erase")
def users_erase(
    email: Annotated[str, typer.Option()],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase everything of one person: account, sessions, recordings, invitations (also ones never
    opened), sign-in attempts. The audit record keeps only that it happened."""
    if not yes:
        typer.confirm(
            f"Erase everything stored about {email.strip().lower()}? It cannot be undone", abort=True
        )
    try:
        with get_sessionmaker().begin() as db:
            erased = erasure.erase_person(db, get_storage(), email, audit.Actor(None, audit.SHELL), utcnow())
    except AppError as error:
        raise _fail(error.message) from None
    typer.echo(
        f"erased {email.strip().lower()}: {erased.sessions} session(s), {erased.invitations} invitation(s), "
        f"{erased.recordings} recording(s)"
    )


@audit_cli.command("verify")
def audit_verify() -> None:
    """Recompute the audit record's hash chain; exit 1 at the first event that does not follow."""
    with get_sessionmaker()() as db:
        result = audit.verify(db)
    if not result.intact:
        where = f" at event {result.broken_at}" if result.broken_at is not None else ""
        raise _fail(
            f"The audit record is broken{where}: {result.reason}. "
            f"{result.events} event(s) before it check out."
        )
    typer.echo(f"{result.events} audit event(s); the chain is intact.")


def _read_bank(directory: Path) -> BankFiles:
    bank = load_bank(directory)
    for problem in bank.problems:
        typer.echo(f"{directory}/{problem}", err=True)
    if bank.problems:
        raise _fail(f"{len(bank.problems)} problem(s) in {directory}")
    return bank


def _load_bank(db: Session, directory: Path) -> None:
    report = sync.sync_bank(db, _read_bank(directory))
    log.info("loaded the question bank from %s: %d questions", directory, len(report.added))


BankDir = Annotated[Path, typer.Argument(help="The bank folder (competencies.yaml and questions/).")]


@questions_cli.command("validate")
def questions_validate(directory: BankDir = QUESTION_BANK_DIR) -> None:
    """Check every file of the bank, and that each question scores its own texts as its rubric
    says; print each problem with its file and field."""
    bank = _read_bank(directory)
    scorer = RubricScorer(bank.questions)
    problems = [(q.id, item) for q in bank.questions for item in inconsistencies(q, scorer)]
    for slug, item in problems:
        typer.echo(f"{directory}/questions/{slug}.yaml: {item.field}: {item.message}", err=True)
    if problems:
        raise _fail(f"{len(problems)} scoring inconsistency(ies) in {directory}")
    typer.echo(f"ok: {coverage_summary(bank.questions)}")


@questions_cli.command("sync")
def questions_sync(
    directory: BankDir,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the diff, change nothing.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite edits made in the editor.")] = False,
) -> None:
    """Make the database's bank match the files and print what changed (and any drift)."""
    bank = _read_bank(directory)
    with get_sessionmaker()() as db:
        report = sync.sync_bank(db, bank, force=force)
        if dry_run:
            db.rollback()
        else:
            db.commit()
    for line in report.lines():
        typer.echo(line)
    if dry_run:
        typer.echo("dry run: nothing was changed")


@questions_cli.command("export")
def questions_export(directory: BankDir) -> None:
    """Write the database's bank to files; syncing them back changes nothing."""
    with get_sessionmaker().begin() as db:
        count = sync.export_bank(db, directory)
    typer.echo(f"exported {count} questions to {directory}")


class ScorerName(StrEnum):
    rubric = "rubric"
    llm = "llm"


class OutputFormat(StrEnum):
    json = "json"
    text = "text"


@cli.command()
def score(
    question: Annotated[str | None, typer.Option(help="Question id (slug).")] = None,
    answer_file: Annotated[Path | None, typer.Option(help="File holding the answer text.")] = None,
    text: Annotated[str | None, typer.Option(help="The answer text.")] = None,
    batch: Annotated[Path | None, typer.Option(help='JSON lines: {"question": SLUG, "text": ...}.')] = None,
    scorer: Annotated[ScorerName | None, typer.Option(help="Default: COACH_SCORER.")] = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="json or text (single answers).")
    ] = OutputFormat.text,
    duration: Annotated[float | None, typer.Option(help="Answer length in seconds, for pace.")] = None,
) -> None:
    """Score one answer, or a batch (one JSON ScoreReport per input line, in input order)."""
    settings = get_settings()
    bank = _read_bank(settings.question_bank_dir)
    scoring = build_scorer(settings, bank.questions, bank.competencies, scorer.value if scorer else None)
    if batch is not None:
        failures = score_batch(scoring, bank, batch.open(encoding="utf-8"), sys.stdout)
        if failures:
            raise _fail(f"{failures} line(s) of {batch} could not be scored; see the error lines")
        return
    if question is None or (answer_file is None) == (text is None):
        raise _fail("give --question and exactly one of --answer-file or --text (or --batch FILE)")
    answer = answer_file.read_text(encoding="utf-8") if answer_file else text or ""
    try:
        report = score_one(scoring, bank, question, answer, duration)
    except AppError as error:
        raise _fail(error.message) from None
    typer.echo(report.model_dump_json(indent=2) if output == OutputFormat.json else report_as_text(report))


def main() -> None:
    cli()
