"""The PostgreSQL key store (a database of its own): erasure that holds against copies of both
databases, another process's erasure reaching this process's key cache, the move of a SQLite key
store into it (online, resumable), and the settings that choose it."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from gateway import customers as customer_records
from gateway.crypto import Crypto, CustomerErased, Keyring, KeyStore, KeyStoreError
from gateway.crypto.cache import KeyCache
from gateway.crypto.keystore_copy import Copied, import_keystore
from gateway.delivery.devmail import MailSink
from gateway.settings import ConfigError, Settings
from gateway.storage import make_engine
from tests.privacy.privacy_helpers import add_customer_with_message, opens_nothing, readable, snapshot
from tests.privacy.test_restore import cli_env, ok
from tests.support.cli import run
from tests.support.factories import CANARIES
from tests.support.keystores import drop, dump, empty_keystore, restore_as_new
from tests.support.service import Gateway, make_settings, start_gateway, stop_gateway

CONTACT = customer_records.CustomerInput("a@example.no", "nb", "Kari", None, None, None)


@pytest.fixture
def pg_keystore(postgres_url: str, postgres_keystore_database: str) -> str:
    empty_keystore(postgres_keystore_database)
    return postgres_keystore_database


@pytest.fixture
def pg_settings(postgres_url: str, pg_keystore: str, keys_dir: Path, sink: MailSink) -> Settings:
    return make_settings(postgres_url, keys_dir, sink, keystore_url=pg_keystore)


@pytest.fixture
async def quiet(pg_settings: Settings, sink: MailSink) -> AsyncIterator[Gateway]:
    running = await start_gateway(pg_settings, sink, run_worker=False)
    yield running
    await stop_gateway(running)


@pytest.fixture
def copies(postgres_url: str) -> Iterator[list[str]]:
    """Names of database copies a test made on the server; dropped afterwards."""
    made: list[str] = []
    yield made
    for name in made:
        drop(postgres_url, name)


def _everything(settings: Settings, keystore: str) -> Crypto:
    return Crypto(Keyring.load(Path(settings.keys_dir)), KeyStore.open(keystore, create=False))


async def _rows(url: str) -> dict[str, list[dict[str, object]]]:
    engine = make_engine(url)
    try:
        return await snapshot(engine)
    finally:
        await engine.dispose()


async def test_copies_of_both_databases_from_before_the_erasure_reveal_nothing_of_that_customer(
        quiet: Gateway, pg_settings: Settings, tmp_path: Path, copies: list[str]) -> None:
    gw, settings = quiet, pg_settings
    token = await gw.token("customers:write", "messages:write", "customers:erase")
    gone_msg = await add_customer_with_message(gw, token, "c-gone", "gone@example.no")
    kept_msg = await add_customer_with_message(gw, token, "c-kept", "kept@example.no")
    # The backups, taken with pg_dump while the service runs, before the erasure.
    await asyncio.to_thread(dump, settings.database_url, tmp_path / "data.dump")
    await asyncio.to_thread(dump, settings.keystore_url, tmp_path / "keys.dump")

    assert (await gw.request("DELETE", "/api/v1/customers/c-gone", token=token))[0] == 204

    # The copies restored afterwards, as databases of their own on the same server.
    prefix = settings.database_url.rsplit("/", 1)[1]
    copies += [f"{prefix}_datacopy", f"{prefix}_keyscopy"]
    data_copy = restore_as_new(settings.database_url, tmp_path / "data.dump", copies[0])
    keys_copy = restore_as_new(settings.database_url, tmp_path / "keys.dump", copies[1])
    old_rows = await _rows(data_copy)
    # Everything the company has afterwards: every key file and the live key-store database.
    everything = _everything(settings, settings.keystore_url)
    try:
        assert opens_nothing(everything, old_rows, "c-gone")
        assert everything.keystore is not None and everything.keystore.secret("c-gone") is None
        kept = readable(everything, old_rows, "c-kept")
        assert kept["email"] == b"kept@example.no" and kept[f"{kept_msg}.subject"] == CANARIES["subject"].encode()
    finally:
        assert everything.keystore is not None
        everything.keystore.close()
    # The bound: only the key-store copy from before the erasure still opens it (keep it briefly).
    old_store = _everything(settings, keys_copy)
    try:
        assert readable(old_store, old_rows, "c-gone")[f"{gone_msg}.subject"] == CANARIES["subject"].encode()
    finally:
        assert old_store.keystore is not None
        old_store.keystore.close()


async def test_an_erasure_in_another_process_drops_the_keys_cached_here(quiet: Gateway, pg_settings: Settings) -> None:
    gw = quiet
    token = await gw.token("customers:write", "messages:write")
    await add_customer_with_message(gw, token, "c-gone", "gone@example.no")
    await add_customer_with_message(gw, token, "c-kept", "kept@example.no")
    now = [0.0]
    cache = KeyCache(gw.services.crypto, clock=lambda: now[0], erasure_check_seconds=1.0)
    rows = {r["id"]: r["key_wrapped"] for r in (await snapshot(gw.services.engine))["customers"]}
    for cid in ("c-gone", "c-kept"):
        cache.open_customer_key(cid, rows[cid])
    assert "c-gone" in cache and "c-kept" in cache

    # Another process (a CLI run, as on another host) erases c-gone through the shared key store.
    result = await asyncio.to_thread(run, cli_env(pg_settings), "customers", "erase", "c-gone")
    assert result.returncode == 0, result.stderr
    now[0] = 1.0  # this process's next look at the erasure generation
    cache.open_customer_key("c-kept", rows["c-kept"])
    assert "c-gone" not in cache and "c-kept" in cache
    assert opens_nothing(gw.services.crypto, {"customers": [{"id": "c-gone", "key_wrapped": rows["c-gone"]}],
                                              "messages": [], "attachments": [], "replies": []}, "c-gone")


async def test_a_sqlite_key_store_moves_into_postgresql_online_and_resumably(
        postgres_url: str, pg_keystore: str, keys_dir: Path, tmp_path: Path) -> None:
    engine = make_engine(postgres_url)
    old = KeyStore.open(tmp_path / "keystore.db")
    new = KeyStore.open(pg_keystore)
    serving = Crypto(Keyring.load(keys_dir), old)  # the gateway, still on its SQLite key store
    try:
        for i in range(5):
            await customer_records.upsert(engine, serving, f"c-{i}", CONTACT, actor="test")
        old.erase("c-1")

        class Killed(Exception):
            pass

        def kill_after_first(done: Copied) -> None:
            raise Killed()

        with pytest.raises(Killed):  # stopped after its first committed batch
            import_keystore(old, new, batch=2, after_batch=kill_after_first)
        assert new.count() == 2
        # Meanwhile the service goes on: a new customer, and the erasure of one already copied.
        await customer_records.upsert(engine, serving, "c-new", CONTACT, actor="test")
        old.erase("c-2")
        done = import_keystore(old, new, batch=2)
        assert (done.secrets_seen, done.secrets_added, done.erasures_applied) == (4, 3, 1)  # c-0 was there
        assert new.count() == 4 and new.is_erased("c-1") and new.is_erased("c-2")
        assert import_keystore(old, new, batch=2).secrets_added == 0  # a rerun changes nothing

        # The gateway on PostgreSQL opens every remaining customer's key as it was, and no erased one.
        moved = Crypto(Keyring.load(keys_dir), new)
        rows = {r["id"]: r["key_wrapped"] for r in (await snapshot(engine))["customers"]}
        for cid in ("c-0", "c-3", "c-4", "c-new"):
            assert moved.open_customer_key(cid, rows[cid]).key == serving.open_customer_key(cid, rows[cid]).key
        for cid in ("c-1", "c-2"):
            assert opens_nothing(moved, {"customers": [{"id": cid, "key_wrapped": rows[cid]}], "messages": [],
                                         "attachments": [], "replies": []}, cid)
            with pytest.raises(CustomerErased):
                new.create(cid)
    finally:
        old.close()
        new.close()
        await engine.dispose()


def test_the_cli_imports_a_key_store_file(pg_settings: Settings, tmp_path: Path) -> None:
    old = KeyStore.open(tmp_path / "old.db")
    old.create_many(["c-a", "c-b"])
    old.erase("c-b")
    old.close()
    env = cli_env(pg_settings)
    out = ok(run(env, "keys", "import-keystore", str(tmp_path / "old.db")))
    assert out.startswith("1 secrets read, 1 added")  # c-b's secret was destroyed: only its tombstone goes
    assert ok(run(env, "keys", "import-keystore", str(tmp_path / "old.db"))).startswith("1 secrets read, 0 added")
    new = KeyStore.open(pg_settings.keystore_url)
    try:
        assert new.secret("c-a") is not None and new.is_erased("c-b") and new.count() == 1
    finally:
        new.close()
    missing = run(env, "keys", "import-keystore", str(tmp_path / "none.db"))
    assert missing.returncode != 0 and len(missing.stderr.strip().splitlines()) == 1


def test_a_database_without_a_key_store_is_refused_in_one_line(postgres_url: str, pg_keystore: str) -> None:
    with pytest.raises(KeyStoreError) as refused:
        KeyStore.open(postgres_url, create=False)  # the data database has no key-store tables
    assert "has no key store" in str(refused.value) and "postgres@" not in str(refused.value)


def test_production_on_postgresql_must_say_where_the_key_store_is() -> None:
    base = {"GATEWAY_ENV": "production", "GATEWAY_OIDC_ISSUER": "https://id.example.no",
            "GATEWAY_OIDC_CLIENT_ID": "c", "GATEWAY_OIDC_CLIENT_SECRET": "s",
            "GATEWAY_PUBLIC_URL": "https://min.example.no",
            "GATEWAY_DATABASE_URL": "postgresql://gw:pw@db.example.no/gateway"}
    with pytest.raises(ConfigError, match="GATEWAY_KEYSTORE_URL"):
        Settings.load(base)
    with pytest.raises(ConfigError, match="other than") as same:
        Settings.load({**base, "GATEWAY_KEYSTORE_URL": "postgresql://keys:pw2@DB.example.no:5432/gateway"})
    assert "pw2" not in str(same.value)
    chosen = Settings.load({**base, "GATEWAY_KEYSTORE_URL": "postgresql://keys:pw2@keys.example.no/gateway_keys"})
    assert chosen.keystore_location == "postgresql://keys:pw2@keys.example.no/gateway_keys"
    assert "pw2" not in repr(chosen)
    one_host = Settings.load({**base, "GATEWAY_KEYSTORE_PATH": "/srv/gateway/keystore.db"})
    assert one_host.keystore_location == Path("/srv/gateway/keystore.db")
    moving = Settings.load({**base, "GATEWAY_KEYSTORE_PATH": "/srv/k.db", "GATEWAY_KEYSTORE_URL": "postgresql://h/k"})
    assert moving.keystore_location == "postgresql://h/k" and moving.keystore_moving_from == Path("/srv/k.db")
    with pytest.raises(ConfigError, match="GATEWAY_KEYSTORE_URL"):
        Settings.load({"GATEWAY_KEYSTORE_URL": "sqlite:///k.db"})


async def test_during_the_move_the_sqlite_key_store_is_read_through_with_no_decrypt_error(
        postgres_url: str, pg_keystore: str, keys_dir: Path, tmp_path: Path) -> None:
    engine = make_engine(postgres_url)
    path = tmp_path / "keystore.db"
    old = KeyStore.open(path)
    before = Crypto(Keyring.load(keys_dir), old)  # a process still on the SQLite key store
    moving = Crypto(Keyring.load(keys_dir), KeyStore.open(pg_keystore, moving_from=path))  # restarted, both set
    new = KeyStore.open(pg_keystore)
    try:
        for i in range(3):
            await customer_records.upsert(engine, before, f"c-{i}", CONTACT, actor="test")
        await customer_records.upsert(engine, moving, "c-pg", CONTACT, actor="test")
        await customer_records.upsert(engine, before, "c-late", CONTACT, actor="test")  # after the switch began
        rows = {r["id"]: r["key_wrapped"] for r in (await snapshot(engine))["customers"]}
        together = moving.open_customer_keys(rows)  # a batch's one look-up reads the old ones through too
        assert set(together) == set(rows)
        for cid in rows:  # nothing imported yet: every key opens, the old ones read through
            assert moving.open_customer_key(cid, rows[cid]) == together[cid]
        assert moving.keystore is not None and old.secret("c-pg") is None
        moving.keystore.erase("c-0")  # an erasure during the move destroys the secret in both stores
        assert old.secret("c-0") is None
        old.erase("c-1")  # by a process not yet restarted: the import applies it
        assert import_keystore(old, new).erasures_applied == 1
        after = Crypto(Keyring.load(keys_dir), new)  # then GATEWAY_KEYSTORE_PATH is removed
        for cid in ("c-2", "c-pg", "c-late"):
            assert after.open_customer_key(cid, rows[cid]).key == moving.open_customer_key(cid, rows[cid]).key
        for cid in ("c-0", "c-1"):
            assert opens_nothing(after, {"customers": [{"id": cid, "key_wrapped": rows[cid]}], "messages": [],
                                         "attachments": [], "replies": []}, cid)
    finally:
        for store in (old, new, moving.keystore):
            assert store is not None
            store.close()
        await engine.dispose()


def test_the_secrets_of_many_customers_in_one_look_up(pg_keystore: str) -> None:
    store = KeyStore.open(pg_keystore)
    try:
        made = store.create_many(["a", "b", "gone"])
        assert store.erase("gone")
        assert store.secrets(["a", "gone", "nobody", "b", "a"]) == {"a": made["a"], "b": made["b"]}
        assert store.secrets([]) == {}
    finally:
        store.close()


def test_concurrent_erasures_reach_every_poller_and_leave_no_secret(pg_keystore: str) -> None:
    """Erasures committed by several connections at once: a poller of the generation counter misses
    none of them (commits follow seq order), and a secret made at the same moment as an erasure of
    the same id never survives it."""
    stores = [KeyStore.open(pg_keystore) for _ in range(4)]
    poller = KeyStore.open(pg_keystore)
    ids = [f"c-{i}" for i in range(120)]
    seen: set[str] = set()
    seq = 0
    done = threading.Event()

    def poll() -> None:  # while the erasures commit, then once more after the last one
        nonlocal seq
        while True:
            last = done.is_set()
            seq, erased = poller.erased_since(seq)
            seen.update(erased)
            if last:
                return

    def erase(part: list[str]) -> None:
        for cid in part:
            stores[0 if cid.endswith(("0", "2", "4")) else 1].erase(cid)

    def create(part: list[str]) -> None:
        for cid in part:
            with contextlib.suppress(CustomerErased):
                stores[2 if cid.endswith(("1", "3")) else 3].create(cid)

    watcher = threading.Thread(target=poll)
    watcher.start()
    try:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda work: work[0](work[1]), [
                (create, ids[0::2]), (create, ids[1::2]), (erase, ids[0::2]), (erase, ids[1::2])]))
        done.set()
        watcher.join(timeout=60)
        assert seen == set(ids)
        assert all(poller.secret(cid) is None for cid in ids) and poller.count() == 0
    finally:
        done.set()
        for store in [*stores, poller]:
            store.close()
