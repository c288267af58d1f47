"""Retention by the seed's rule with an injected clock: a customer just inside and just outside the
period, plain dates read as that day in Norway, per-category periods, dry runs, the audit entry,
and the daily run on one node only."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway import customers as records
from gateway.clock import FakeClock
from gateway.crypto import Crypto, Keyring, KeyStore
from gateway.delivery.devmail import MailSink
from gateway.privacy import retention
from gateway.privacy.schedule import claim_daily, finish
from gateway.settings import ConfigError, Settings
from gateway.storage.schema import audit_log, customers, messages
from tests.support.cli import run
from tests.support.factories import canary_notice
from tests.support.service import Gateway, start_gateway, stop_gateway

# Billing says: the last invoice was settled on 31 October 2021 (a plain date: that day in Norway).
SETTLED = "2021-10-31"
FIVE_YEARS_LATER = datetime(2026, 10, 30, 23, 0, tzinfo=UTC)  # 31 October 2026 00:00 in Oslo


@pytest.fixture
async def gw(settings: Settings, sink: MailSink) -> AsyncIterator[Gateway]:
    running = await start_gateway(settings, sink, run_worker=False)
    yield running
    await stop_gateway(running)


async def put(gw: Gateway, token: str, customer_id: str, **dates: str | None) -> None:
    status, body, _ = await gw.request("PUT", f"/api/v1/customers/{customer_id}", token=token,
                                       json={"email": f"{customer_id}@example.no", "language": "nb", **dates})
    assert status in (200, 201), body


async def test_a_plain_date_is_that_day_in_norway(gw: Gateway) -> None:
    token = await gw.token("customers:write")
    await put(gw, token, "c-1", last_invoice_settled_at="2026-10-31", relationship_ended_at="2026-07-01")
    async with gw.services.engine.connect() as conn:
        row = (await conn.execute(select(customers).where(customers.c.id == "c-1"))).one()
    assert row.last_invoice_settled_at == datetime(2026, 10, 30, 23, 0, tzinfo=UTC)  # CET
    assert row.relationship_ended_at == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)  # CEST
    status, problem, _ = await gw.request("PUT", "/api/v1/customers/c-1", token=token, json={
        "email": "c-1@example.no", "language": "nb", "last_invoice_settled_at": "2026-02-30"})
    assert status == 422 and problem["errors"][0]["field"] == "last_invoice_settled_at"


async def test_customers_just_inside_and_just_outside_the_period(gw: Gateway, settings: Settings) -> None:
    token = await gw.token("customers:write")
    await put(gw, token, "c-due", last_invoice_settled_at=SETTLED, relationship_ended_at="2021-06-01")
    await put(gw, token, "c-later", last_invoice_settled_at="2021-11-01", relationship_ended_at="2021-06-01")
    await put(gw, token, "c-active", last_invoice_settled_at="2001-01-01")  # relationship not ended
    await put(gw, token, "c-no-invoice", relationship_ended_at=SETTLED)  # never settled: from the end
    ctx, policy = gw.services, retention.RetentionPolicy()

    async def due_at(moment: datetime) -> list[str]:
        return (await retention.due(ctx.engine, policy, moment)).customers

    assert await due_at(FIVE_YEARS_LATER - timedelta(seconds=1)) == []  # just inside the period
    assert await due_at(FIVE_YEARS_LATER) == ["c-due", "c-no-invoice"]  # just outside
    assert await due_at(FIVE_YEARS_LATER + timedelta(days=1) - timedelta(seconds=1)) == ["c-due", "c-no-invoice"]
    assert await due_at(FIVE_YEARS_LATER + timedelta(days=1)) == ["c-due", "c-later", "c-no-invoice"]

    clock = FakeClock(FIVE_YEARS_LATER)
    dry = await retention.run(ctx.engine, ctx.crypto, settings.erasure_log_file, policy, clock=clock, dry_run=True)
    assert dry.customers == ["c-due", "c-no-invoice"]
    assert await due_at(FIVE_YEARS_LATER) == ["c-due", "c-no-invoice"]  # nothing erased by a dry run
    done = await retention.run(ctx.engine, ctx.crypto, settings.erasure_log_file, policy, clock=clock)
    assert done.customers == ["c-due", "c-no-invoice"]
    assert await due_at(FIVE_YEARS_LATER) == []
    async with ctx.engine.connect() as conn:
        erased = dict((await conn.execute(select(customers.c.id, customers.c.erased_at))).all())
        runs = (await conn.execute(select(audit_log.c.details).where(audit_log.c.action == "retention.run")
                                   .order_by(audit_log.c.seq))).scalars().all()
        erasures = (await conn.execute(select(audit_log.c.subject, audit_log.c.actor)
                                       .where(audit_log.c.action == "customer.erase"))).all()
    assert erased["c-due"] == erased["c-no-invoice"] == FIVE_YEARS_LATER
    assert erased["c-later"] is None and erased["c-active"] is None
    assert [json.loads(r) for r in runs] == [{"customers": 2, "dry_run": True, "messages": {}},
                                             {"customers": 2, "dry_run": False, "messages": {}}]
    assert sorted(erasures) == [("c-due", "retention"), ("c-no-invoice", "retention")]
    assert ctx.crypto.keystore is not None and ctx.crypto.keystore.secret("c-due") is None


async def test_per_category_periods_erase_those_messages_only(gw: Gateway, settings: Settings) -> None:
    token = await gw.token("customers:write", "messages:write")
    await put(gw, token, "c-1")
    ids = {}
    for category in ("support", "invoice"):
        status, body, _ = await gw.request("POST", "/api/v1/messages", token=token,
                                           json=canary_notice("c-1", category=category),
                                           headers={"Idempotency-Key": category})
        assert status == 201, body
        ids[category] = body["id"]
    async with gw.services.engine.connect() as conn:
        created = (await conn.execute(select(messages.c.created_at)
                                      .where(messages.c.id == ids["support"]))).scalar_one()
    policy = retention.RetentionPolicy(category_days={"support": 30})
    ctx = gw.services
    inside = await retention.run(ctx.engine, ctx.crypto, settings.erasure_log_file, policy,
                                 clock=FakeClock(created + timedelta(days=30) - timedelta(seconds=1)))
    assert inside.messages == {"support": []}
    outside = await retention.run(ctx.engine, ctx.crypto, settings.erasure_log_file, policy,
                                  clock=FakeClock(created + timedelta(days=30, seconds=1)))
    assert outside.messages == {"support": [ids["support"]]} and outside.customers == []
    async with ctx.engine.connect() as conn:
        left = set((await conn.execute(select(messages.c.id))).scalars())
        cust = (await conn.execute(select(customers.c.erased_at).where(customers.c.id == "c-1"))).scalar_one()
    assert left == {ids["invoice"]} and cust is None


async def test_the_daily_run_is_claimed_by_one_node_at_a_time(database_url: str, keys_dir: Path) -> None:
    from gateway.storage import make_engine

    engine = make_engine(database_url)
    try:
        clock = FakeClock(datetime(2027, 1, 1, 3, 0, tzinfo=UTC))
        assert await claim_daily(engine, "retention", "node-a", clock)
        assert not await claim_daily(engine, "retention", "node-b", clock)  # a's lease is live
        await finish(engine, "retention", "node-a", clock)
        clock.advance(24 * 3600 - 1)
        assert not await claim_daily(engine, "retention", "node-b", clock)  # ran less than a day ago
        clock.advance(1)
        assert await claim_daily(engine, "retention", "node-b", clock)
        clock.advance(3600 + 1)  # b died mid-run: its lease expires, but the day is not over yet
        assert await claim_daily(engine, "retention", "node-a", clock)
    finally:
        await engine.dispose()


def test_retention_policy_from_settings(keys_dir: Path) -> None:
    settings = Settings(keys_dir=str(keys_dir), retention_years=7, retention_category_days="support=365, general=90")
    assert retention.policy_from(settings) == retention.RetentionPolicy(7, {"support": 365, "general": 90})
    with pytest.raises(ConfigError, match="GATEWAY_RETENTION_CATEGORY_DAYS"):
        Settings.load({"GATEWAY_RETENTION_CATEGORY_DAYS": "support=often"})


def test_retention_run_from_the_command_line_prints_ids_and_counts(sqlite_url: str, keys_dir: Path) -> None:
    env = {"GATEWAY_DATABASE_URL": sqlite_url, "GATEWAY_KEYS_DIR": str(keys_dir),
           "GATEWAY_RETENTION_CATEGORY_DAYS": "support=30"}
    crypto = Crypto(Keyring.load(keys_dir), KeyStore.open(keys_dir.parent / "keystore.db"))

    async def seed() -> None:
        from gateway.storage import make_engine

        engine = make_engine(sqlite_url)
        ended = datetime(2001, 1, 1, tzinfo=UTC)
        for cid in ("c-old", "c-new"):
            data = records.CustomerInput(f"{cid}@example.no", "nb", "Secret Name", None,
                                         ended, ended if cid == "c-old" else None)  # c-new: still a customer
            await records.upsert(engine, crypto, cid, data, actor="test")
        await engine.dispose()

    asyncio.run(seed())
    dry = run(env, "retention", "run", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines() == ["customers due: 1", "customer c-old", "support messages due: 0"]
    done = run(env, "retention", "run")
    assert done.stdout.splitlines()[:2] == ["customers erased: 1", "customer c-old"]
    assert "Secret Name" not in done.stdout + done.stderr and "@example.no" not in done.stdout
    assert run(env, "retention", "run").stdout.startswith("customers erased: 0")


def test_dates_at_the_ends_of_the_calendar_give_a_date_not_an_error() -> None:
    # Dates stored before the upsert limited them to 1900-2199 (year 9999, year 1) must not break
    # retention or the customer's export: they are due never, or at once.
    policy = retention.RetentionPolicy(5, {})
    late = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)
    early = datetime(1, 1, 2, tzinfo=UTC)
    assert retention.erase_after(late, late, policy) == datetime.max.replace(tzinfo=UTC)
    assert retention.years_before(early, 5) == datetime.min.replace(tzinfo=UTC)
    ordinary = datetime(2026, 10, 31, 12, tzinfo=UTC)
    assert retention.erase_after(ordinary, ordinary, policy) == datetime(2031, 10, 31, 12, tzinfo=UTC)
