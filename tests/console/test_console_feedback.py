"""Delivery feedback in the console (SQLite and PostgreSQL), end to end: notifications go through the
worker to aiosmtpd, their delivery status notifications and a reply by e-mail come back over SMTP to
the real inbound server, and the console's customer and thread pages show each bounce with its
status code and diagnostic, the "undeliverable since" warning, and where in the thread the customer
tried to reply by e-mail, without anything of what they wrote."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from gateway.clock import FakeClock
from gateway.console.threads import email_attempts
from gateway.inbound import InboundHandler, InboundServer
from gateway.storage.schema import customers, notifications
from tests.console.console_helpers import console_client, enrol, sign_in
from tests.feedback.support import dsn, smtp_send
from tests.feedback.test_replies import NO_REPLY, REPLY_CANARY, REPLY_NATIONAL_ID, reply
from tests.portal.portal_helpers import PortalClient
from tests.support.factories import put_customer as add_customer
from tests.support.factories import send
from tests.support.service import Gateway, wait_for

EMAIL = "frida@example.no"


@pytest.fixture
async def inbound(gw: Gateway) -> AsyncIterator[InboundServer]:
    # The system clock, as the portal's replies have: the thread puts both in time order.
    s = gw.services
    server = await InboundServer(InboundHandler(s.engine, s.crypto, s.settings, s.dkim), "127.0.0.1", 0).start()
    yield server
    await server.stop()


async def portal_reply(gw: Gateway, customer_id: str, message_id: str, text: str) -> None:
    customer = PortalClient(gw)
    try:
        await customer.sign_in(customer_id)
        page = await customer.get(f"/portal/messages/{message_id}")
        assert (await customer.post(f"/portal/messages/{message_id}/replies", {"body": text},
                                    csrf=page.csrf)).status == 303
    finally:
        await customer.close()


async def bounced_and_tried(gw: Gateway, inbound: InboundServer, clock: FakeClock, customer_id: str) -> list[str]:
    """The customer's address bounces hard until it is undeliverable; on the first message the customer
    replies in the portal, then by e-mail, then in the portal again; one more e-mail names no message.
    Returns the message ids, oldest first."""
    token = await gw.token()
    await add_customer(gw, token, customer_id, email=EMAIL)
    limit = gw.services.settings.hard_bounce_limit
    ids = []
    for n in range(limit):
        ids.append(await send(gw, token, customer_id, f"{customer_id}-{n}", subject=f"Faktura {n}",
                              body="Fakturaen din er klar.", attachment=None))
    # Due at the time the API gave them (the system clock's); then the clock stands still until the
    # worker has recorded every send (a lease must not expire under it).
    async with gw.services.engine.connect() as conn:
        due = (await conn.execute(select(func.max(notifications.c.next_attempt_at)))).scalar_one()
    clock.advance_to(max(due, clock.now()))
    await wait_for(lambda: _all_sent(gw, customer_id, limit))
    first = next(m for m in gw.sink.mails if f"/portal/messages/{ids[0]}" in m.part("plain"))
    notification_id = first.message["Message-ID"].strip("<>").split("@")[0]

    await portal_reply(gw, customer_id, ids[0], "Første svar i portalen")
    await smtp_send(inbound.port, reply(EMAIL, notification_id), sender=EMAIL, to=NO_REPLY)
    await wait_for(lambda: _attempts(gw, customer_id, 1))
    await portal_reply(gw, customer_id, ids[0], "Andre svar i portalen")
    await smtp_send(inbound.port, reply(EMAIL, None, "X-Second: 1"), sender=EMAIL, to=NO_REPLY)
    await wait_for(lambda: _attempts(gw, customer_id, 2))

    for mail in list(gw.sink.mails)[:limit]:
        await smtp_send(inbound.port, dsn(mail.mail_from, EMAIL), sender="", to=mail.mail_from)
    return ids


async def _all_sent(gw: Gateway, customer_id: str, count: int) -> bool:
    async with gw.services.engine.connect() as conn:
        statuses = list((await conn.execute(select(notifications.c.status)
                                            .where(notifications.c.customer_id == customer_id))).scalars())
    return statuses == ["sent"] * count and len(gw.sink.mails) == count


async def _attempts(gw: Gateway, customer_id: str, count: int) -> bool:
    return len(await email_attempts(gw.services.engine, customer_id)) == count


async def test_bounces_undeliverable_address_and_reply_attempts_show_in_the_console(
        gw: Gateway, inbound: InboundServer, clock: FakeClock) -> None:
    ids = await bounced_and_tried(gw, inbound, clock, "f-1")
    async with gw.services.engine.connect() as conn:
        since = (await conn.execute(select(customers.c.email_undeliverable_at)
                                    .where(customers.c.id == "f-1"))).scalar_one()
        statuses = set((await conn.execute(select(notifications.c.status)
                                           .where(notifications.c.customer_id == "f-1"))).scalars())
    assert since is not None and statuses == {"bounced"}

    agent = await enrol(gw, clock, "agent@kraft.example.no", "agent")
    client = console_client(gw)
    try:
        await sign_in(client, clock, agent)
        page = await client.get("/console/customers/f-1")
        assert page.status == 200
        assert f"E-postadressen er ikke leverbar siden {since.strftime('%d.%m.%Y %H:%M')}" in page.text
        for message_id in ids:
            row = page.text.split(f'<tr id="m-{message_id}">', 1)[1].split("</tr>", 1)[0]
            assert 'data-status="bounced"' in row and "statuskode 5.1.1" in row
            assert "Recipient address rejected" in row
        attempts = page.text.split('class="attempts"', 1)[1].split("</ul>", 1)[0]
        assert attempts.count("Kunden prøvde å svare på e-post") == 2
        assert f'href="/console/messages/{ids[0]}"' in attempts and "uten henvisning til en melding" in attempts

        thread = await client.get(f"/console/messages/{ids[0]}")
        status = thread.text.split('id="delivery-status">', 1)[1].split("</dd>", 1)[0]
        assert "bounced" in status and "statuskode 5.1.1" in status and "Recipient address rejected" in status
        text = thread.text
        # In time order: the first portal reply, the e-mail attempt, the second portal reply.
        assert text.index("Første svar i portalen") < text.index("Kunden prøvde å svare på e-post") \
            < text.index("Andre svar i portalen")
        assert text.count("Kunden prøvde å svare på e-post") == 1  # the one that named no message is not here
        for secret in (REPLY_CANARY, REPLY_NATIONAL_ID):
            assert secret not in text and secret not in page.text

        english = await client.post("/console/language", {"lang": "en", "next": f"/console/messages/{ids[0]}"},
                                    csrf=thread.csrf)
        assert english.status == 303
        thread = await client.get(f"/console/messages/{ids[0]}")
        assert "The customer tried to reply by e-mail" in thread.text and "status code 5.1.1" in thread.text
        page = await client.get("/console/customers/f-1")
        assert "E-mail address undeliverable since" in page.text
    finally:
        await client.close()
