"""A read-only database driver for many small page-view reads, without a transaction round trip
(see Reads): the portal's, but nothing in it is about the portal."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import CompoundSelect, Connection, Engine, Select, create_engine, event
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import QueuePool

from gateway.storage import make_engine, sqlalchemy_url
from gateway.storage.engine import query_only

READ_POOL_SIZE = 10  # PostgreSQL connections for page views, per process (and as many for the hot statements)
# What a statement on a connection the server has dropped raises (asyncpg's pool then replaces it).
_DROPPED = (asyncpg.PostgresConnectionError, asyncpg.exceptions.OperatorInterventionError, asyncpg.InterfaceError,
            asyncpg.exceptions.InternalClientError, ConnectionError)


class Reads:
    """Read-only statements for page views, without a transaction round trip.

    PostgreSQL: the hot statements (below) on an asyncpg pool of the portal's own, each taking a
    connection for itself (Reads.fetch); any other read on a small SQLAlchemy pool, always in
    autocommit (no BEGIN/ROLLBACK per request), without pre-ping (see __init__ and _RetriedReads).

    SQLite: the gateway's async engine takes the write lock at every BEGIN (BEGIN IMMEDIATE) and
    hops to a driver thread for every cursor call, which serialises page views and, with the GIL,
    makes each hop slow under load. Reads therefore use plain sqlite3 connections, opened
    query-only (they can never write) in WAL mode, called directly on the event loop: a read of a
    local file by primary key takes microseconds, and in WAL mode readers never wait for writers.
    Results have the same API as the async engine's buffered results.

    The `hot` statements (session check, opening a message) skip SQLAlchemy's execution machinery,
    which cost about 40 µs per statement on SQLite, several times the query itself: each is
    compiled once to its SQL text, run on one dedicated connection and its rows converted by the
    columns' own result processors (so values are exactly what SQLAlchemy would return). That one
    connection is safe to share: a hot statement is executed and fully fetched without yielding to
    the event loop, and every statement runs in autocommit (no transaction stays open).
    """

    def __init__(self, engine: AsyncEngine, url: str, hot: Sequence[Select[Any] | CompoundSelect[Any]] = ()) -> None:
        driver_url = sqlalchemy_url(url)
        self._async: AsyncEngine | None = None
        self._sync: Engine | None = None
        self._raw: sqlite3.Connection | None = None
        self._plans: dict[int, _Plan] = {}
        self._hot = list(hot)  # keeps the statements (and so their ids) alive
        self._own_async = False
        if not driver_url.startswith("sqlite"):
            # A small pool of its own whose connections are always in autocommit: the shared pool's
            # connections return to transactional mode at every check-in, so each check-out's
            # pre-ping ran as BEGIN, ping, ROLLBACK (three round trips) before the statement.
            # No pre-ping at all: a connection the server dropped is noticed by the statement
            # itself, which is then run once more on a new connection (_RetriedReads).
            # A fixed size without overflow: at more concurrent page views than connections a read
            # waits a moment for one (each is held for a statement or two), where overflow
            # connections were opened and closed again all the time, and opening one costs far more.
            self._async = make_engine(url, isolation_level="AUTOCOMMIT", pool_size=READ_POOL_SIZE, max_overflow=0,
                                      pool_pre_ping=False)
            self._own_async = True
            self._plans = {id(statement): _Plan.of(statement, self._async.dialect) for statement in self._hot}
            # The hot statements run on an asyncpg pool of their own (opened on first use, in the
            # process that serves): taking one of its connections for a statement costs a few µs,
            # where a check-out and return through SQLAlchemy's asyncio pool cost about 50 µs, twice
            # per page view (session check, page).
            self._dsn = "postgresql://" + driver_url.split("://", 1)[1]
            self._pg: asyncpg.Pool | None = None
            self._pg_lock = asyncio.Lock()
            return
        path = driver_url.split(":///", 1)[1] if ":///" in driver_url else ""
        if not path or path.startswith(":memory:"):
            self._async = engine  # a private in-memory database: only the gateway's own engine sees it
            return
        self._sync = create_engine(f"sqlite:///{path}", poolclass=QueuePool, pool_size=4, max_overflow=4,
                                   connect_args={"check_same_thread": False})

        @event.listens_for(self._sync, "connect")
        def on_connect(dbapi_connection: Any, _record: Any) -> None:
            query_only(dbapi_connection)

        self._path = path
        dialect = sqlite_dialect.dialect()
        self._plans = {id(statement): _Plan.of(statement, dialect) for statement in self._hot}

    def connect(self) -> contextlib.AbstractAsyncContextManager[Any]:
        """`async with reads.connect() as conn:` a connection for read-only statements."""
        if self._own_async:
            return _PgReads(self)
        if self._async is not None:
            return self._async.connect()  # a private in-memory database: the gateway's own engine
        return _SyncReads(self)  # its own context manager: no generator on every page view

    async def fetch(self, plan: _Plan, parameters: Mapping[str, Any]) -> _Rows:
        """A hot statement on PostgreSQL, on a connection of the asyncpg pool. A connection the
        server dropped (a restart) fails the statement, and asyncpg's pool replaces it; the read
        then runs once more. Safe: a single read-only statement, outside any transaction."""
        pool = self._pg or await self._pg_pool()
        args = plan.args(parameters)
        try:
            async with pool.acquire() as conn:
                return plan.rows(await conn.fetch(plan.sql, *args))
        except _DROPPED:
            pass
        async with pool.acquire() as conn:
            return plan.rows(await conn.fetch(plan.sql, *args))

    async def _pg_pool(self) -> asyncpg.Pool:
        async with self._pg_lock:
            if self._pg is None:
                self._pg = await asyncpg.create_pool(self._dsn, min_size=0, max_size=READ_POOL_SIZE,
                                                     max_inactive_connection_lifetime=300, reset=_keep)
            return self._pg

    def raw(self) -> sqlite3.Connection:
        if self._raw is None:
            self._raw = query_only(sqlite3.connect(self._path, isolation_level=None, check_same_thread=False))
        return self._raw

    async def dispose(self) -> None:
        if self._own_async and self._async is not None:
            await self._async.dispose()
            if self._pg is not None:
                await self._pg.close()
                self._pg = None
        if self._raw is not None:
            self._raw.close()
            self._raw = None
        if self._sync is not None:
            self._sync.dispose()


@dataclass(frozen=True)
class _Plan:
    """A constant SELECT compiled once for SQLite: SQL text, parameter order, row conversion."""

    sql: str
    params: tuple[str, ...]
    row: Callable[[Iterable[Any]], Any]
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]

    @classmethod
    def of(cls, statement: Select[Any] | CompoundSelect[Any], dialect: Any) -> _Plan:
        compiled = statement.compile(dialect=dialect)
        for bind in compiled.binds.values():
            if bind.type._cached_bind_processor(dialect) is not None:
                raise ValueError(f"hot statement parameter {bind.key!r} needs conversion")
        columns = list(statement.selected_columns.items())
        processors = tuple((i, proc) for i, (_name, column) in enumerate(columns)
                           if (proc := column.type._cached_result_processor(dialect, None)) is not None)
        row = namedtuple("Row", [name for name, _column in columns])  # type: ignore[misc]  # names known at run time
        return cls(compiled.string, tuple(compiled.positiontup or ()), row._make, processors)

    def args(self, parameters: Mapping[str, Any]) -> list[Any]:
        return [parameters[name] for name in self.params]

    def run(self, conn: sqlite3.Connection, parameters: Mapping[str, Any]) -> _Rows:
        return self.rows(conn.execute(self.sql, self.args(parameters)).fetchall())

    def rows(self, rows: Sequence[Any]) -> _Rows:
        """Driver rows (tuples, asyncpg records) as SQLAlchemy would return them."""
        if self.processors:
            converted = []
            for raw in rows:
                values = list(raw)
                for i, proc in self.processors:
                    values[i] = proc(values[i])
                converted.append(values)
            rows = converted
        return _Rows([self.row(values) for values in rows])


class _Rows:
    """The part of a buffered SQLAlchemy result the portal uses."""

    __slots__ = ("_rows",)

    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def all(self) -> list[Any]:
        return self._rows

    def one(self) -> Any:
        if len(self._rows) != 1:
            raise LookupError(f"expected one row, got {len(self._rows)}")
        return self._rows[0]

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None


class _RetriedReads:
    """A read connection of the PostgreSQL read pool (autocommit, no pre-ping), for the statements
    that are not hot. A statement that finds the connection dropped (server restart, idle timeout)
    runs once more: SQLAlchemy has then invalidated that connection and every older one in the
    pool, and reconnects on the next use. Safe because these are single read-only statements
    outside any transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        try:
            return await self._conn.execute(statement, parameters)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
        await self._conn.rollback()  # clears the invalidated state; the next use reconnects
        return await self._conn.execute(statement, parameters)

    async def close(self) -> None:
        await self._conn.close()


