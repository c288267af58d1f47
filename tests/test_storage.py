"""Storage: migrations produce exactly the declared schema on both backends; SQLite runs in WAL;
timestamps are aware UTC on both."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, select, text
from sqlalchemy.exc import StatementError

from gateway.storage import make_engine
from gateway.storage.migrate import current_revision, head_revision, require_current
from gateway.storage.schema import metadata, web_sessions


async def test_migrated_schema_matches_the_tables_the_code_uses(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), metadata))
        assert diff == []
        assert await current_revision(engine) == head_revision()
        await require_current(engine)
    finally:
        await engine.dispose()


async def test_sqlite_uses_wal_and_full_sync(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await conn.execute(text("PRAGMA synchronous"))).scalar() == 2
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    finally:
        await engine.dispose()


async def test_timestamps_come_back_as_the_same_instant_in_utc(database_url: str) -> None:
    """UTCDateTime on both backends: any aware value is stored as UTC and read back aware, in UTC;
    a naive one is refused. On SQLite, text written by other means (no fraction, or with its own
    offset) is read correctly too (the fast parse falls back to the general one)."""
    oslo = timezone(timedelta(hours=1))
    written = {"utc": datetime(2026, 11, 25, 0, 48, 1, 123456, tzinfo=UTC),
               "oslo": datetime(2026, 11, 25, 1, 48, 1, tzinfo=oslo)}
    engine = make_engine(database_url)
    try:
        async with engine.begin() as conn:
            for name, value in written.items():
                await conn.execute(insert(web_sessions).values(
                    id_hash=name, kind="customer", csrf_token="t", data="{}", created_at=value, last_seen_at=value))
            if engine.dialect.name == "sqlite":
                for name, stored in (("plain", "2026-11-25 00:48:01"), ("offset", "2026-11-25T01:48:01+01:00")):
                    await conn.execute(text("INSERT INTO web_sessions (id_hash, kind, csrf_token, data, created_at, "
                                            "last_seen_at) VALUES (:h, 'customer', 't', '{}', :v, :v)"),
                                       {"h": name, "v": stored})
            with pytest.raises(StatementError, match="naive datetime"):
                await conn.execute(insert(web_sessions).values(
                    id_hash="naive", kind="customer", csrf_token="t", data="{}",
                    created_at=datetime(2026, 11, 25), last_seen_at=datetime(2026, 11, 25)))
        async with engine.connect() as conn:
            read = {row.id_hash: row.created_at for row in (await conn.execute(select(web_sessions))).all()}
        assert read["utc"] == written["utc"] and read["oslo"] == written["oslo"]
        if engine.dialect.name == "sqlite":
            assert read["plain"] == read["offset"] == datetime(2026, 11, 25, 0, 48, 1, tzinfo=UTC)
        assert all(value.utcoffset() == timedelta(0) and value.tzinfo is UTC for value in read.values())
    finally:
        await engine.dispose()
