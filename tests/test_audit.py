"""The audit log is a hash chain: any changed or deleted row is found by verify."""

from __future__ import annotations

import json

from sqlalchemy import delete, select, update

from gateway import audit
from gateway.db import make_engine
from gateway.db.schema import audit_log


async def _filled(database_url: str) -> object:
    engine = make_engine(database_url)
    async with engine.begin() as conn:
        await audit.append(conn, audit.Entry("api_key:k1", "message.create", "m-1", {"customer_id": "c-1"}))
        await audit.append_many(conn, [audit.Entry("worker", "notification.sent", f"m-{i}") for i in range(2, 6)])
    return engine


async def test_intact_chain_verifies(database_url: str) -> None:
    engine = await _filled(database_url)
    result = await audit.verify(engine)
    assert result.ok and result.rows == 5
    await engine.dispose()


async def test_changed_row_is_found(database_url: str) -> None:
    engine = await _filled(database_url)
    async with engine.begin() as conn:
        await conn.execute(update(audit_log).where(audit_log.c.seq == 3)
                           .values(details=json.dumps({"forged": True})))
    result = await audit.verify(engine)
    assert not result.ok and "row 3" in result.problems[0]
    await engine.dispose()


async def test_deleted_row_is_found(database_url: str) -> None:
    engine = await _filled(database_url)
    async with engine.begin() as conn:
        await conn.execute(delete(audit_log).where(audit_log.c.seq == 2))
    result = await audit.verify(engine)
    assert not result.ok and "row 3" in result.problems[0]
    await engine.dispose()


async def test_rehashing_a_changed_row_still_breaks_the_next_link(database_url: str) -> None:
    engine = await _filled(database_url)
    async with engine.begin() as conn:
        row = (await conn.execute(select(audit_log).where(audit_log.c.seq == 2))).one()
        entry = audit.Entry(row.actor, "message.delete", row.subject)
        forged = audit._digest(row.prev_hash, row.at, entry, row.details)
        await conn.execute(update(audit_log).where(audit_log.c.seq == 2)
                           .values(action="message.delete", hash=forged))
    result = await audit.verify(engine)
    assert not result.ok and "row 3" in result.problems[0]
    await engine.dispose()
