"""Erasure that holds against backups: the proof with a copy taken before the erasure, the API and
CLI, idempotence, the id never reused, pending notifications cancelled, and the audit entry."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gateway.crypto import Crypto, DecryptionError, Keyring, KeyStore
from gateway.delivery.devmail import MailSink
from gateway.settings import Settings
from gateway.storage.schema import audit_log, customers, messages, notifications
from tests.privacy.privacy_helpers import add_customer_with_message, held, opens_nothing, readable, snapshot
from tests.support.factories import CANARIES
from tests.support.factories import CANARY_PDF as PDF
from tests.support.service import Gateway, start_gateway, stop_gateway


@pytest.fixture
async def quiet_gateway(settings: Settings, sink: MailSink) -> AsyncIterator[Gateway]:
    """The service without its worker: notifications stay pending until erased."""
    running = await start_gateway(settings, sink, run_worker=False)
    yield running
    await stop_gateway(running)


async def test_a_backup_from_before_the_erasure_reveals_nothing_of_that_customer(
        quiet_gateway: Gateway, settings: Settings, tmp_path: Path) -> None:
    gw = quiet_gateway
    token = await gw.token("customers:write", "messages:write", "customers:erase")
    gone_msg = await add_customer_with_message(gw, token, "c-gone", "gone@example.no")
    kept_msg = await add_customer_with_message(gw, token, "c-kept", "kept@example.no")
    # The backups, taken before the erasure: the database (every row) and the key store.
    db_copy = await snapshot(gw.services.engine)
    assert gw.services.crypto.keystore is not None
    gw.services.crypto.keystore.backup(tmp_path / "keystore-backup.db")
    assert readable(gw.services.crypto, db_copy, "c-gone")[f"{gone_msg}.subject"] == CANARIES["subject"].encode()

    status, _, _ = await gw.request("DELETE", "/api/v1/customers/c-gone", token=token)
    assert status == 204

    # Everything the company has afterwards: every key file and the live key store.
    everything = Crypto(Keyring.load(Path(settings.keys_dir)), KeyStore.open(settings.keystore_location, create=False))
    assert opens_nothing(everything, db_copy, "c-gone")
    with pytest.raises(DecryptionError):  # not even the customer key: the first layer is gone
        row = next(r for r in db_copy["customers"] if r["id"] == "c-gone")
        everything.open_customer_key("c-gone", row["key_wrapped"])
    kept = readable(everything, db_copy, "c-kept")
    assert kept["email"] == b"kept@example.no" and kept[f"{kept_msg}.subject"] == CANARIES["subject"].encode()
    assert PDF in kept.values()
    # The bound: only a key-store backup from before the erasure still opens it, for as long as
    # such backups are kept (docs/encryption.md).
    old_store = Crypto(Keyring.load(Path(settings.keys_dir)), KeyStore.open(tmp_path / "keystore-backup.db"))
    assert readable(old_store, db_copy, "c-gone")["email"] == b"gone@example.no"
    for crypto in (everything, old_store):
        assert crypto.keystore is not None
        crypto.keystore.close()


async def test_erasure_deletes_rows_cancels_notifications_and_is_idempotent(quiet_gateway: Gateway) -> None:
    gw = quiet_gateway
    token = await gw.token("customers:write", "messages:write", "customers:erase")
    await add_customer_with_message(gw, token, "c-gone", "gone@example.no")
    await add_customer_with_message(gw, token, "c-kept", "kept@example.no")
    before = await snapshot(gw.services.engine)
    assert held(before, notifications.name, "c-gone") == 1

    for _ in range(2):  # the second call finds nothing left and still answers 204
        status, _, _ = await gw.request("DELETE", "/api/v1/customers/c-gone", token=token)
        assert status == 204
    after = await snapshot(gw.services.engine)
    for table in (messages.name, notifications.name, "attachments"):
        assert held(after, table, "c-gone") == 0
        assert held(after, table, "c-kept") == held(before, table, "c-kept") == 1
    tombstone = next(r for r in after["customers"] if r["id"] == "c-gone")
    assert tombstone["erased_at"] is not None
    assert all(tombstone[c] is None for c in ("key_wrapped", "email_enc", "name_enc", "national_id_enc",
                                               "national_id_index", "email_index"))
    kept = next(r for r in after["customers"] if r["id"] == "c-kept")
    assert kept["email_index"] is not None  # the blind index the console and inbound look addresses up by
    # The id can never be used again.
    status, problem, _ = await gw.request("PUT", "/api/v1/customers/c-gone", token=token,
                                          json={"email": "new@example.no", "language": "nb"})
    assert status == 409 and "new@example.no" not in json.dumps(problem)
    # One audit entry (the repeat changed nothing), with counts and no personal data.
    async with gw.services.engine.connect() as conn:
        entries = (await conn.execute(select(audit_log.c.actor, audit_log.c.details)
                                      .where(audit_log.c.action == "customer.erase"))).all()
    assert len(entries) == 1 and entries[0].actor.startswith("api_key:")
    assert json.loads(entries[0].details) == {"messages": 1, "notifications_cancelled": 1, "secret_destroyed": True}
    for canary in ("gone@example.no", CANARIES["name"], CANARIES["national_id"]):
        assert canary not in entries[0].details


async def test_an_id_never_seen_is_erased_for_good_too(quiet_gateway: Gateway) -> None:
    gw = quiet_gateway
    token = await gw.token("customers:write", "customers:erase")
    assert (await gw.request("DELETE", "/api/v1/customers/c-never", token=token))[0] == 204
    status, _, _ = await gw.request("PUT", "/api/v1/customers/c-never", token=token,
                                    json={"email": "x@example.no", "language": "nb"})
    assert status == 409


async def test_erase_needs_its_scope_and_a_valid_id(quiet_gateway: Gateway) -> None:
    gw = quiet_gateway
    writer = await gw.token("customers:write")
    status, _problem, response = await gw.request("DELETE", "/api/v1/customers/c-1", token=writer)
    assert status == 403 and response.content_type == "application/problem+json"
    eraser = await gw.token("customers:erase")
    status, _problem, response = await gw.request("DELETE", "/api/v1/customers/bad%20id!", token=eraser)
    assert status == 422 and response.content_type == "application/problem+json"
    async with gw.services.engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(customers))).scalar_one() == 0


def test_the_erasure_id_rule_is_the_api_rule() -> None:
    from gateway.billing.schemas import ID_PATTERN
    from gateway.ids import CLIENT_ID_PATTERN

    assert CLIENT_ID_PATTERN == ID_PATTERN


async def test_a_message_to_an_erased_customer_is_a_conflict(quiet_gateway: Gateway) -> None:
    gw = quiet_gateway
    token = await gw.token("customers:write", "messages:write", "customers:erase")
    await add_customer_with_message(gw, token, "c-gone", "gone@example.no")
    await gw.request("DELETE", "/api/v1/customers/c-gone", token=token)
    status, problem, response = await gw.request(
        "POST", "/api/v1/messages", token=token, headers={"Idempotency-Key": "after"},
        json={"customer_id": "c-gone", "category": "invoice", "subject": "S", "body": "B"})
    assert status == 409 and response.content_type == "application/problem+json"
    assert "erased" in problem["detail"]
