"""Status callbacks: a receiver that is down for a while gets every event afterwards, in order per
message, each signature verified with the standardwebhooks package; events that were given up are
visible and come again on replay; the URL rules."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import sqlite3
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, make_url, select

from gateway.callbacks.dispatch import Dispatcher
from gateway.clock import FakeClock
from gateway.delivery.devmail import MailSink
from gateway.delivery.worker import Worker
from gateway.inbound import InboundHandler
from gateway.settings import Settings
from gateway.storage.schema import callback_events
from tests.feedback.support import Receiver, by_message, dsn
from tests.support.factories import canary_notice
from tests.support.factories import put_canary_customer as add_customer
from tests.support.service import Gateway, start_gateway, stop_gateway
from tests.support.sqlite_lock import take_write_lock


@pytest.fixture
async def quiet(settings: Settings, sink: MailSink) -> AsyncIterator[Gateway]:
    """The service without its own worker and dispatcher: the test drives them on a FakeClock."""
    settings = dataclasses.replace(settings, callback_retry_base_seconds=1.0, callback_give_up_seconds=60.0)
    running = await start_gateway(settings, sink, run_worker=False)
    yield running
    await stop_gateway(running)


async def pending(gw: Gateway) -> int:
    async with gw.services.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).where(callback_events.c.status == "pending"))).scalar_one())


async def make_events(gw: Gateway, token: str, count: int) -> list[str]:
    """`count` messages, each sent (worker) and then bounced (inbound): two events per message."""
    await add_customer(gw, token)
    ids = []
    for n in range(count):
        status, body, _ = await gw.request("POST", "/api/v1/messages", token=token, json=canary_notice(),
                                           headers={"Idempotency-Key": f"cb-{n}"})
        assert status == 201
        ids.append(body["id"])
    while await Worker(gw.services).run_once():
        pass
    handler = InboundHandler(gw.services.engine, gw.services.crypto, gw.services.settings, None)
    for mail in gw.sink.mails:
        token_part = mail.mail_from.split("+")[1].split("@")[0]
        assert await handler.bounce(token_part, dsn(mail.mail_from, "x@example.no")) in ("bounced", "undeliverable")
    return ids


async def test_receiver_down_for_a_while_gets_every_event_afterwards_in_order(quiet: Gateway) -> None:
    gw = quiet
    receiver = Receiver()  # not listening yet: connection refused
    token = await gw.token()
    status, callback, _ = await gw.request("PUT", "/api/v1/callbacks", token=token, json={"url": receiver.url})
    assert status == 201
    ids = await make_events(gw, token, 4)
    assert await pending(gw) == 8

    clock = FakeClock()
    async with Dispatcher(gw.services.engine, gw.services.crypto.keyring, gw.services.settings, clock=clock) as d:
        # Down: only the head of each message's queue is tried, and it waits for its backoff.
        assert await d.run_once() == 4
        assert await d.run_once() == 0
        clock.advance(1.5)
        assert await d.run_once() == 4
        assert await pending(gw) == 8
        await receiver.up()
        try:
            for _ in range(20):
                clock.advance(5)
                await d.run_once()
                if not await pending(gw):
                    break
            events = receiver.events(callback["secret"])
        finally:
            await receiver.down()
    assert by_message(events) == {message_id: ["sent", "bounced"] for message_id in ids}
    assert len({e["webhook_id"] for e in events}) == 8
    status, state, _ = await gw.request("GET", "/api/v1/callbacks", token=token)
    assert state["events"] == {"pending": 0, "delivered": 8, "failed": 0}


@contextlib.asynccontextmanager
async def write_lock_held(gw: Gateway) -> AsyncIterator[None]:
    """SQLite: another connection holds the database's write lock (as a long write of another
    process would). PostgreSQL has no file lock: nothing to hold."""
    url = make_url(gw.services.settings.database_url)
    if not url.drivername.startswith("sqlite"):
        yield
        return
    other = sqlite3.connect(url.database or "", timeout=0, isolation_level=None)
    try:
        await take_write_lock(other)
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


async def test_an_idle_poll_takes_no_write_lock_and_due_events_are_still_claimed(quiet: Gateway) -> None:
    gw = quiet
    token = await gw.token()
    status, _, _ = await gw.request("PUT", "/api/v1/callbacks", token=token, json={"url": Receiver().url})
    assert status == 201
    clock = FakeClock()
    async with Dispatcher(gw.services.engine, gw.services.crypto.keyring, gw.services.settings, clock=clock) as d:
        async with write_lock_held(gw):
            # Nothing due: the poll answers at once instead of waiting for the lock (up to 30 s).
            assert await asyncio.wait_for(d.run_once(), timeout=10) == 0
        await make_events(gw, token, 1)
        clock.advance(5)  # the clock was started before the events were made
        assert await d.run_once() == 1  # the receiver is down: tried once, left for its backoff
    assert await pending(gw) == 2


async def test_given_up_events_are_visible_and_replayable(quiet: Gateway) -> None:
    gw = quiet
    receiver = Receiver()
    token = await gw.token()
    status, callback, _ = await gw.request("PUT", "/api/v1/callbacks", token=token, json={"url": receiver.url})
    ids = await make_events(gw, token, 2)
    clock = FakeClock()
    async with Dispatcher(gw.services.engine, gw.services.crypto.keyring, gw.services.settings, clock=clock) as d:
        await d.run_once()
        clock.advance(61)  # past GATEWAY_CALLBACK_GIVE_UP_SECONDS: the heads give up, the next ones try
        while await d.run_once():
            clock.advance(61)
        status, state, _ = await gw.request("GET", "/api/v1/callbacks", token=token)
        assert state["events"] == {"pending": 0, "delivered": 0, "failed": 4}

        await receiver.up()
        try:
            status, replayed, _ = await gw.request("POST", "/api/v1/callbacks/replay", token=token, json={})
            assert (status, replayed) == (200, {"replayed": 4})
            clock.advance(1)
            while await d.run_once():
                pass
            events = receiver.events(callback["secret"])
        finally:
            await receiver.down()
    assert by_message(events) == {message_id: ["sent", "bounced"] for message_id in ids}


async def test_replay_since_beyond_the_utc_range_is_clamped_not_a_500(quiet: Gateway) -> None:
    gw = quiet
    token = await gw.token()
    receiver = Receiver()
    await gw.request("PUT", "/api/v1/callbacks", token=token, json={"url": receiver.url})
    await make_events(gw, token, 1)
    await receiver.up()
    try:
        async with Dispatcher(gw.services.engine, gw.services.crypto.keyring, gw.services.settings) as d:
            while await d.run_once():
                pass  # both events delivered
    finally:
        await receiver.down()

    async def replayed(since: str) -> object:
        status, body, _response = await gw.request("POST", "/api/v1/callbacks/replay", token=token,
                                                  json={"since": since, "include_delivered": True})
        assert status == 200, body
        return body["replayed"]

    # A replay makes what it finds pending again: first the one that finds nothing, then all.
    assert await replayed("9999-12-31T23:59:59-14:00") == 0  # after year 9999 in UTC: none
    assert await replayed("0001-01-01T00:00:00+01:00") == 2  # before year 1 in UTC: both events


async def test_callback_url_rules_and_secret(quiet: Gateway) -> None:
    gw = quiet
    token = await gw.token()
    for bad in ("ftp://billing.example.no/hook", "https://user:pw@billing.example.no/", "not a url", 42,
                "https://billing.example.no/hook#frag"):
        status, body, response = await gw.request("PUT", "/api/v1/callbacks", token=token, json={"url": bad})
        assert status == 422 and response.content_type == "application/problem+json", body
    status, first, _ = await gw.request("PUT", "/api/v1/callbacks", token=token,
                                        json={"url": "https://billing.example.no/hook"})
    assert status == 201
    status, same, _ = await gw.request("PUT", "/api/v1/callbacks", token=token,
                                       json={"url": "https://billing.example.no/hook2"})
    assert status == 200 and same["secret"] == first["secret"]
    status, rotated, _ = await gw.request("PUT", "/api/v1/callbacks", token=token,
                                          json={"url": "https://billing.example.no/hook2", "rotate_secret": True})
    assert rotated["secret"] != first["secret"]
    status, _, _ = await gw.request("PUT", "/api/v1/callbacks", json={"url": "https://billing.example.no/hook"})
    assert status == 401


async def test_production_takes_https_only(settings: Settings, sink: MailSink) -> None:
    from gateway.callbacks.registry import check_url
    from gateway.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        check_url("http://billing.example.no/hook", production=True)
    assert check_url("https://billing.example.no/hook", production=True) == "https://billing.example.no/hook"


async def test_reading_in_the_portal_calls_back_read_after_sent(gateway: Gateway) -> None:
    from tests.portal.portal_helpers import PortalClient
    from tests.support.factories import put_customer as portal_customer
    from tests.support.factories import send
    from tests.support.service import wait_for

    receiver = await Receiver().up()
    try:
        token = await gateway.token()
        status, callback, _ = await gateway.request("PUT", "/api/v1/callbacks", token=token,
                                                    json={"url": receiver.url})
        assert status == 201
        await portal_customer(gateway, token, "reader")
        message_id = await send(gateway, token, "reader", "read-1")
        await wait_for(lambda: len(receiver.received) == 1)
        client = PortalClient(gateway)
        await client.sign_in("reader")
        assert (await client.get(f"/portal/messages/{message_id}")).status == 200
        assert (await client.get(f"/portal/messages/{message_id}")).status == 200  # read once, one event
        await client.close()
        await wait_for(lambda: len(receiver.received) >= 2)
        # A client without a callback URL gets no events written for it at all.
        other = await gateway.token(name="other")
        await portal_customer(gateway, other, "quiet")
        await send(gateway, other, "quiet", "quiet-1")
        await wait_for(lambda: len(gateway.sink.mails) == 2)
        await wait_for(lambda: status_sent(gateway))
        events = receiver.events(callback["secret"])
    finally:
        await receiver.down()
    assert by_message(events) == {message_id: ["sent", "read"]}
    async with gateway.services.engine.connect() as conn:
        total = (await conn.execute(select(func.count()).select_from(callback_events))).scalar_one()
    assert total == 2


async def status_sent(gw: Gateway) -> bool:
    from gateway.storage.schema import notifications

    async with gw.services.engine.connect() as conn:
        statuses = (await conn.execute(select(notifications.c.status))).scalars().all()
    return set(statuses) == {"sent"}
