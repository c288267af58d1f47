"""The key store: moving customers from before it under its secrets (online, resumable), and every
process dropping cached keys of a customer erased by another."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import customers as customer_records
from gateway.cli.key_ops import move_to_keystore
from gateway.crypto import Crypto, DecryptionError, Keyring, KeyStore
from gateway.crypto.cache import KeyCache
from gateway.storage import make_engine
from gateway.storage.schema import customers

CONTACT = customer_records.CustomerInput("a@example.no", "nb", "Kari", None, None, None)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url)
    yield engine
    await engine.dispose()


async def wrapped_keys(engine: AsyncEngine) -> dict[str, tuple[bytes, bool]]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(customers.c.id, customers.c.key_wrapped, customers.c.shreddable))
        return {r.id: (r.key_wrapped, r.shreddable) for r in rows}


async def test_customers_from_before_the_key_store_move_under_it_resumably(
        engine: AsyncEngine, keystore_url: str, keys_dir: Path, tmp_path: Path) -> None:
    legacy = Crypto(Keyring.load(keys_dir))  # a gateway from before the key store
    for i in range(7):
        await customer_records.upsert(engine, legacy, f"c-{i}", CONTACT, actor="test")
    before = await wrapped_keys(engine)
    assert not any(shreddable for _, shreddable in before.values())
    keys_of = {cid: legacy.open_customer_key(cid, w).key for cid, (w, _) in before.items()}

    store = KeyStore.open(keystore_url or tmp_path / "keystore.db")  # PostgreSQL: its own database
    crypto = Crypto(Keyring.load(keys_dir), store)
    # An earlier run stopped after making c-3's secret but before its row was swapped.
    interrupted = store.create("c-3")
    assert await move_to_keystore(engine, crypto) == 7
    assert store.secret("c-3") == interrupted and store.count() == 7
    after = await wrapped_keys(engine)
    for cid, (wrapped, shreddable) in after.items():
        assert shreddable and wrapped != before[cid][0]
        assert crypto.open_customer_key(cid, wrapped).key == keys_of[cid]  # same key: data keys stay valid
        with pytest.raises(DecryptionError):  # the KEK alone no longer opens it
            legacy.open_customer_key(cid, wrapped)
    assert await move_to_keystore(engine, crypto) == 0  # nothing left: a rerun reads nothing
    # New customers are made under the key store from the start.
    await customer_records.upsert(engine, crypto, "c-new", CONTACT, actor="test")
    assert (await wrapped_keys(engine))["c-new"][1] is True
    store.close()


def test_every_process_drops_cached_keys_of_a_customer_erased_elsewhere(keys_dir: Path, tmp_path: Path) -> None:
    # Two processes: each its own Crypto and KeyStore connection on the same key-store file.
    path = tmp_path / "keystore.db"
    here = Crypto(Keyring.load(keys_dir), KeyStore.open(path))
    there = Crypto(Keyring.load(keys_dir), KeyStore.open(path))
    now = [0.0]
    cache = KeyCache(there, clock=lambda: now[0], erasure_check_seconds=1.0)
    gone, kept = here.new_customer_key("c-gone"), here.new_customer_key("c-kept")
    cache.open_customer_key("c-gone", gone.wrapped)
    cache.open_customer_key("c-kept", kept.wrapped)
    assert "c-gone" in cache and "c-kept" in cache

    assert here.keystore is not None and here.keystore.erase("c-gone")
    now[0] = 1.0  # the next look at the erasures, at most a second later
    cache.open_customer_key("c-kept", kept.wrapped)
    assert "c-gone" not in cache and "c-kept" in cache
    with pytest.raises(DecryptionError):
        cache.open_customer_key("c-gone", gone.wrapped)
    assert "c-gone" not in cache
