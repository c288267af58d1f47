"""Bounces end to end: a notification through the real pipeline to aiosmtpd, its DSN delivered over
SMTP to the inbound server, the status `bounced`, and the client's callbacks received and verified
with the standardwebhooks package; repeated hard bounces make the address undeliverable until
billing changes it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiosmtplib
import pytest
from sqlalchemy import select

from gateway.inbound import InboundHandler, InboundServer, bounces
from gateway.inbound.dsn import Report
from gateway.storage.schema import audit_log, customers
from gateway.storage.writer import writer_for
from tests.feedback.support import Receiver, by_message, dsn, smtp_send
from tests.support.factories import canary_notice
from tests.support.factories import put_canary_customer as add_customer
from tests.support.service import Gateway, wait_for


@pytest.fixture
async def inbound(gateway: Gateway) -> AsyncIterator[InboundServer]:
    s = gateway.services
    server = await InboundServer(InboundHandler(s.engine, s.crypto, s.settings, s.dkim), "127.0.0.1", 0).start()
    yield server
    await server.stop()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    running = await Receiver().up()
    yield running
    await running.down()


async def send_message(gw: Gateway, token: str, key: str) -> str:
    status, body, _ = await gw.request("POST", "/api/v1/messages", token=token, json=canary_notice(),
                                       headers={"Idempotency-Key": key})
    assert status == 201, body
    return str(body["id"])


async def notification(gw: Gateway, token: str, message_id: str) -> dict[str, object]:
    status, body, _ = await gw.request("GET", f"/api/v1/messages/{message_id}", token=token)
    assert status == 200, body
    return dict(body["notification"])


async def test_dsn_over_smtp_marks_bounced_and_calls_back(gateway: Gateway, inbound: InboundServer,
                                                          receiver: Receiver) -> None:
    token = await gateway.token()
    status, callback, _ = await gateway.request("PUT", "/api/v1/callbacks", token=token, json={"url": receiver.url})
    assert status == 201, callback
    assert callback["secret"].startswith("whsec_")
    await add_customer(gateway, token)
    message_id = await send_message(gateway, token, "b-1")
    await wait_for(lambda: len(gateway.sink.mails) == 1)
    bounce_address = gateway.sink.mails[0].mail_from
    local, _, domain = bounce_address.partition("@")
    assert local.startswith("bounce+") and len(local) == len("bounce+") + 32 and domain == "kraft.example.no"
    # The worker records "sent" once the hand-off has returned, a moment after the sink has the mail;
    # a real bounce comes after that.
    await wait_for(lambda: notification_status(gateway, token, message_id, "sent"))

    await smtp_send(inbound.port, dsn(bounce_address, "ragnhild@example.no"), sender="", to=bounce_address)
    state = await notification(gateway, token, message_id)
    assert state["status"] == "bounced"
    bounce = state["bounce"]
    assert isinstance(bounce, dict) and bounce["status"] == "5.1.1"
    assert "Recipient address rejected" in bounce["diagnostic"] and "ragnhild" not in bounce["diagnostic"]

    await wait_for(lambda: len(receiver.received) >= 2)
    events = receiver.events(callback["secret"])  # raises unless every signature verifies
    assert by_message(events) == {message_id: ["sent", "bounced"]}
    assert [e["type"] for e in events] == ["message.sent", "message.bounced"]
    # Ids, statuses and times only.
    assert set(events[1]["data"]) == {"message_id", "status", "occurred_at"}
    assert "ragnhild" not in str(events) and "Canary" not in str(events)


async def test_unknown_recipients_are_refused(gateway: Gateway, inbound: InboundServer) -> None:
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
        await aiosmtplib.send(b"Subject: x\r\n\r\nx\r\n", sender="a@example.no",
                              recipients=["someone@kraft.example.no"], hostname="127.0.0.1", port=inbound.port)
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
        await smtp_send(inbound.port, b"Subject: x\r\n\r\nx\r\n", sender="", to="bounce+zz@kraft.example.no")


async def test_repeated_hard_bounces_make_the_address_undeliverable_until_billing_changes_it(
        gateway: Gateway, inbound: InboundServer) -> None:
    token = await gateway.token()
    await add_customer(gateway, token)
    limit = gateway.services.settings.hard_bounce_limit
    ids = [await send_message(gateway, token, f"h-{n}") for n in range(limit)]
    await wait_for(lambda: len(gateway.sink.mails) == limit)
    for i in ids:
        await wait_for(lambda i=i: notification_status(gateway, token, i, "sent"))
    for mail in gateway.sink.mails:
        await smtp_send(inbound.port, dsn(mail.mail_from, "ragnhild@example.no"), sender="", to=mail.mail_from)
    assert [(await notification(gateway, token, i))["status"] for i in ids] == ["bounced"] * limit

    held_back = await send_message(gateway, token, "h-after")
    await wait_for(lambda: notification_status(gateway, token, held_back, "undeliverable"))
    assert len(gateway.sink.mails) == limit  # not sent to the dead address

    # Billing changes the address: the next notice goes out again.
    await add_customer(gateway, token, email="ragnhild.ny@example.no")
    async with gateway.services.engine.connect() as conn:
        row = (await conn.execute(select(customers.c.email_hard_bounces, customers.c.email_undeliverable_at))).one()
    assert row.email_hard_bounces == 0 and row.email_undeliverable_at is None
    fresh = await send_message(gateway, token, "h-new")
    await wait_for(lambda: len(gateway.sink.mails) == limit + 1)
    assert gateway.sink.mails[-1].rcpt_tos == ("ragnhild.ny@example.no",)
    # the sink has it before the worker records it: wait for the record, not just the mail
    await wait_for(lambda: notification_status(gateway, token, fresh, "sent"))


async def notification_status(gw: Gateway, token: str, message_id: str, wanted: str) -> bool:
    return (await notification(gw, token, message_id))["status"] == wanted


async def test_a_delay_notice_and_a_vacation_reply_change_nothing(gateway: Gateway, inbound: InboundServer) -> None:
    token = await gateway.token()
    await add_customer(gateway, token)
    message_id = await send_message(gateway, token, "d-1")
    await wait_for(lambda: len(gateway.sink.mails) == 1)
    address = gateway.sink.mails[0].mail_from
    vacation = (b"From: ragnhild@example.no\r\nAuto-Submitted: auto-replied\r\nSubject: Out of office\r\n\r\n"
                b"I am away until Monday. 550 5.1.1 is not a bounce.\r\n")
    for raw in (dsn(address, "ragnhild@example.no", status="4.4.1", action="delayed"), vacation):
        await smtp_send(inbound.port, raw, sender="", to=address)
    await smtp_send(inbound.port, dsn(address, "ragnhild@example.no", status="5.2.2"), sender="", to=address)
    state = await notification(gateway, token, message_id)
    assert state["status"] == "bounced" and state["bounce"]["status"] == "5.2.2"  # type: ignore[index]


async def test_reports_recorded_in_one_group_count_as_they_would_one_by_one(gateway: Gateway) -> None:
    """What the group commit writes in a handful of statements for many reports: the same outcomes,
    counts and audit entries as one report at a time (a duplicate in the same group, a delay, an
    unknown token, the limit reached in the middle of the group)."""
    token = await gateway.token()
    await add_customer(gateway, token)
    ids = [await send_message(gateway, token, f"g-{n}") for n in range(4)]
    await wait_for(lambda: len(gateway.sink.mails) == 4)
    t = [mail.mail_from.split("+", 1)[1].split("@", 1)[0] for mail in gateway.sink.mails]
    hard, delayed = Report("failed", "5.1.1", "user unknown"), Report("delayed", "4.4.1", "")
    now = gateway.services.clock.now()
    outcomes = await writer_for(gateway.services.engine).run(
        bounces.record_many_sync,
        [(t[0], hard), (t[1], delayed), (t[1], hard), (t[0], hard), ("f" * 32, hard), (t[2], hard), (t[3], hard)],
        now, 3)
    assert outcomes == ["bounced", "delayed", "bounced", "duplicate", "unknown", "undeliverable", "bounced"]
    assert sorted([(await notification(gateway, token, i))["status"] for i in ids]) == ["bounced"] * 4
    async with gateway.services.engine.connect() as conn:
        row = (await conn.execute(select(customers.c.email_hard_bounces, customers.c.email_undeliverable_at))).one()
        actions = [a for (a,) in await conn.execute(select(audit_log.c.action)
                                                    .where(audit_log.c.actor == "inbound"))]
    assert row.email_hard_bounces == 4 and row.email_undeliverable_at is not None
    assert sorted(actions) == ["customer.email_undeliverable"] + ["notification.bounced"] * 4
