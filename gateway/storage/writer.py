"""Run a whole write transaction as one synchronous function: `await writer_for(engine).run(fn, ...)`,
and a short read the same way: `await writer_for(engine).read(fn, ...)`.

fn(conn, *args) gets a synchronous SQLAlchemy Connection inside a transaction that commits when fn
returns and rolls back if it raises.

Why: SQLite has one write lock for the whole file. Through the async driver every statement of a
transaction is a round trip through the event loop, so a busy loop (other requests being parsed,
guarded, encrypted) stretched a ten-statement transaction, and the time the lock was held, to tens
of milliseconds, during which every other process's writer waited. On SQLite the function therefore
runs whole in one dedicated thread on a synchronous engine, holding the lock only for the database
work. On PostgreSQL (row locks, no file lock) it runs through the async engine's run_sync.

read(fn, ...) on SQLite runs fn at once on the event loop, on a plain query-only connection: in WAL
mode a reader never waits for a writer, and a look-up by key in a local file takes microseconds,
where the async driver costs a thread hop per cursor call (the portal's page reads do the same,
gateway/portal/state.py). On PostgreSQL it runs through run_sync on a read connection.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import StaticPool

from gateway.storage.engine import configure_sqlite, is_sqlite, query_only, reading

T = TypeVar("T")


class Writer:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sync = None
        self._reads: Engine | None = None
        self._thread: ThreadPoolExecutor | None = None
        if is_sqlite(str(engine.url)) and engine.url.database not in (None, "", ":memory:"):
            # One connection used by one thread: the write lock is taken one transaction at a time.
            self._sync = create_engine(engine.url.set(drivername="sqlite+pysqlite"), poolclass=StaticPool,
                                       connect_args={"check_same_thread": False})
            self._sync.dialect.use_insertmanyvalues_wo_returning = True  # one statement per insert
            configure_sqlite(self._sync, writes_only=True)
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer")
            self._reads = create_engine(engine.url.set(drivername="sqlite+pysqlite"), pool_size=2, max_overflow=2)
            event.listen(self._reads, "connect", lambda dbapi_connection, _record: query_only(dbapi_connection))

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._sync is None:
            async with self.engine.begin() as conn:
                return await conn.run_sync(fn, *args)
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._transaction, fn, args)

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        if self._reads is None:
            async with reading(self.engine) as conn:
                return await conn.run_sync(fn, *args)
        with self._reads.connect() as conn:  # autocommit (see query_only): no transaction to end
            return fn(conn, *args)

    def _transaction(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        assert self._sync is not None
        with self._sync.begin() as conn:
            return fn(conn, *args)

    def close(self) -> None:
        if self._thread is not None:
            self._thread.shutdown(wait=True)
        if self._sync is not None:
            self._sync.dispose()
        if self._reads is not None:
            self._reads.dispose()


_WRITERS: weakref.WeakKeyDictionary[Any, Writer] = weakref.WeakKeyDictionary()


def writer_for(engine: AsyncEngine) -> Writer:
    """The engine's writer, made on first use; close_writer(engine) when the engine is disposed."""
    writer = _WRITERS.get(engine.sync_engine)
    if writer is None:
        writer = _WRITERS[engine.sync_engine] = Writer(engine)
    return writer


def close_writer(engine: AsyncEngine) -> None:
    writer = _WRITERS.pop(engine.sync_engine, None)
    if writer is not None:
        writer.close()


__all__ = ["Writer", "close_writer", "writer_for"]
