"""Create the async engine for SQLite (embedded default) or PostgreSQL (asyncpg)."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.util import await_only

READ_ONLY = "gateway_read_only"
BUSY_TIMEOUT_MS = 30_000  # any other wait for a lock (rare in WAL mode): SQLite's own handler


def sqlalchemy_url(url: str) -> str:
    """Map the operator's URL (sqlite:///…, postgresql://…) to the async driver's."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    return url


def is_sqlite(url: str) -> bool:
    return sqlalchemy_url(url).startswith("sqlite")


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    driver_url = sqlalchemy_url(url)
    if driver_url.startswith("sqlite"):
        path = driver_url.split(":///", 1)[1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Enough pooled connections for a busy event loop: opening one costs a thread and PRAGMAs.
        kwargs.setdefault("pool_size", 20)
        kwargs.setdefault("max_overflow", 20)
        engine = create_async_engine(driver_url, **kwargs)
        configure_sqlite(engine.sync_engine, wait=_wait_on_loop)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(driver_url, **kwargs)


def configure_sqlite(engine: Engine, wait: Callable[[float], None] = time.sleep, *,
                     writes_only: bool = False) -> None:
    """PRAGMAs and transaction begin for every connection of a SQLite engine. `wait` is how a
    writer waits for the write lock between attempts: the event loop for the async engine, a plain
    sleep for a synchronous engine in its own thread (gateway/storage/writer.py). An engine whose
    connections only ever run write transactions (`writes_only`) never uses SQLite's busy handler:
    its one wait, for the write lock, is the polled BEGIN IMMEDIATE, so no PRAGMA per transaction."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed notice survives power loss, not only a crashed process.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={0 if writes_only else BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(READ_ONLY):
            # A reader in WAL mode needs no lock: it sees the last commit and blocks nobody.
            conn.exec_driver_sql("BEGIN")
        else:
            # Take the write lock up front: two processes that both read-then-write
            # would otherwise deadlock on lock upgrade instead of waiting their turn.
            _begin_immediate(conn, wait, handler_on=not writes_only)


# Waiting for SQLite's write lock held by another process. SQLite's own busy handler sleeps in
# growing steps of up to 100 ms inside the driver's thread; with several `gateway serve` processes
# that left a writer (and every request of its group) asleep long after the lock was free. Instead
# the attempt does not wait, and the retry sleeps on the event loop in short, jittered steps.
LOCK_WAIT_SECONDS = 30.0
_FIRST_RETRY, _MAX_RETRY = 0.0002, 0.002


def _wait_on_loop(seconds: float) -> None:
    # The "begin" event of an async connection runs in SQLAlchemy's greenlet, so it may await.
    await_only(asyncio.sleep(seconds))


def _begin_immediate(conn: Any, wait: Callable[[float], None], handler_on: bool) -> None:
    """BEGIN IMMEDIATE, retried until LOCK_WAIT_SECONDS while another connection writes. On a
    connection that otherwise relies on SQLite's busy handler, the handler is off for the attempt."""
    if handler_on:
        conn.exec_driver_sql("PRAGMA busy_timeout=0")
    try:
        deadline, delay = time.monotonic() + LOCK_WAIT_SECONDS, _FIRST_RETRY
        while True:
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except OperationalError as exc:
                if "locked" not in str(exc.orig) or time.monotonic() > deadline:
                    raise
            wait(delay * (0.5 + random.random()))
            delay = min(delay * 2, _MAX_RETRY)
    finally:
        if handler_on:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def query_only(dbapi_connection: Any) -> Any:
    """A plain sqlite3 connection for reads on the event loop: autocommit (each statement its own
    snapshot, no BEGIN, no lock held), unable to write, and never waiting long for a lock."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=200")
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()
    return dbapi_connection


@asynccontextmanager
async def reading(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection for reads only. On SQLite its transaction neither takes nor waits for the
    write lock; on PostgreSQL it is an ordinary connection. Writing through it is a mistake
    that SQLite reports as "database is locked" under load, so use engine.begin() for writes."""
    async with engine.connect() as conn:
        await conn.execution_options(**{READ_ONLY: True})
        yield conn