async def _keep(_conn: asyncpg.Connection) -> None:
    """The hot statements' pool hands connections back as they are: each ran one read-only
    statement in autocommit, which leaves nothing to undo. asyncpg's default reset (UNLISTEN,
    RESET ALL, ...) would be one more round trip per statement."""


class _PgReads:
    """The part of AsyncConnection the portal's read queries use, on PostgreSQL: a hot statement
    takes a connection of the asyncpg pool for itself (Reads.fetch); a connection of the
    SQLAlchemy read pool is checked out only for a statement that is not one of the hot ones, and
    kept to the end of the block."""

    def __init__(self, reads: Reads) -> None:
        self._reads = reads
        self._conn: _RetriedReads | None = None

    async def __aenter__(self) -> _PgReads:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        plan = self._reads._plans.get(id(statement))
        if plan is not None:
            return await self._reads.fetch(plan, parameters or {})
        if self._conn is None:
            assert self._reads._async is not None
            self._conn = _RetriedReads(await self._reads._async.connect())
        return await self._conn.execute(statement, parameters)


class _SyncReads:
    """The part of AsyncConnection the portal's read queries use, on SQLite. A pooled SQLAlchemy
    connection is checked out only for a statement that is not one of the hot ones."""

    def __init__(self, reads: Reads) -> None:
        self._reads = reads
        self._conn: Connection | None = None

    async def __aenter__(self) -> _SyncReads:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self.close()

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        plan = self._reads._plans.get(id(statement))
        if plan is not None:
            return plan.run(self._reads.raw(), parameters or {})
        if self._conn is None:
            assert self._reads._sync is not None
            self._conn = self._reads._sync.connect()
        return self._conn.execute(statement, parameters)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
