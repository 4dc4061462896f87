"""Engine, sessions and the per-request transaction.

A request's transaction never waits for the network: bodies are read before it opens (see the
chunk route), and a request waits for a database slot on the event loop, not in a worker thread,
so threads blocked on a lock can never starve the request that holds it. On SQLite, pages that
only read open a deferred transaction (WAL readers never wait); only requests that write take
the write lock, one request at a time per process."""

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker
from starlette.concurrency import run_in_threadpool

from app.config import get_settings
from app.limits import LoopSemaphore

log = logging.getLogger(__name__)
READ_METHODS = frozenset({"GET", "HEAD"})
REQUEST_SLOTS = 16  # requests holding a connection at once, per process
POOL_SIZE = REQUEST_SLOTS + 5  # + SQLite's writer, the in-process job threads and the reconciler
READ_ONLY = "coach_read_only"
WRITES = "coach_writes_on_get"
AFTER_COMMIT = "coach_after_commit"


def writes_on_get(endpoint: Any) -> Any:
    """Marks a GET route that writes (it applies the server's clock), so its transaction is a
    writer's; every other GET is read-only."""
    setattr(endpoint, WRITES, True)
    return endpoint


def build_engine(url: str) -> Engine:
    # hide_parameters: an error's log line must never carry a password hash or an email
    common: dict[str, Any] = {"hide_parameters": True, "pool_size": POOL_SIZE, "max_overflow": 8}
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **common)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **common)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Foreign keys on, WAL so readers never wait, and transactions controlled by SQLAlchemy
    (pysqlite's own implicit BEGIN breaks savepoints). With synchronous=NORMAL a power cut may
    lose the last commits, but the database stays consistent."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # WAL's recommended level: no fsync per commit, never corrupt
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    """A writer's IMMEDIATE takes the write lock up front, so two writers queue (busy_timeout)
    instead of one failing with "database is locked" when it upgrades from reading to writing.
    A read-only session begins DEFERRED and never takes the lock."""
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    # On the driver's connection: every request begins one, and SQLAlchemy's execution path
    # (events, cursor and result wrapping) costs ten times the statement.
    connection.connection.driver_connection.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")  # type: ignore[union-attr]


class CoachSession(Session):
    """A session that, when marked read-only, runs on connections that begin DEFERRED."""

    def get_bind(self, *args: Any, **kwargs: Any) -> Any:
        bind = super().get_bind(*args, **kwargs)
        if self.info.get(READ_ONLY) and isinstance(bind, Engine):
            return _read_only_engine(bind)
        return bind


@lru_cache
def _read_only_engine(engine: Engine) -> Engine:
    return engine.execution_options(**{READ_ONLY: True})


@event.listens_for(CoachSession, "before_flush")
def _refuse_writes_when_read_only(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(READ_ONLY) and (session.new or session.dirty or session.deleted):
        raise RuntimeError("a read-only request tried to write; make the route a POST")


# --- work that waits for the commit -------------------------------------------------------------


def after_commit(db: Session, action: Callable[[], None]) -> None:
    """Run `action` once `db`'s outermost transaction commits; drop it if the transaction, or
    the savepoint it was registered in, rolls back. Queued jobs go through here, so a worker is
    never sent a row it cannot see yet, nor one that was never committed."""
    registered_in = db.get_nested_transaction() or db.get_transaction()
    db.info.setdefault(AFTER_COMMIT, []).append((registered_in, action))


@event.listens_for(CoachSession, "after_commit")
def _run_after_commit(db: Session) -> None:
    if db.in_nested_transaction():
        return  # a savepoint was released: the outer transaction may still roll back
    for _transaction, action in db.info.pop(AFTER_COMMIT, []):
        try:
            action()
        except Exception:  # the rows are committed; the reconciler finds work whose message was lost
            log.exception("work registered to run after a commit failed")


@event.listens_for(CoachSession, "after_soft_rollback")
def _drop_rolled_back(db: Session, rolled_back: SessionTransaction) -> None:
    pending = db.info.get(AFTER_COMMIT, [])
    pending[:] = [(t, action) for t, action in pending if not _within(t, rolled_back)]


@event.listens_for(CoachSession, "after_transaction_end")
def _drop_uncommitted(db: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # ended without committing (closed): nothing may run
        db.info.pop(AFTER_COMMIT, None)


def _within(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


@lru_cache
def get_engine() -> Engine:
    return build_engine(get_settings().resolved_database_url())


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False, class_=CoachSession)


request_slots = LoopSemaphore(REQUEST_SLOTS)
sqlite_writer = LoopSemaphore(1)


def _is_sqlite() -> bool:
    return get_engine().dialect.name == "sqlite"


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request: committed when the handler returns, rolled back if it raises.
    GET and HEAD are read-only. Waiting for a slot (and, on SQLite, for the one writer's turn)
    happens here on the event loop, never in a worker thread."""
    route = request.scope.get("route")
    read_only = request.method in READ_METHODS and not getattr(
        getattr(route, "endpoint", None), WRITES, False
    )
    # SQLite's one writer never queues behind readers for a slot: it has its own.
    gate = sqlite_writer() if not read_only and _is_sqlite() else request_slots()
    async with gate:
        session = get_sessionmaker()(info={READ_ONLY: read_only})
        try:
            yield session
        except BaseException:
            await run_in_threadpool(session.close)  # rolls back
            raise
        await run_in_threadpool(_commit_and_close, session)


def _commit_and_close(session: Session) -> None:
    with session:
        session.commit()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


@asynccontextmanager
async def read_only_session() -> AsyncIterator[Session]:
    """A short read-only transaction for work that must finish before the request's own
    transaction opens (a slow password check). Used from async code; query it in a thread."""
    async with request_slots():
        session = get_sessionmaker()(info={READ_ONLY: True})
        try:
            yield session
        finally:
            await run_in_threadpool(session.close)


def database_reachable(factory: sessionmaker[Session]) -> bool:
    try:
        with factory(info={READ_ONLY: True}) as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True
