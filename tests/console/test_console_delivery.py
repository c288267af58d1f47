"""Held notifications from the console (SQLite and PostgreSQL): only an admin releases or cancels one;
a release passes the guard again first and hands the job back to the outbox; both are audited. And
the auditor's view of the log: filters, CSV, no content."""

from __future__ import annotations

from sqlalchemy import select, update

from gateway.clock import FakeClock
from gateway.storage.schema import audit_log, notifications
from tests.console.console_helpers import console_client, enrol, sign_in
from tests.support.factories import put_customer as add_customer
from tests.support.factories import send
from tests.support.service import Gateway

# No worker: the test stands in for its decision to hold, and then reads what the console did.
RUN_WORKER = False  # read by the gw fixture in conftest.py


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


async def test_the_auditor_filters_the_log_and_exports_csv_but_reads_no_content(gw: Gateway) -> None:
    clock: FakeClock = gw.clock  # type: ignore[attr-defined]
    token = await gw.token()
    await add_customer(gw, token, "au-1")
    message_id = await send(gw, token, "au-1", "au-k", subject="Hemmelig emne", attachment=None)
    agent, auditor = await enrol(gw, clock, "c@kraft.example.no", "agent"), await enrol(gw, clock,
                                                                                          "d@kraft.example.no",
                                                                                          "auditor")
    agent_client, auditor_client = console_client(gw), console_client(gw)
    await sign_in(agent_client, clock, agent)
    await sign_in(auditor_client, clock, auditor)
    try:
        assert (await agent_client.get(f"/console/messages/{message_id}")).status == 200
        assert (await auditor_client.get(f"/console/messages/{message_id}")).status == 403  # no content
        assert (await agent_client.get("/console/audit")).status == 403
        page = await auditor_client.get(f"/console/audit?actor=staff:{agent.staff_id}&action=console.message.read")
        assert page.status == 200 and page.text.count("<td>console.message.read</td>") == 1 \
            and "<td>au-1</td>" in page.text
        assert "Hemmelig emne" not in page.text
        page = await auditor_client.get("/console/audit?customer=au-1")
        assert "<td>message.create</td>" in page.text and "<td>console.message.read</td>" in page.text
        assert "<td>staff.signin</td>" not in page.text
        page = await auditor_client.get("/console/audit?action=staff.")
        assert "<td>staff.signin</td>" in page.text and "<td>message.create</td>" not in page.text
        assert (await auditor_client.get("/console/audit?since=not-a-date")).status == 400
        csv_page = await auditor_client.get("/console/audit.csv?customer=au-1")
        assert csv_page.status == 200 and csv_page.headers["Content-Type"].startswith("text/csv")
        lines = csv_page.text.strip().splitlines()
        assert lines[0] == "seq,at,actor,action,subject,details" and len(lines) >= 3
        assert any(f"staff:{agent.staff_id},console.message.read,au-1" in line for line in lines)
    finally:
        await agent_client.close()
        await auditor_client.close()
    async with gw.services.engine.connect() as conn:
        looked = [r.action for r in await conn.execute(select(audit_log.c.action).where(
            audit_log.c.actor == f"staff:{auditor.staff_id}", audit_log.c.action.like("audit.%")))]
    assert looked.count("audit.view") == 3 and looked.count("audit.export") == 1  # the refused filter is not a view
