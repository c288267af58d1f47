"""The audit log is a hash chain: any changed or deleted row is found by verify."""

from __future__ import annotations

import json

from sqlalchemy import delete, select, update

from gateway.audit import log as audit
from gateway.storage import make_engine
from gateway.storage.schema import audit_log


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


async def test_start_records_templates_and_their_changes(settings, sink, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import dataclasses
    import shutil

    from tests.support.service import ROOT, start_gateway, stop_gateway

    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    settings = dataclasses.replace(settings, templates_dir=str(templates))

    async def actions() -> list[str]:
        gw = await start_gateway(settings, sink, run_worker=False)
        async with gw.services.engine.connect() as conn:
            rows = (await conn.execute(select(audit_log.c.action).order_by(audit_log.c.seq))).scalars().all()
        await stop_gateway(gw)
        return list(rows)

    assert await actions() == ["service.start", "templates.loaded"]
    assert (await actions())[-1] == "service.start"  # unchanged templates: nothing new
    (templates / "email" / "notification.en.subject.j2").write_text("You have a new message\n")
    assert (await actions())[-2:] == ["service.start", "templates.changed"]
