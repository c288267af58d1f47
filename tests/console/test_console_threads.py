"""Threads from the console (SQLite and PostgreSQL): a customer's reply waits in the staff inbox (oldest
first), is assigned, opened (the opening audited and shown on the customer's "my data" page by role
and first name) and answered through billing's pipeline with the usual content-free e-mail."""

from __future__ import annotations

import re

from sqlalchemy import select

from gateway.clock import FakeClock
from gateway.delivery.devmail import MailSink
from gateway.storage.schema import audit_log
from tests.console.console_helpers import console_client, enrol, sign_in
from tests.portal.portal_helpers import PortalClient
from tests.support.factories import put_customer as add_customer
from tests.support.factories import send
from tests.support.service import Gateway, wait_for


async def _customer_replies(gw: Gateway, customer_id: str, message_id: str, text: str) -> None:
    customer = PortalClient(gw)
    await customer.sign_in(customer_id)
    page = await customer.get(f"/portal/messages/{message_id}")
    answer = await customer.post(f"/portal/messages/{message_id}/replies", {"body": text}, csrf=page.csrf)
    assert answer.status == 303
    await customer.close()


async def test_inbox_assign_open_answer_and_the_customer_sees_who_read(gw: Gateway, clock: FakeClock,
                                                                       sink: MailSink) -> None:
    token = await gw.token()
    await add_customer(gw, token, "c-1")
    await add_customer(gw, token, "c-2")
    first = await send(gw, token, "c-1", "k-1", subject="Faktura oktober", body="Beløpet er 512 kr.", attachment=None)
    second = await send(gw, token, "c-2", "k-2", subject="Faktura november", body="Beløpet er 300 kr.",
                        attachment=None)
    await _customer_replies(gw, "c-1", first, "Kan jeg dele opp betalingen?")
    await _customer_replies(gw, "c-2", second, "Hvorfor er beløpet lavere?")
    agent = await enrol(gw, clock, "line.agent@kraft.example.no", "agent")
    client = console_client(gw)
    assert (await sign_in(client, clock, agent)).location == "/console/"

    page = await client.get("/console/inbox")
    order = re.findall(r'href="/console/messages/([A-Za-z0-9_-]+)#reply-', page.text)
    assert order == [first, second]  # oldest first
    reply_id = re.search(r'id="w-([A-Za-z0-9_-]+)"', page.text).group(1)
    assigned = await client.post(f"/console/replies/{reply_id}/assign", {"staff_id": agent.staff_id}, csrf=page.csrf)
    assert assigned.status == 303
    assert "Tildelt: Line" in (await client.get("/console/inbox")).text

    page = await client.get(f"/console/messages/{first}")
    assert page.status == 200 and "Kan jeg dele opp betalingen?" in page.text and "Beløpet er 512 kr." in page.text
    mails_before = len(sink.mails)
    refused = await client.post(f"/console/messages/{first}/answer", {
        "subject": "Re: Faktura oktober", "body": "Send oss kortnummeret ditt, så ordner vi det.",
        "draft_id": "answer-1", "mode": "free"}, csrf=page.csrf)
    assert refused.status == 422 and 'data-rule="request.card_number"' in refused.text
    answered = await client.post(f"/console/messages/{first}/answer", {
        "subject": "Re: Faktura oktober", "body": "Ja, du kan dele betalingen i to. Vi har ordnet det.",
        "draft_id": "answer-1", "mode": "free"}, csrf=refused.csrf)
    assert answered.status == 303
    answer_id = answered.location.rsplit("answered=", 1)[1]
    await wait_for(lambda: any(f"/portal/messages/{answer_id}" in m.part("plain") for m in sink.mails))
    mail = next(m for m in sink.mails if f"/portal/messages/{answer_id}" in m.part("plain"))
    assert "dele betalingen" not in mail.part("plain") and len(sink.mails) > mails_before
    inbox = await client.get("/console/inbox")
    assert re.findall(r'href="/console/messages/([A-Za-z0-9_-]+)#reply-', inbox.text) == [second]
    await client.close()

    customer = PortalClient(gw)
    await customer.sign_in("c-1")
    page = await customer.get("/portal/my-data")
    assert "Line (kundebehandler)" in page.text and "line.agent" not in page.text
    page = await customer.get(f"/portal/messages/{answer_id}")
    assert "Ja, du kan dele betalingen i to." in page.text
    await customer.close()
    other = PortalClient(gw)
    await other.sign_in("c-2")
    assert "Ingen ansatte har åpnet meldingene dine." in (await other.get("/portal/my-data")).text
    await other.close()
    async with gw.services.engine.connect() as conn:
        actions = [r.action for r in await conn.execute(select(audit_log.c.action).where(
            audit_log.c.actor == f"staff:{agent.staff_id}").order_by(audit_log.c.seq))]
    assert actions.count("console.message.read") == 2  # the page, and the page again with the refusal
    assert "console.reply.assign" in actions and "console.reply.answer" in actions and "message.create" in actions
