"""The e-mail blind-index backfill for customers stored before migration 0002: found by e-mail
afterwards (the console's search), resumable after a kill, idempotent, erased customers left blank,
and how an operator runs it (`gateway db upgrade`, `gateway customers reindex`)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from gateway import customers, privacy
from gateway.console.customers import find
from gateway.crypto import init_keys
from gateway.customers import Reindexed
from gateway.settings import Settings
from gateway.storage import reading
from gateway.storage.engine import is_sqlite
from gateway.storage.schema import audit_log
from gateway.storage.schema import customers as customers_table
from gateway.web.services import Services
from tests.support.cli import run
from tests.support.factories import store_customer
from tests.support.service import ROOT


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Services]:
    built = Services.build(settings)
    yield built
    await built.close()


def email_of(customer_id: str) -> str:
    return f"{customer_id}.Kunde@Example.no"


async def legacy_customers(services: Services, ids: list[str]) -> None:
    """Customers as stored before migration 0002: contact data sealed, no e-mail index."""
    for customer_id in ids:
        await store_customer(services, customer_id, email=email_of(customer_id))
    async with services.engine.begin() as conn:
        await conn.execute(update(customers_table).where(customers_table.c.id.in_(ids)).values(email_index=None))


async def found(services: Services, email: str) -> str | None:
    async with reading(services.engine) as conn:
        return await find(conn, services.crypto, email)


async def rows(services: Services) -> list[tuple[object, ...]]:
    async with reading(services.engine) as conn:
        return [tuple(r) for r in await conn.execute(select(customers_table).order_by(customers_table.c.id))]


async def audit_rows(services: Services) -> int:
    async with reading(services.engine) as conn:
        return int((await conn.execute(select(func.count()).select_from(audit_log))).scalar_one())


async def test_customers_stored_without_an_index_are_found_by_email_after_the_backfill(
        services: Services, settings: Settings) -> None:
    await legacy_customers(services, ["c-1", "c-2", "c-3", "c-gone"])
    await store_customer(services, "c-new", email="new@example.no")  # after 0002: the upsert indexes it
    await privacy.erase(services.engine, services.crypto, settings.erasure_log_file, "c-gone", actor="test")
    assert await found(services, email_of("c-1")) is None

    done = await customers.backfill_email_index(services.engine, services.crypto, actor="test", batch=2)

    assert done == Reindexed(indexed=3, unreadable=0, changed=0)
    for customer_id in ("c-1", "c-2", "c-3"):  # trimmed and case-folded, as the upsert indexes it
        assert await found(services, f"  {email_of(customer_id).upper()} ") == customer_id
    assert await found(services, "new@example.no") == "c-new"
    assert await found(services, email_of("c-gone")) is None
    async with reading(services.engine) as conn:
        erased = (await conn.execute(select(customers_table).where(customers_table.c.id == "c-gone"))).one()
    assert erased.erased_at is not None
    assert (erased.email_index, erased.email_enc, erased.key_wrapped) == (None, None, None)


async def test_after_the_backfill_billing_resending_the_same_address_keeps_its_bounce_count(
        services: Services) -> None:
    """The backfill's index is the upsert's: the same address sent again is not a new address
    (which would wipe the hard-bounce count that makes an address undeliverable)."""
    await legacy_customers(services, ["c-1"])
    async with services.engine.begin() as conn:
        await conn.execute(update(customers_table).where(customers_table.c.id == "c-1").values(email_hard_bounces=2))
    await customers.backfill_email_index(services.engine, services.crypto, actor="test")

    await store_customer(services, "c-1", email=email_of("c-1").lower())

    async with reading(services.engine) as conn:
        bounces = (await conn.execute(select(customers_table.c.email_hard_bounces)
                                      .where(customers_table.c.id == "c-1"))).scalar_one()
    assert bounces == 2


async def test_a_second_run_changes_nothing(services: Services, settings: Settings) -> None:
    await legacy_customers(services, ["c-1", "c-2", "c-gone"])
    await privacy.erase(services.engine, services.crypto, settings.erasure_log_file, "c-gone", actor="test")
    first = await customers.backfill_email_index(services.engine, services.crypto, actor="test")
    assert first.indexed == 2
    before, audited = await rows(services), await audit_rows(services)

    again = await customers.backfill_email_index(services.engine, services.crypto, actor="test")

    assert again == Reindexed(indexed=0, unreadable=0, changed=0)
    assert await rows(services) == before  # not even updated_at moved
    assert await audit_rows(services) == audited
    assert await customers.missing_email_index(services.engine) == 0


def cli_env(settings: Settings, **changes: str) -> dict[str, str]:
    return {"GATEWAY_DATABASE_URL": settings.database_url, "GATEWAY_KEYS_DIR": settings.keys_dir,
            "GATEWAY_KEYSTORE_URL": settings.keystore_url, "GATEWAY_TEMPLATES_DIR": str(ROOT / "templates"),
            **changes}


async def indexed_under_write_lock(services: Services, proc: subprocess.Popen[str], at_least: int) -> int:
    """Wait until `at_least` rows are indexed, then keep every further batch from committing while
    the backfill process is killed; returns the rows indexed when it died."""
    async with services.engine.connect() as conn:
        deadline = asyncio.get_running_loop().time() + 90
        while True:
            assert proc.poll() is None, proc.communicate()
            assert asyncio.get_running_loop().time() < deadline, "the backfill indexed nothing in time"
            transaction = await conn.begin()  # SQLite: BEGIN IMMEDIATE, the write lock
            if not is_sqlite(services.settings.database_url):
                await conn.execute(text("LOCK TABLE customers IN SHARE MODE"))  # readers pass, writers wait
            count = int((await conn.execute(select(func.count()).where(
                customers_table.c.email_index.is_not(None)))).scalar_one())
            if count >= at_least:
                proc.kill()
                proc.wait()
                await transaction.rollback()
                return count
            await transaction.rollback()
            await asyncio.sleep(0.01)


@pytest.mark.slow
async def test_a_killed_backfill_keeps_whole_batches_and_the_next_run_finishes(
        services: Services, settings: Settings) -> None:
    ids = [f"c-{n:03d}" for n in range(120)]
    await legacy_customers(services, ids)
    proc = subprocess.Popen([sys.executable, "-m", "gateway", "customers", "reindex", "--batch-size", "4"],
                            env=cli_env(settings), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        at_kill = await indexed_under_write_lock(services, proc, at_least=4)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    assert 0 < at_kill < len(ids) and at_kill % 4 == 0  # whole batches, nothing half-written
    assert len(ids) - await customers.missing_email_index(services.engine) == at_kill
    result = await asyncio.to_thread(run, cli_env(settings), "customers", "reindex")
    assert result.returncode == 0, result.stderr
    assert f"{len(ids) - at_kill} customers indexed" in result.stdout
    assert all([await found(services, email_of(customer_id)) == customer_id for customer_id in ids])


@pytest.mark.slow
async def test_db_upgrade_backfills_where_the_keys_are_and_reports_counts_only(
        services: Services, settings: Settings, tmp_path: Path) -> None:
    await legacy_customers(services, ["c-1", "c-2"])

    elsewhere = await asyncio.to_thread(run, cli_env(settings, GATEWAY_KEYS_DIR=str(tmp_path / "none")),
                                        "db", "upgrade")
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert "2 customers have none yet" in elsewhere.stdout and "gateway customers reindex" in elsewhere.stdout
    assert await customers.missing_email_index(services.engine) == 2

    other_keys = tmp_path / "other" / "keys"
    init_keys(other_keys)  # a keyring that opens none of these customers' keys
    # The same key store (the SQLite file stays beside the real keys; PostgreSQL's is named by URL).
    same_store = {} if settings.keystore_url else {"GATEWAY_KEYSTORE_PATH": str(settings.keystore_file)}
    wrong = await asyncio.to_thread(run, cli_env(settings, GATEWAY_KEYS_DIR=str(other_keys), **same_store),
                                    "customers", "reindex")
    assert wrong.returncode == 1
    assert len(wrong.stderr.strip().splitlines()) == 1 and wrong.stderr.startswith("gateway: ")
    assert "2 customers' e-mail did not open" in wrong.stderr

    upgraded = await asyncio.to_thread(run, cli_env(settings), "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "2 customers indexed" in upgraded.stdout
    assert await found(services, email_of("c-2")) == "c-2"
    for output in (elsewhere, wrong, upgraded):  # counts, never an address
        assert "@" not in output.stdout + output.stderr
