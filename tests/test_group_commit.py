"""Concurrent message creates are committed together (gateway/billing/group_commit.py, _GroupCommit), yet each
caller gets exactly what running the calls one by one in arrival order would give, and what is
stored matches. Real SQLite file and real PostgreSQL; the calls run concurrently on one event loop,
as concurrent HTTP requests do."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from gateway import billing as messages
from gateway.errors import Conflict, GuardRefused, ValidationFailed
from gateway.settings import Settings
from gateway.storage.schema import audit_log, notifications
from gateway.storage.schema import messages as messages_table
from gateway.web.services import Services
from tests.support.factories import store_customer


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Services]:
    built = Services.build(settings)
    await store_customer(built, "c-1")
    await store_customer(built, "c-2")
    yield built
    await built.close()


def item(body: str, customer_id: str = "c-1") -> messages.MessageInput:
    return messages.parse_message({"customer_id": customer_id, "category": "invoice",
                                   "subject": "Faktura", "body": body}, 1024)


async def create(services: Services, key: str, body: str, customer_id: str = "c-1") -> messages.Outcome:
    [outcome] = await messages.create_many(services, "billing", [(key, item(body, customer_id))])
    return outcome


async def count(services: Services, table: Any) -> int:
    async with services.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def test_concurrent_calls_get_what_one_by_one_would_give(services: Services) -> None:
    calls = [
        create(services, "k-1", "Fakturaen din er klar."),               # stored
        create(services, "k-1", "Et annet innhold."),                    # same key, other request
        create(services, "k-1", "Fakturaen din er klar."),               # same request again
        create(services, "k-2", "Oppgi PIN-koden din på e-post."),       # the guard refuses
        create(services, "k-3", "Fakturaen din er klar.", "nobody"),     # unknown customer
        *(create(services, f"n-{i}", f"Faktura nummer {i} er klar.", f"c-{1 + i % 2}") for i in range(20)),
    ]
    first, other, again, refused, unknown, *rest = await asyncio.gather(*calls)

    assert first.id and first.status == "pending" and not first.replayed
    assert isinstance(other.error, Conflict)
    assert again.id == first.id and again.replayed
    assert isinstance(refused.error, GuardRefused)
    assert isinstance(unknown.error, ValidationFailed)
    assert all(o.id and o.error is None for o in rest) and len({o.id for o in rest}) == 20

    assert await count(services, messages_table) == 21
    assert await count(services, notifications) == 21
    async with services.engine.connect() as conn:
        created = (await conn.execute(select(func.count()).select_from(audit_log)
                                      .where(audit_log.c.action == "message.create"))).scalar_one()
    assert created == 21


async def test_a_batch_and_single_calls_in_flight_together(services: Services) -> None:
    batch = [(f"b-{i}", item(f"Faktura {i}")) for i in range(300)]
    singles = [create(services, f"s-{i}", f"Purring {i}") for i in range(30)]
    replay = create(services, "b-7", "Faktura 7")  # arrives after the batch that holds b-7
    outcomes, *rest = await asyncio.gather(messages.create_many(services, "billing", batch), *singles, replay)
    assert all(o.error is None for o in outcomes) and all(o.error is None for o in rest)
    assert rest[-1].replayed and rest[-1].id == outcomes[7].id
    assert await count(services, messages_table) == 330
    assert await count(services, notifications) == 330


async def test_the_same_key_in_two_concurrent_batches_stores_one_message(services: Services) -> None:
    one = [("shared", item("Faktura A")), ("only-1", item("Faktura B"))]
    two = [("shared", item("Faktura A")), ("only-2", item("Faktura C"))]
    first, second = await asyncio.gather(messages.create_many(services, "billing", one),
                                         messages.create_many(services, "billing", two))
    assert first[0].id == second[0].id and second[0].replayed
    assert await count(services, messages_table) == 3


async def test_a_key_committed_by_the_group_before_is_a_replay_in_the_next(services: Services) -> None:
    # A batch of 1,000 fills a group; the single call goes into the next group, which is prepared
    # while the batch is still being written, so it cannot see the batch's keys before its own
    # transaction: the unique index must turn it into a replay, not a second message.
    batch = [(f"b-{i}", item(f"Faktura {i}")) for i in range(1000)]
    outcomes, again = await asyncio.gather(messages.create_many(services, "billing", batch),
                                           create(services, "b-500", "Faktura 500"))
    assert again.replayed and again.id == outcomes[500].id
    assert await count(services, messages_table) == 1000
