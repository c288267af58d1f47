"""Held notifications from the console (SQLite and PostgreSQL): only an admin releases or cancels one;
a release passes the guard again first and hands the job back to the outbox; both are audited."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select, update

from gateway.clock import FakeClock
from gateway.delivery.devmail import MailSink
from gateway.settings import Settings
from gateway.storage.schema import audit_log, notifications
from tests.console.console_helpers import console_client, enrol, sign_in, start_console_gateway
from tests.portal.portal_helpers import add_customer, send
from tests.support.service import Gateway, stop_gateway


@pytest.fixture
async def gw(settings: Settings, sink: MailSink) -> AsyncIterator[Gateway]:
    clock = FakeClock()
    # No worker: the test stands in for its decision to hold, and then reads what the console did.
    running = await start_console_gateway(settings, sink, clock, run_worker=False)
    running.clock = clock  # type: ignore[attr-defined]
    yield running
    await stop_gateway(running)


async def _status(gw: Gateway, message_id: str) -> tuple[str, str | None]:
    async with gw.services.engine.connect() as conn:
        row = (await conn.execute(select(notifications.c.status, notifications.c.last_error)
                                  .where(notifications.c.message_id == message_id))).one()
    return row.status, row.last_error


async def test_only_an_admin_releases_or_cancels_a_held_notification(gw: Gateway) -> None:
    clock: FakeClock = gw.clock  # type: ignore[attr-defined]
    token = await gw.token()
    await add_customer(gw, token, "h-1")
    held = [await send(gw, token, "h-1", f"h-{i}", attachment=None) for i in range(2)]
    async with gw.services.engine.begin() as conn:
        await conn.execute(update(notifications).where(notifications.c.message_id.in_(held))
                           .values(status="held", last_error="held by content guard: link.token"))
    agent, admin = await enrol(gw, clock, "a@kraft.example.no", "agent"), await enrol(gw, clock, "b@kraft.example.no",
                                                                                        "admin")
    agent_client, admin_client = console_client(gw), console_client(gw)
    await sign_in(agent_client, clock, agent)
    await sign_in(admin_client, clock, admin)
    try:
        page = await agent_client.get(f"/console/messages/{held[0]}")
        assert "/release" not in page.text
        assert (await agent_client.post(f"/console/messages/{held[0]}/release", {}, csrf=page.csrf)).status == 403
        page = await admin_client.get(f"/console/messages/{held[0]}")
        assert "held by content guard" in page.text and f"/console/messages/{held[0]}/release" in page.text
        released = await admin_client.post(f"/console/messages/{held[0]}/release", {}, csrf=page.csrf)
        assert released.status == 303
        assert await _status(gw, held[0]) == ("pending", None)
        page = await admin_client.get(f"/console/messages/{held[1]}")
        assert (await admin_client.post(f"/console/messages/{held[1]}/cancel", {}, csrf=page.csrf)).status == 303
        assert await _status(gw, held[1]) == ("failed", "cancelled by staff")
        # Neither is held any more: a second release is a bad request, not a second send.
        assert (await admin_client.post(f"/console/messages/{held[0]}/release", {}, csrf=page.csrf)).status == 400
    finally:
        await agent_client.close()
        await admin_client.close()
    async with gw.services.engine.connect() as conn:
        entries = [(r.actor, r.action, r.subject) for r in await conn.execute(
            select(audit_log.c.actor, audit_log.c.action, audit_log.c.subject)
            .where(audit_log.c.action.like("notification.%")).order_by(audit_log.c.seq))]
    assert entries == [(f"staff:{admin.staff_id}", "notification.release", held[0]),
                       (f"staff:{admin.staff_id}", "notification.cancel", held[1])]
