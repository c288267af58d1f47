"""The portal's read path: the hot statements, run past SQLAlchemy (a plain sqlite3 connection, or
asyncpg's own pool), give exactly the rows SQLAlchemy gives; on SQLite they always see the latest
committed data and can never write; on PostgreSQL a dropped connection costs no page view; opening
a message reads only the owner's rows."""

from __future__ import annotations

import asyncio
import concurrent.futures
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import insert, text, update

from gateway.crypto import Crypto, Keyring
from gateway.portal import sessions, store
from gateway.storage import make_engine
from gateway.storage.reads import Reads
from gateway.storage.schema import attachments, customers, messages, replies, web_sessions

T0 = datetime(2026, 11, 24, 21, 30, 5, 123456, tzinfo=UTC)
HOT = sessions.HOT_STATEMENTS + store.HOT_STATEMENTS
PARAMS = {"id_hash": "h" * 64, "message_id": "m1", "customer_id": "c1"}


async def _fill(engine: Any) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(customers).values(
            id="c1", key_wrapped=b"\x01wrapped", language="nn", created_at=T0, updated_at=T0,
            last_invoice_settled_at=None, relationship_ended_at=T0 + timedelta(days=3)))
        await conn.execute(insert(messages).values(
            id="m1", customer_id="c1", client_id="k", category="invoice", sensitivity="normal",
            auth_level="high", key_wrapped=b"dk", subject_enc=b"s\x00", body_enc=b"b", data_enc=None,
            created_at=T0, read_at=None))
        for position, aid in enumerate(("a2", "a1")):
            await conn.execute(insert(attachments).values(
                id=aid, message_id="m1", customer_id="c1", position=position, key_wrapped=b"ak",
                filename_enc=b"f", content_type="application/pdf", size=2000 + position, content_enc=b"x",
                created_at=T0))
        await conn.execute(insert(replies).values(
            id="r1", message_id="m1", customer_id="c1", author="customer", key_wrapped=b"rk", body_enc=b"r",
            created_at=T0 + timedelta(minutes=1)))
        await conn.execute(insert(web_sessions).values(
            id_hash="h" * 64, kind="customer", subject_id="c1", acr=None, csrf_token="t", data='{"lang":"nn"}',
            created_at=T0, last_seen_at=T0 + timedelta(seconds=7)))


async def test_hot_statements_give_the_rows_sqlalchemy_gives(database_url: str) -> None:
    """Both backends run the hot statements past SQLAlchemy (plain sqlite3, or asyncpg directly)."""
    engine = make_engine(database_url)
    reads = Reads(engine, database_url, HOT)
    try:
        await _fill(engine)
        for statement in HOT:
            async with engine.connect() as conn:
                expected = [tuple(row) for row in (await conn.execute(statement, PARAMS)).all()]
                expected_keys = list((await conn.execute(statement, PARAMS)).keys())
            async with reads.connect() as conn:
                rows = (await conn.execute(statement, PARAMS)).all()
            assert expected, statement
            assert [tuple(row) for row in rows] == expected
            assert list(rows[0]._fields) == expected_keys
        async with reads.connect() as conn:
            row = (await conn.execute(store.HOT_STATEMENTS[0], PARAMS)).first()
        assert row.created_at == T0 and row.created_at.tzinfo is not None  # aware UTC, as everywhere else
        assert row.read_at is None and row.customer_key_wrapped == b"\x01wrapped" and row.auth_level == "high"
    finally:
        await reads.dispose()
        await engine.dispose()


