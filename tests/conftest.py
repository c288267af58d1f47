"""Shared fixtures: real SQLite files, a real PostgreSQL database, a real aiosmtpd server and a real
HTTP server on loopback.

PostgreSQL: GATEWAY_TEST_POSTGRES_URL names an admin connection (default: the local server's
`test` database). Each test session creates its own database there and drops it afterwards.
Where the server is unreachable the PostgreSQL variants fail when GATEWAY_TEST_REQUIRE_POSTGRES=1
(scripts/test, and so CI, sets it by default) and skip otherwise.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text

from gateway.crypto import KeyStore, init_keys
from gateway.delivery.devmail import MailSink
from gateway.settings import Settings
from gateway.storage import make_engine, upgrade
from gateway.storage.engine import is_sqlite
from gateway.storage.schema import metadata
from tests.support.keystores import empty_keystore
from tests.support.live import LiveGateway, start_live
from tests.support.processes import CountingHandler
from tests.support.processes import counting_sink as make_counting_sink
from tests.support.service import Gateway, make_settings, start_gateway, stop_gateway

PG_ADMIN_URL = os.environ.get("GATEWAY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("GATEWAY_TEST_REQUIRE_POSTGRES") == "1"


# ---------------------------------------------------------------- databases

@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once; each test gets a copy (a fresh, real SQLite file)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


async def pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def pg_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str | None]:
    """A database of this session's own on the PostgreSQL server, migrated to head."""
    name = f"gateway_test_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        _in_thread(lambda: asyncio.run(pg_admin(f'CREATE DATABASE "{name}"')))
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL at {PG_ADMIN_URL} is required but unreachable: {exc}")
        yield None
        return
    url = pg_url(name)
    _in_thread(lambda: upgrade(url))
    yield url
    _in_thread(lambda: asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')))


@pytest.fixture(scope="session")
def postgres_keystore_database(postgres_database: str | None) -> Iterator[str | None]:
    """The key store's own database beside this session's data database (never the same one)."""
    if postgres_database is None:
        yield None
        return
    name = postgres_database.rsplit("/", 1)[1] + "_keys"
    _in_thread(lambda: asyncio.run(pg_admin(f'CREATE DATABASE "{name}"')))
    KeyStore.open(pg_url(name)).close()
    yield pg_url(name)
    _in_thread(lambda: asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')))


def _in_thread(work: Callable[[], object]) -> None:
    """Session fixtures may be set up while a test's event loop runs; asyncio.run needs its own thread."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(work).result()


async def truncate_postgres(url: str) -> None:
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            tables = ", ".join(t.name for t in metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """Every storage test runs against both backends."""
    if request.param == "sqlite":
        path = tmp_path / "gateway.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_database")
    if url is None:
        pytest.skip("PostgreSQL unreachable (set GATEWAY_TEST_REQUIRE_POSTGRES=1 to fail instead)")
    await truncate_postgres(url)
    return url


@pytest.fixture
async def postgres_url(postgres_database: str | None) -> str:
    """PostgreSQL only, for behaviour SQLite does not have (SKIP LOCKED between processes, a server
    connection that can drop): an emptied database of this session."""
    if postgres_database is None:
        pytest.skip("PostgreSQL unreachable (set GATEWAY_TEST_REQUIRE_POSTGRES=1 to fail instead)")
    await truncate_postgres(postgres_database)
    return postgres_database


@pytest.fixture
def keystore_url(database_url: str, request: pytest.FixtureRequest) -> str:
    """On PostgreSQL the key store is a database of its own (emptied for each test); on SQLite ""
    (the keystore.db file beside keys/)."""
    if is_sqlite(database_url):
        return ""
    url = request.getfixturevalue("postgres_keystore_database")
    empty_keystore(url)
    return str(url)


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """For tests about behaviour that does not depend on the backend."""
    path = tmp_path / "gateway.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


# ---------------------------------------------------------------- keys, mail, settings

@pytest.fixture
def keys_dir(tmp_path: Path) -> Path:
    path = tmp_path / "keys"
    init_keys(path)
    return path


@pytest.fixture
def sink() -> Iterator[MailSink]:
    mail_sink = MailSink().start()
    yield mail_sink
    mail_sink.stop()


@pytest.fixture
def counting() -> Iterator[tuple[MailSink, CountingHandler]]:
    """A sink that also notes each mail's Message-ID, sender and arrival (tests/support/processes)."""
    counting_sink, handler = make_counting_sink()
    yield counting_sink, handler
    counting_sink.stop()


@pytest.fixture
def settings(database_url: str, keystore_url: str, keys_dir: Path, sink: MailSink) -> Settings:
    return make_settings(database_url, keys_dir, sink, keystore_url=keystore_url)


# ---------------------------------------------------------------- running service

@pytest.fixture
def live(tmp_path: Path, sqlite_template: Path, sink: MailSink) -> Iterator[LiveGateway]:
    """`gateway serve` as its own process on loopback (SQLite), stopped after the test."""
    running = start_live(tmp_path, sqlite_template, sink)
    try:
        yield running
    finally:
        running.process.stop()


@pytest.fixture
async def gateway(settings: Settings, sink: MailSink) -> AsyncIterator[Gateway]:
    running = await start_gateway(settings, sink)
    yield running
    await stop_gateway(running)
