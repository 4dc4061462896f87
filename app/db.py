"""Engine, sessions and the per-request transaction.

A request's transaction never waits for the network: bodies are read before it opens (see the
chunk route), and a request waits for a database slot on the event loop, not in a worker thread.
A request's route and its commit run in one worker thread, one hop: its dependencies only read
(who is asking), and on SQLite a writer takes the write lock in that thread just before the
route runs and gives it up at the commit, so the lock is never held while a request waits for
the event loop or another thread, and writers queue in-process instead of polling busy_timeout.
Pages that only read open a deferred transaction (WAL readers never wait)."""

import functools
import inspect
import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager, nullcontext
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker
from starlette.concurrency import run_in_threadpool

from app.config import get_settings
from app.limits import LoopSemaphore

log = logging.getLogger(__name__)
READ_METHODS = frozenset({"GET", "HEAD"})
REQUEST_SLOTS = 16  # requests holding a connection at once, per process
SQLITE_WRITER_SLOTS = 4  # SQLite writers with a connection (their routes queue for the one lock)
POOL_SIZE = REQUEST_SLOTS + SQLITE_WRITER_SLOTS + 4  # + the in-process job threads and the reconciler
READ_ONLY = "coach_read_only"
DEFERRED = "coach_deferred"  # the session's transactions begin DEFERRED and may not write
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
    A session that only reads begins DEFERRED and never takes the lock."""
    deferred = connection.get_execution_options().get(DEFERRED, False)
    # On the driver's connection: every request begins one, and SQLAlchemy's execution path
    # (events, cursor and result wrapping) costs ten times the statement.
    connection.connection.driver_connection.execute("BEGIN" if deferred else "BEGIN IMMEDIATE")  # type: ignore[union-attr]


class CoachSession(Session):
    """A session that, while marked read-only or deferred, runs on connections that begin
    DEFERRED."""

    def get_bind(self, *args: Any, **kwargs: Any) -> Any:
        bind = super().get_bind(*args, **kwargs)
        if (self.info.get(READ_ONLY) or self.info.get(DEFERRED)) and isinstance(bind, Engine):
            return _deferred_engine(bind)
        return bind


@lru_cache
def _deferred_engine(engine: Engine) -> Engine:
    return engine.execution_options(**{DEFERRED: True})


@event.listens_for(CoachSession, "before_flush")
def _refuse_writes_when_read_only(db: Session, _context: Any, _instances: Any) -> None:
    if not (db.new or db.dirty or db.deleted):
        return
    if db.info.get(READ_ONLY):
        raise RuntimeError("a read-only request tried to write; make the route a POST")
    if db.info.get(DEFERRED):
        raise RuntimeError("a request writes in its route, not in a dependency")


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
sqlite_writer_slots = LoopSemaphore(SQLITE_WRITER_SLOTS)
_sqlite_write_turn = threading.Lock()  # this process's SQLite writers, one at a time
_request_session: ContextVar[Session | None] = ContextVar("coach_request_session", default=None)
FINISHED = "coach_finished"  # the route's thread committed the request's transaction
COMMITS = "coach_commits"  # marks a route wrapped by commit_in_the_route_thread


def _is_sqlite() -> bool:
    return get_engine().dialect.name == "sqlite"


async def get_db(request: Request) -> AsyncIterator[Session]:
    """One transaction per request, committed in the route's own thread right after it returns
    (see `commit_in_the_route_thread`), rolled back if it raises. GET and HEAD are read-only.
    Waiting for a slot happens here on the event loop, never in a worker thread."""
    route = request.scope.get("route")
    read_only = request.method in READ_METHODS and not getattr(
        getattr(route, "endpoint", None), WRITES, False
    )
    # SQLite's writers never queue behind readers for a slot: they have their own.
    gate = sqlite_writer_slots() if not read_only and _is_sqlite() else request_slots()
    async with gate:
        db = get_sessionmaker()(info={READ_ONLY: read_only, DEFERRED: True})
        _request_session.set(db)  # each request runs in a task, with its own context
        try:
            yield db
        except BaseException:
            await run_in_threadpool(db.close)  # rolls back
            raise
        if db.info.get(FINISHED) and not db.in_transaction():
            db.close()  # holds no connection: nothing to wait for
        else:
            await run_in_threadpool(_commit_and_close, db)


def _commit_and_close(db: Session) -> None:
    with db:
        db.commit()


def commit_in_the_route_thread(routes: Iterable[APIRoute]) -> None:
    """Makes each sync route run its request's transaction to the commit in its own worker
    thread. A writer's dependencies read in a deferred transaction that ends before the route;
    the route then writes in a transaction of its own, under this process's SQLite write lock."""
    for route in routes:  # before the router is included: an app builds its routes from these
        if not getattr(route.endpoint, COMMITS, False) and not inspect.iscoroutinefunction(route.endpoint):
            route.endpoint = _committing(route.endpoint)


def _committing(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        db = _request_session.get()
        if db is None or db.info.get(FINISHED) or not db.info.get(DEFERRED):
            return endpoint(*args, **kwargs)  # no request's session, or inside a writer's route already
        if db.info.get(READ_ONLY):
            result = endpoint(*args, **kwargs)
            db.commit()
        else:
            db.commit()  # the dependencies' reads (who is asking) end here
            with _write_turn(db):
                try:
                    result = endpoint(*args, **kwargs)
                    db.commit()
                except BaseException:
                    db.rollback()
                    raise
        db.info[FINISHED] = True
        return result

    setattr(run, COMMITS, True)
    return run


@contextmanager
def _write_turn(db: Session) -> Iterator[None]:
    """The route's transaction begins IMMEDIATE, after this process's other SQLite writers are
    done; afterwards the session only reads (a response that loads a relation after the commit)."""
    lock = _sqlite_write_turn if db.get_bind().dialect.name == "sqlite" else nullcontext()
    with lock:
        db.info[DEFERRED] = False
        try:
            yield
        finally:
            db.info[DEFERRED] = db.info[READ_ONLY] = True


DbDep = Annotated[Session, Depends(get_db, scope="function")]


@asynccontextmanager
async def read_only_db() -> AsyncIterator[Session]:
    """A short read-only transaction for work that must finish before the request's own
    transaction opens (a slow password check). Used from async code; query it in a thread."""
    async with request_slots():
        db = get_sessionmaker()(info={READ_ONLY: True})
        try:
            yield db
        finally:
            await run_in_threadpool(db.close)


def database_reachable(factory: sessionmaker[Session]) -> bool:
    try:
        with factory(info={READ_ONLY: True}) as db:
            db.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True