async def test_hot_reads_see_what_was_just_committed_and_cannot_write(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    reads = Reads(engine, sqlite_url, HOT)
    try:
        await _fill(engine)
        thread = store.HOT_STATEMENTS[1]  # attachments and replies
        async with reads.connect() as conn:
            assert [r.id for r in (await conn.execute(thread, PARAMS)).all()] == ["a2", "a1", "r1"]
        async with engine.begin() as conn:  # a reply posted after the connection was first used
            await conn.execute(insert(replies).values(
                id="r2", message_id="m1", customer_id="c1", author="staff", key_wrapped=b"rk", body_enc=b"r",
                created_at=T0 + timedelta(minutes=2)))
        async with reads.connect() as conn:
            assert [r.id for r in (await conn.execute(thread, PARAMS)).all()] == ["a2", "a1", "r1", "r2"]
            assert (await conn.execute(sessions.HOT_STATEMENTS[0], {"id_hash": "other"})).first() is None
        with pytest.raises(sqlite3.OperationalError):
            reads.raw().execute("DELETE FROM web_sessions")
    finally:
        await reads.dispose()
        await engine.dispose()


def _terminate_backends(url: str) -> int:
    async def terminate() -> int:
        conn = await asyncpg.connect(url)
        try:
            return int(await conn.fetchval(
                "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        finally:
            await conn.close()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, terminate()).result(timeout=30)


async def test_a_dropped_database_connection_costs_no_page_view(postgres_url: str) -> None:
    """PostgreSQL page reads skip any pre-ping; a connection the server dropped (a restart) is
    noticed by the statement and the read simply runs again on a new connection, on both paths:
    the hot statements' asyncpg pool and the SQLAlchemy pool for the others. (SQLite's read path
    has no server connection to lose.)"""
    database_url = postgres_url
    engine = make_engine(database_url)
    reads = Reads(engine, database_url, HOT)
    load = sessions.HOT_STATEMENTS[0]
    other = text("SELECT language FROM customers WHERE id = 'c1'")  # not hot: through SQLAlchemy
    try:
        await _fill(engine)
        async with reads.connect() as conn:
            assert (await conn.execute(load, PARAMS)).first().subject_id == "c1"
            assert (await conn.execute(other)).scalar() == "nn"
        # From another thread while this event loop stands still, so that the pools' connections
        # cannot notice before their next statement (a restart seen by an idle process).
        assert _terminate_backends(database_url) >= 2  # one connection of each pool
        for _ in range(3):
            async with reads.connect() as conn:
                assert (await conn.execute(load, PARAMS)).first().subject_id == "c1"
                assert (await conn.execute(other)).scalar() == "nn"
    finally:
        await reads.dispose()
        await engine.dispose()


async def test_opening_a_message_reads_only_the_owners_message_attachments_and_thread(
        database_url: str, keys_dir: Path) -> None:
    """store.message_page: one statement for the owner's key, the message, its attachments (by
    position) and its thread, on both backends; nothing for anyone else or for an erased customer."""
    crypto = Crypto(Keyring.load(keys_dir))
    engine = make_engine(database_url)
    reads = Reads(engine, database_url, HOT)
    try:
        await _fill(engine)
        ck = crypto.new_customer_key("c1")
        async with engine.begin() as conn:
            await conn.execute(update(customers).where(customers.c.id == "c1").values(key_wrapped=ck.wrapped))
            await conn.execute(insert(customers).values(
                id="c2", key_wrapped=crypto.new_customer_key("c2").wrapped, language="nb", created_at=T0,
                updated_at=T0))
            # A row of c2's naming c1's message (it cannot happen through the API): never part of it.
            await conn.execute(insert(attachments).values(
                id="x9", message_id="m1", customer_id="c2", position=0, key_wrapped=b"ak", filename_enc=b"f",
                content_type="text/plain", size=1, content_enc=b"x", created_at=T0))
        async with reads.connect() as conn:
            page = await store.message_page(conn, crypto, "c1", "m1")
            assert page is not None
            who, head, parts = page
            assert who.id == "c1" and who.key.key == ck.key
            assert (head.id, head.category, head.auth_level, head.subject_enc, head.body_enc) == (
                "m1", "invoice", "high", b"s\x00", b"b")
            assert head.created_at == T0 and head.read_at is None
            assert [(part.kind, part.id) for part in parts] == [("a", "a2"), ("a", "a1"), ("r", "r1")]
            assert [part.size for part in parts[:2]] == [2000, 2001] and parts[2].text == "customer"
            assert await store.message_page(conn, crypto, "c2", "m1") is None
            assert await store.message_page(conn, crypto, "c1", "no-such-message") is None
        async with engine.begin() as conn:
            await conn.execute(update(customers).where(customers.c.id == "c1").values(erased_at=T0))
        async with reads.connect() as conn:
            assert await store.message_page(conn, crypto, "c1", "m1") is None
    finally:
        await reads.dispose()
        await engine.dispose()
