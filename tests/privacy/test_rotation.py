"""Key rotation in production: `keys rotate`, `rewrap` and `retire` run (as CLI processes) while a
writer keeps creating customers and messages and two readers keep opening them (the service's own
Crypto, and one loaded before the rotation, as another process would be): zero decrypt errors, no
restart, retire refused while anything depends on the old key, every step audited."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.crypto import Crypto, DecryptionError, Keyring, KeyStore
from gateway.delivery.devmail import MailSink
from gateway.settings import Settings
from gateway.storage.schema import audit_log, customers, messages
from tests.privacy.test_restore import cli_env
from tests.support.cli import run
from tests.support.service import Gateway, start_gateway, stop_gateway, wait_for


@pytest.fixture
async def gw(settings: Settings, sink: MailSink) -> AsyncIterator[Gateway]:
    running = await start_gateway(settings, sink, run_worker=False)
    yield running
    await stop_gateway(running)


class Load:
    def __init__(self) -> None:
        self.stop = asyncio.Event()
        self.written = self.opened = self.write_errors = 0
        self.decrypt_errors: list[str] = []

    async def writer(self, gw: Gateway, token: str) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            cid = f"c-{n}"
            status, _, _ = await gw.request("PUT", f"/api/v1/customers/{cid}", token=token,
                                            json={"email": f"{cid}@example.no", "name": "Kari", "language": "nb"})
            status2, _, _ = await gw.request("POST", "/api/v1/messages", token=token, headers={"Idempotency-Key": cid},
                                             json={"customer_id": cid, "category": "invoice",
                                                   "subject": f"Subject {cid}", "body": "Body"})
            if (status, status2) != (201, 201):
                self.write_errors += 1
            self.written += 1

    async def reader(self, gw: Gateway, crypto: Crypto) -> None:
        while not self.stop.is_set():
            async with gw.services.engine.connect() as conn:
                rows = (await conn.execute(
                    select(messages.c.id, messages.c.customer_id, messages.c.key_wrapped, messages.c.subject_enc,
                           customers.c.key_wrapped.label("ck"), customers.c.email_enc)
                    .join(customers, customers.c.id == messages.c.customer_id))).all()
            for row in random.sample(rows, min(len(rows), 20)):
                try:
                    ck = crypto.open_customer_key(row.customer_id, row.ck)
                    assert crypto.open(ck, "customer.email", row.email_enc) == f"{row.customer_id}@example.no".encode()
                    dk = crypto.open_data_key(ck, row.id, row.key_wrapped)
                    assert crypto.open(dk, "message.subject", row.subject_enc) == f"Subject {row.customer_id}".encode()
                    self.opened += 1
                except DecryptionError:
                    self.decrypt_errors.append(row.customer_id)
            await asyncio.sleep(0)


async def test_rotate_rewrap_retire_under_load_with_zero_decrypt_errors(gw: Gateway, settings: Settings) -> None:
    env = cli_env(settings)
    keys = Path(settings.keys_dir)
    old = Keyring.load(keys).primary_id
    other_process = Crypto(Keyring.load(keys), KeyStore.open(settings.keystore_location))
    token = await gw.token("customers:write", "messages:write")
    load = Load()
    tasks = [asyncio.create_task(load.writer(gw, token)), asyncio.create_task(load.reader(gw, gw.services.crypto)),
             asyncio.create_task(load.reader(gw, other_process))]
    try:
        await wait_for(lambda: load.written >= 5 and load.opened >= 5, timeout=60)
        result = await asyncio.to_thread(run, env, "keys", "rotate")
        assert result.returncode == 0, result.stderr
        new = Keyring.load(keys).primary_id
        assert new != old
        # Every process picks the new primary up by itself (within a second), no restart.
        await wait_for(lambda: gw.services.crypto.keyring.primary_id == new, timeout=10)
        refused = await asyncio.to_thread(run, env, "keys", "retire", old)
        assert refused.returncode == 1 and "still protects" in refused.stderr
        assert (await asyncio.to_thread(run, env, "keys", "rewrap")).returncode == 0
        retired = await asyncio.to_thread(run, env, "keys", "retire", old)
        assert retired.returncode == 0, retired.stderr
        assert not (keys / f"{old}.kek").exists()
        written = load.written
        await wait_for(lambda: load.written >= written + 5 and load.opened >= 100, timeout=60)
    finally:
        load.stop.set()
        await asyncio.gather(*tasks)
        assert other_process.keystore is not None
        other_process.keystore.close()
    assert load.decrypt_errors == [] and load.write_errors == 0
    async with gw.services.engine.connect() as conn:
        kek_ids = set((await conn.execute(select(customers.c.kek_id))).scalars())
        actions = list((await conn.execute(select(audit_log.c.action).where(audit_log.c.action.like("keys.%"))
                                           .order_by(audit_log.c.seq))).scalars())
    assert kek_ids == {new}
    assert actions[0] == "keys.rotate" and "keys.rewrap" in actions and actions[-1] == "keys.retire"
