"""The write path's customer-key cache (billing ingest, the API, the console): a customer's next
messages reuse the unwrapped key and stay readable; an erasure by another process (its own engine,
key store connection and Crypto) refuses every later write for that customer even while this
process still holds the key; and rotate, rewrap and retire work under it. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gateway.billing.intake import commit_prepared, prepare
from gateway.billing.messages import parse_message
from gateway.crypto import Crypto, Keyring, KeyStore
from gateway.crypto.cache import for_writes
from gateway.delivery.devmail import MailSink
from gateway.errors import Conflict
from gateway.privacy import erasure
from gateway.settings import Settings
from gateway.storage.schema import attachments, messages, notifications
from gateway.storage.writer import writer_for
from gateway.web.services import Services
from tests.privacy.privacy_helpers import add_customer_with_message, held, readable, snapshot
from tests.privacy.test_restore import cli_env
from tests.support.cli import run
from tests.support.factories import CANARIES, canary_notice
from tests.support.service import Gateway, start_gateway, stop_gateway


@pytest.fixture
async def gw(settings: Settings, sink: MailSink) -> AsyncIterator[Gateway]:
    running = await start_gateway(settings, sink, run_worker=False)
    yield running
    await stop_gateway(running)


@pytest.fixture
async def other_process(settings: Settings) -> AsyncIterator[Services]:
    """What another `gateway serve` process (or the CLI) has: its own engine, key store and Crypto."""
    services = Services.build(settings)
    yield services
    await services.close()


def fresh_crypto(settings: Settings) -> Crypto:
    return Crypto(Keyring.load(Path(settings.keys_dir)), KeyStore.open(settings.keystore_location, create=False))


async def post(gw: Gateway, token: str, customer_id: str, key: str) -> tuple[int, dict[str, object]]:
    status, body, _ = await gw.request("POST", "/api/v1/messages", token=token, json=canary_notice(customer_id),
                                       headers={"Idempotency-Key": key})
    return status, body


async def test_a_customers_next_messages_reuse_the_key_and_are_readable(gw: Gateway, settings: Settings) -> None:
    token = await gw.token("customers:write", "messages:write")
    first = await add_customer_with_message(gw, token, "c-1", "kari@example.no")
    cache = for_writes(gw.services.crypto)
    held_key = cache._entries["c-1"].key
    ids = [first]
    for n in range(3):
        status, body = await post(gw, token, "c-1", f"next-{n}")
        assert status == 201, body
        ids.append(str(body["id"]))
    assert cache._entries["c-1"].key is held_key  # answered from the cache, not unwrapped again
    # Read back as another process would, with nothing cached: every message opens.
    reader = fresh_crypto(settings)
    found = readable(reader, await snapshot(gw.services.engine), "c-1")
    assert [found[f"{i}.subject"] for i in ids] == [CANARIES["subject"].encode()] * 4
    assert reader.keystore is not None
    reader.keystore.close()


async def test_an_erasure_in_another_process_refuses_the_next_write_though_the_key_is_cached(
        gw: Gateway, other_process: Services, settings: Settings) -> None:
    token = await gw.token("customers:write", "messages:write")
    await add_customer_with_message(gw, token, "c-gone", "gone@example.no")
    await add_customer_with_message(gw, token, "c-kept", "kept@example.no")
    cache = for_writes(gw.services.crypto)
    cache.erasure_check_seconds = 3600.0  # this process has not polled the key store since
    assert "c-gone" in cache

    done = await erasure.erase(other_process.engine, other_process.crypto, settings.erasure_log_file,
                               "c-gone", actor="operator")
    assert done.secret_destroyed
    assert "c-gone" in cache  # still held here: the refusal below does not depend on the poll

    status, problem = await post(gw, token, "c-gone", "after-erasure")
    assert status == 409, problem
    status, body, _ = await gw.request("POST", "/api/v1/messages/batch", token=token, json={"messages": [
        {**canary_notice("c-gone"), "idempotency_key": "b-gone"},
        {**canary_notice("c-kept"), "idempotency_key": "b-kept"}]})
    assert status == 200
    assert body["results"][0]["error"]["status"] == 409 and "id" in body["results"][1]
    after = await snapshot(gw.services.engine)
    for table in (messages.name, attachments.name, notifications.name):
        assert held(after, table, "c-gone") == 0
    assert held(after, messages.name, "c-kept") == 2

    # And the poll drops the key from this process's memory.
    cache.erasure_check_seconds = 0.0
    assert "c-gone" in cache.forget_erased() and "c-gone" not in cache


async def test_an_erasure_between_prepare_and_commit_stores_nothing(
        gw: Gateway, other_process: Services, settings: Settings) -> None:
    """The write transaction checks the customer again: a message made ready (key from the cache)
    before the erasure, written after it, is refused, and the rest of its group is written."""
    token = await gw.token("customers:write", "messages:write")
    await add_customer_with_message(gw, token, "c-gone", "gone@example.no")
    await add_customer_with_message(gw, token, "c-kept", "kept@example.no")
    items = [(f"race-{cid}", parse_message(canary_notice(cid), settings.max_attachment_bytes))
             for cid in ("c-gone", "c-kept")]
    [ready] = await prepare(gw.services, [("client-1", items)])
    assert all(r.rows is not None for r in ready)

    await erasure.erase(other_process.engine, other_process.crypto, settings.erasure_log_file,
                        "c-gone", actor="operator")
    [outcomes] = await writer_for(gw.services.engine).run(commit_prepared, [("client-1", ready)])

    assert isinstance(outcomes[0].error, Conflict) and outcomes[0].id is None
    assert outcomes[1].id is not None and outcomes[1].error is None
    after = await snapshot(gw.services.engine)
    for table in (messages.name, attachments.name, notifications.name):
        assert held(after, table, "c-gone") == 0


async def test_a_write_racing_an_erasure_is_either_refused_or_erased_with_it(
        gw: Gateway, other_process: Services, settings: Settings) -> None:
    """Writes for a customer keep coming while another process erases them: once the erasure has
    returned, nothing of theirs is stored, and every later write is refused."""
    token = await gw.token("customers:write", "messages:write")
    await add_customer_with_message(gw, token, "c-gone", "gone@example.no")
    for_writes(gw.services.crypto).erasure_check_seconds = 3600.0
    statuses: list[int] = []

    async def writes() -> None:
        for n in range(30):
            statuses.append((await post(gw, token, "c-gone", f"w-{n}"))[0])

    writing = asyncio.create_task(writes())
    while len(statuses) < 3:
        await asyncio.sleep(0.01)
    await erasure.erase(other_process.engine, other_process.crypto, settings.erasure_log_file,
                        "c-gone", actor="operator")
    settled = len(statuses) + 1  # the request in flight may still have been written before the erasure
    await writing
    assert set(statuses) <= {201, 409} and all(s == 409 for s in statuses[settled:])
    await erasure.erase(other_process.engine, other_process.crypto, settings.erasure_log_file,
                        "c-gone", actor="operator")  # no-op if the first one already got everything
    after = await snapshot(gw.services.engine)
    for table in (messages.name, notifications.name):
        assert held(after, table, "c-gone") == 0


async def test_rotate_rewrap_retire_under_the_cache(gw: Gateway, settings: Settings) -> None:
    env = cli_env(settings)
    keys = Path(settings.keys_dir)
    old = Keyring.load(keys).primary_id
    token = await gw.token("customers:write", "messages:write")
    ids = [await add_customer_with_message(gw, token, "c-1", "kari@example.no")]
    cache = for_writes(gw.services.crypto)
    assert cache._entries["c-1"].key.wrapped[2:2 + len(old)] == old.encode()

    assert (await asyncio.to_thread(run, env, "keys", "rotate")).returncode == 0
    status, body = await post(gw, token, "c-1", "after-rotate")  # the cached key, old KEK still there
    assert status == 201, body
    ids.append(str(body["id"]))
    assert (await asyncio.to_thread(run, env, "keys", "rewrap")).returncode == 0
    retired = await asyncio.to_thread(run, env, "keys", "retire", old)
    assert retired.returncode == 0, retired.stderr
    status, body = await post(gw, token, "c-1", "after-retire")
    assert status == 201, body
    ids.append(str(body["id"]))
    # The cache now holds the key as re-wrapped under the new primary, nothing under the old KEK.
    assert old.encode() not in cache._entries["c-1"].key.wrapped[:40]

    reader = fresh_crypto(settings)
    assert old not in reader.keyring.kek_ids
    found = readable(reader, await snapshot(gw.services.engine), "c-1")
    assert [found[f"{i}.subject"] for i in ids] == [CANARIES["subject"].encode()] * 3
    assert reader.keystore is not None
    reader.keystore.close()


async def test_a_batch_opens_its_customers_keys_with_one_key_store_look_up(
        gw: Gateway, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """A billing run's customers are each new to the cache: their keys are opened together, one
    key-store look-up for the whole batch instead of one per message, and every message opens
    with a fresh Crypto (another process's)."""
    token = await gw.token("customers:write", "messages:write")
    ids = [f"c-{n}" for n in range(12)]
    for cid in ids:
        status, body, _ = await gw.request("PUT", f"/api/v1/customers/{cid}", token=token,
                                           json={"email": f"{cid}@example.no", "language": "nb", "name": "Kari"})
        assert status in (200, 201), body
    cache = for_writes(gw.services.crypto)
    cache.clear()
    store = gw.services.crypto.keystore
    assert store is not None
    calls = {"secret": 0, "secrets": 0}
    one, many = store.secret, store.secrets

    def secret(customer_id: str) -> object:
        calls["secret"] += 1
        return one(customer_id)

    def secrets(customer_ids: list[str]) -> object:
        calls["secrets"] += 1
        return many(customer_ids)

    monkeypatch.setattr(store, "secret", secret)
    monkeypatch.setattr(store, "secrets", secrets)
    status, body, _ = await gw.request("POST", "/api/v1/messages/batch", token=token, json={"messages": [
        {**canary_notice(cid), "idempotency_key": f"b-{cid}"} for cid in ids]})
    assert status == 200 and all("id" in r for r in body["results"]), body
    assert calls == {"secret": 0, "secrets": 1}
    assert all(cid in cache for cid in ids)
    reader = fresh_crypto(settings)
    copy = await snapshot(gw.services.engine)
    for cid, result in zip(ids, body["results"], strict=True):
        assert readable(reader, copy, cid)[f"{result['id']}.subject"] == CANARIES["subject"].encode()
    assert reader.keystore is not None
    reader.keystore.close()


async def test_a_batch_item_whose_secret_is_gone_is_refused_and_the_others_are_written(gw: Gateway) -> None:
    """A customer whose secret was destroyed (an erasure's first step) while its row still holds
    the wrapped key: that item is refused with nothing stored for it, the rest of the batch is
    written (the keys are opened together, each one failing on its own)."""
    token = await gw.token("customers:write", "messages:write")
    for cid in ("c-going", "c-staying"):
        status, body, _ = await gw.request("PUT", f"/api/v1/customers/{cid}", token=token,
                                           json={"email": f"{cid}@example.no", "language": "nb"})
        assert status in (200, 201), body
    for_writes(gw.services.crypto).clear()
    assert gw.services.crypto.keystore is not None and gw.services.crypto.keystore.erase("c-going")
    status, body, _ = await gw.request("POST", "/api/v1/messages/batch", token=token, json={"messages": [
        {**canary_notice(cid), "idempotency_key": f"b-{cid}"} for cid in ("c-going", "c-staying")]})
    assert status == 200
    assert body["results"][0]["error"]["status"] == 409 and "id" in body["results"][1]
    after = await snapshot(gw.services.engine)
    for table in (messages.name, attachments.name, notifications.name):
        assert held(after, table, "c-going") == 0
    assert held(after, messages.name, "c-staying") == 1
