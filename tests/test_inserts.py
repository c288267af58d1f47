"""gateway/storage/inserts.py stores exactly what SQLAlchemy's own INSERT stores: the same rows written
both ways read back the same, on the real SQLite file and the real PostgreSQL, including more rows
than one SQLite statement may bind and a column left to its Python-side default."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from gateway.storage import make_engine
from gateway.storage.inserts import MAX_VARIABLES, insert_rows
from gateway.storage.schema import audit_log, customers, notifications
from gateway.storage.writer import close_writer, writer_for


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[Any]:
    built = make_engine(database_url)
    yield built
    close_writer(built)
    await built.dispose()


def customer_rows(prefix: str, count: int) -> list[dict[str, Any]]:
    at = datetime(2026, 11, 24, 21, 0, 0, 123456, tzinfo=UTC)
    return [{"id": f"{prefix}-{i}", "key_wrapped": bytes([i % 256]) * 40, "kek_id": "k1",
             "email_enc": b"\x00\xff" * i, "name_enc": None, "national_id_enc": None,
             "national_id_index": None, "language": "nb", "last_invoice_settled_at": None,
             "relationship_ended_at": at + timedelta(days=i), "created_at": at, "updated_at": at,
             "erased_at": None} for i in range(count)]


async def read(engine: Any, table: Any, prefix: str) -> list[tuple[Any, ...]]:
    key = table.c.id if "id" in table.c else table.c.actor
    async with engine.connect() as conn:
        rows = (await conn.execute(select(table).where(key.like(f"{prefix}-%")).order_by(key))).all()
    return [tuple(v for k, v in row._mapping.items() if k not in ("id", "seq", "actor")) for row in rows]


async def test_rows_read_back_as_sqlalchemy_would_store_them(engine: Any) -> None:
    fast, plain = customer_rows("fast", 5), customer_rows("plain", 5)
    await writer_for(engine).run(lambda conn: insert_rows(conn, customers, fast))
    async with engine.begin() as conn:
        await conn.execute(customers.insert(), plain)
    assert await read(engine, customers, "fast") == await read(engine, customers, "plain")
    ended = [c.name for c in customers.c if c.name != "id"].index("relationship_ended_at")
    assert (await read(engine, customers, "fast"))[1][ended].tzinfo is not None  # aware UTC back


async def test_more_rows_than_one_statement_binds(engine: Any) -> None:
    at = datetime.now(UTC)
    count = MAX_VARIABLES // 7 + 100  # audit_log rows carry 7 values: two statements on SQLite
    rows = [{"at": at, "actor": f"many-{i:05d}", "action": "test", "subject": None, "details": "{}",
             "prev_hash": "0" * 64, "hash": f"{i:064x}"} for i in range(count)]
    await writer_for(engine).run(lambda conn: insert_rows(conn, audit_log, rows))
    stored = await read(engine, audit_log, "many")
    assert len(stored) == count and stored[-1][-1] == f"{count - 1:064x}"


def test_a_left_out_column_gets_its_python_default() -> None:
    from gateway.storage.inserts import _defaults

    assert _defaults(notifications, ("id", "message_id", "customer_id", "status", "next_attempt_at",
                                     "created_at")) == {"attempts": 0}
