"""The verified-key cache of gateway/rest/apikeys.py: a stale entry is read again once, however many
requests find it stale together, and a revocation made elsewhere is honoured once it is re-read.
Real SQLite file and real PostgreSQL; time is a FakeClock, moved past REVALIDATE_SECONDS."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import event, update

from gateway.clock import FakeClock
from gateway.rest import apikeys
from gateway.storage import make_engine
from gateway.storage.schema import api_keys
from gateway.storage.types import utcnow


@pytest.fixture
async def engine(database_url: str) -> Any:
    built = make_engine(database_url)
    yield built
    await built.dispose()


def count_key_reads(engine: Any) -> list[str]:
    reads: list[str] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "api_keys" in statement:
            reads.append(statement)

    return reads


async def test_requests_that_find_the_key_stale_together_read_it_once(engine: Any) -> None:
    clock = FakeClock()
    key, secret = await apikeys.create(engine, "billing", frozenset(apikeys.SCOPES))
    assert await apikeys.authenticate(engine, secret, clock) is not None
    reads = count_key_reads(engine)
    clock.advance(apikeys.REVALIDATE_SECONDS + 0.001)  # the entry in hand is stale

    found = await asyncio.gather(*(apikeys.authenticate(engine, secret, clock) for _ in range(50)))

    assert all(k is not None and k.id == key.id for k in found)
    assert len(reads) == 1
    assert await apikeys.authenticate(engine, secret + "x", clock) is None  # a wrong secret still fails


async def test_a_revocation_made_elsewhere_is_honoured_on_the_next_read(engine: Any, database_url: str) -> None:
    clock = FakeClock()
    key, secret = await apikeys.create(engine, "billing", frozenset(apikeys.SCOPES))
    assert await apikeys.authenticate(engine, secret, clock) is not None
    other = make_engine(database_url)  # another process's connection: this one's cache is not told
    try:
        async with other.begin() as conn:
            await conn.execute(update(api_keys).where(api_keys.c.id == key.id).values(revoked_at=utcnow()))
    finally:
        await other.dispose()
    assert await apikeys.authenticate(engine, secret, clock) is not None  # within REVALIDATE_SECONDS
    clock.advance(apikeys.REVALIDATE_SECONDS + 0.001)
    assert await apikeys.authenticate(engine, secret, clock) is None
