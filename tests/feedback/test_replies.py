"""Replies to a notification: nothing of what the customer wrote is stored or logged, the sender gets
one content-free automatic answer a day (RFC 3834) and none to automatic mail, and a known customer's
attempt is recorded (who, about which message) for the console thread."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway import metrics
from gateway.clock import FakeClock
from gateway.inbound import InboundHandler, InboundServer, attempts_for
from gateway.storage.schema import metadata, reply_attempts
from tests.feedback.support import smtp_send
from tests.support.factories import canary_notice
from tests.support.factories import put_canary_customer as add_customer
from tests.support.service import Gateway, wait_for

REPLY_NATIONAL_ID = "15076500565"
REPLY_CANARY = "Zanzibar-reply-canary"
NO_REPLY = "no-reply@kraft.example.no"


def reply(sender: str, notification_id: str | None, *extra: str) -> bytes:
    refs = f"In-Reply-To: <{notification_id}@kraft.example.no>\r\n" if notification_id else ""
    return (f"From: Ragnhild <{sender}>\r\nTo: {NO_REPLY}\r\nSubject: Re: fnr {REPLY_NATIONAL_ID}\r\n"
            f"Message-ID: <r-{abs(hash((sender, extra)))}@example.no>\r\n{refs}" + "".join(f"{h}\r\n" for h in extra)
            + f"\r\nHei, mitt fødselsnummer er {REPLY_NATIONAL_ID}. {REPLY_CANARY}\r\n").encode()


@pytest.fixture
async def clocked(gateway: Gateway) -> AsyncIterator[tuple[InboundServer, FakeClock]]:
    clock = FakeClock()
    s = gateway.services
    server = await InboundServer(InboundHandler(s.engine, s.crypto, s.settings, s.dkim, clock), "127.0.0.1", 0).start()
    yield server, clock
    await server.stop()


def answers(gw: Gateway) -> list[str]:
    return [m.rcpt_tos[0] for m in gw.sink.mails if m.message["Auto-Submitted"] == "auto-replied"]


async def test_reply_is_answered_once_a_day_and_nothing_of_it_is_kept(
        gateway: Gateway, clocked: tuple[InboundServer, FakeClock], caplog: pytest.LogCaptureFixture,
        database_url: str) -> None:
    caplog.set_level(logging.DEBUG)
    server, clock = clocked
    token = await gateway.token()
    await add_customer(gateway, token)
    status, body, _ = await gateway.request("POST", "/api/v1/messages", token=token, json=canary_notice(),
                                            headers={"Idempotency-Key": "r-1"})
    assert status == 201
    await wait_for(lambda: len(gateway.sink.mails) == 1)
    notification_id = gateway.sink.mails[0].message["Message-ID"].strip("<>").split("@")[0]
    known_before = metrics.REGISTRY.get_sample_value("gateway_inbound_mail_total", {"kind": "reply_known_customer"})

    await smtp_send(server.port, reply("ragnhild@example.no", notification_id), sender="ragnhild@example.no",
                    to=NO_REPLY)
    await wait_for(lambda: answers(gateway) == ["ragnhild@example.no"])
    answer = gateway.sink.mails[-1]
    assert answer.mail_from in ("", "<>")  # the null sender: nothing bounces back to anyone
    assert answer.message["In-Reply-To"].startswith("<r-")
    text = answer.part("plain")
    assert "https://min.example.no/portal/" in text
    for secret in (REPLY_NATIONAL_ID, REPLY_CANARY):
        assert secret not in answer.raw.decode("utf-8", "replace")

    # Same sender again the same day, an automatic reply, a mailing list: no answer. Then a new
    # sender gets one, which shows the three before it were processed and left unanswered.
    await smtp_send(server.port, reply("ragnhild@example.no", None, "X-Again: 1"), sender="ragnhild@example.no",
                    to=NO_REPLY)
    await smtp_send(server.port, reply("robot@example.no", None, "Auto-Submitted: auto-replied"),
                    sender="robot@example.no", to=NO_REPLY)
    await smtp_send(server.port, reply("list@example.no", None, "List-Id: <talk.example.no>"),
                    sender="list@example.no", to=NO_REPLY)
    await smtp_send(server.port, reply("ola@example.no", None), sender="ola@example.no", to=NO_REPLY)
    await wait_for(lambda: len(answers(gateway)) == 2)
    assert answers(gateway) == ["ragnhild@example.no", "ola@example.no"]
    # A day later the customer may get one again.
    clock.advance(24 * 3600 + 1)
    await smtp_send(server.port, reply("ragnhild@example.no", None, "X-Later: 1"), sender="ragnhild@example.no",
                    to=NO_REPLY)
    await wait_for(lambda: len(answers(gateway)) == 3)

    async with gateway.services.engine.connect() as conn:
        attempts = (await conn.execute(select(reply_attempts.c.customer_id, reply_attempts.c.message_id)
                                       .order_by(reply_attempts.c.received_at))).all()
        everything = [str(tuple(row)) for table in metadata.sorted_tables
                      for row in (await conn.execute(select(table))).all()]
    # Known customer: three attempts recorded (the first tied to its message), strangers none.
    assert next(tuple(a) for a in attempts) == ("c-1", body["id"])
    assert len(attempts) == 3 and {a.customer_id for a in attempts} == {"c-1"}
    # What the console thread shows: that the customer tried, when, and about which message.
    thread = await attempts_for(gateway.services.engine, "c-1")
    assert [a.message_id for a in thread] == [body["id"], None, None]
    assert metrics.REGISTRY.get_sample_value("gateway_inbound_mail_total", {"kind": "reply_known_customer"}) \
        == (known_before or 0) + 3
    for secret in (REPLY_NATIONAL_ID, REPLY_CANARY, "ola@example.no", "robot@example.no"):
        assert not any(secret in row for row in everything), f"{secret} stored"
        assert secret not in caplog.text, f"{secret} logged"
    if database_url.startswith("sqlite"):
        path = Path(database_url.split("///", 1)[1])
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        for secret in (REPLY_NATIONAL_ID, REPLY_CANARY):
            assert secret.encode() not in raw, f"{secret} in the database file"
