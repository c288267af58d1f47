"""Storage: migrations produce exactly the declared schema on both backends; SQLite runs in WAL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from gateway.db import make_engine
from gateway.db.migrate import head_revision, require_current, current_revision
from gateway.db.schema import metadata


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
