"""DKIM: `gateway keys dkim-init` makes a private key under the KEK rules and prints the record to
publish; every notification sent through the real pipeline verifies against that record (dkimpy,
resolving through a stub that serves only what was published)."""

from __future__ import annotations

import dataclasses
import os
import stat
import subprocess
import sys
from pathlib import Path

import dkim
import pytest

from gateway.crypto import KeyringError
from gateway.delivery.devmail import MailSink
from gateway.delivery.dkim import load_signer
from gateway.delivery.worker import Worker
from tests.feedback.support import resolver, txt_from_zone_line
from tests.support.factories import canary_notice, create_notices, store_customer
from tests.support.factories import put_canary_customer as add_customer
from tests.support.outbox import outbox_rows
from tests.support.service import ROOT, make_settings, start_gateway, stop_gateway, wait_for


def dkim_init(keys_dir: Path, database_url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env.update({"GATEWAY_DATABASE_URL": database_url, "GATEWAY_KEYS_DIR": str(keys_dir),
                "GATEWAY_MAIL_FROM": "Eksempel Kraft <no-reply@kraft.example.no>", "GATEWAY_DKIM_SELECTOR": "nov26"})
    env.update(dict(item.split("=", 1) for item in extra))
    return subprocess.run([sys.executable, "-m", "gateway", "keys", "dkim-init"], env=env, capture_output=True,
                          text=True, timeout=60, cwd=ROOT)


@pytest.mark.parametrize("algorithm", ["rsa-sha256", "ed25519-sha256"])
async def test_every_notification_verifies_against_the_published_record(
        database_url: str, keys_dir: Path, sink: MailSink, algorithm: str) -> None:
    result = dkim_init(keys_dir, database_url, f"GATEWAY_DKIM_ALGORITHM={algorithm}")
    assert result.returncode == 0, result.stderr
    key_file = keys_dir / "dkim-nov26.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(keys_dir.stat().st_mode) == 0o700
    name, record = txt_from_zone_line(result.stdout.strip().splitlines()[-1])
    assert name == "nov26._domainkey.kraft.example.no"
    assert record.startswith(b"v=DKIM1; k=" + (b"rsa" if algorithm == "rsa-sha256" else b"ed25519"))
    assert b"PRIVATE" not in result.stdout.encode()

    settings = make_settings(database_url, keys_dir, sink, dkim_selector="nov26", dkim_algorithm=algorithm)
    gw = await start_gateway(settings, sink)
    try:
        token = await gw.token()
        await add_customer(gw, token)
        for n in range(3):
            status, body, _ = await gw.request("POST", "/api/v1/messages", token=token, json=canary_notice(),
                                               headers={"Idempotency-Key": f"dkim-{n}"})
            assert status == 201, body
        # A billing run's worth at once: claimed together, made ready and signed in chunks.
        batch = [{**canary_notice(), "idempotency_key": f"dkim-batch-{n}"} for n in range(40)]
        status, body, _ = await gw.request("POST", "/api/v1/messages/batch", token=token, json={"messages": batch})
        assert status == 200, body
        await wait_for(lambda: len(sink.mails) == 43)
    finally:
        await stop_gateway(gw)
    dns = resolver({name: record})
    assert len({mail.raw.split(b"Message-ID: ", 1)[1].split(b"\r\n", 1)[0] for mail in sink.mails}) == 43
    for mail in sink.mails:
        assert mail.raw.startswith(b"DKIM-Signature:")
        assert dkim.verify(mail.raw, dnsfunc=dns), "signature does not verify against the published record"
        # Any change in transit breaks it: another recipient, or a From added in front.
        assert not dkim.verify(mail.raw.replace(b"To: ragnhild@", b"To: mallory@", 1), dnsfunc=dns)
        assert not dkim.verify(b"From: ceo@kraft.example.no\r\n" + mail.raw, dnsfunc=dns)
    # Another key's record under the same name does not verify them.
    other = keys_dir.parent / "other-keys"
    made = dkim_init(other, database_url, f"GATEWAY_DKIM_ALGORITHM={algorithm}")
    assert made.returncode == 0, made.stderr
    _, other_record = txt_from_zone_line(made.stdout.strip().splitlines()[-1])
    assert not dkim.verify(sink.mails[0].raw, dnsfunc=resolver({name: other_record}))


def test_dkim_init_refuses_a_second_key_and_loose_files(database_url: str, keys_dir: Path, sink: MailSink) -> None:
    assert dkim_init(keys_dir, database_url).returncode == 0
    again = dkim_init(keys_dir, database_url)
    assert again.returncode == 1 and again.stderr.count("\n") == 1 and "already exists" in again.stderr
    settings = make_settings(database_url, keys_dir, sink, dkim_selector="nov26")
    os.chmod(keys_dir / "dkim-nov26.key", 0o644)
    with pytest.raises(KeyringError, match="looser than 0600"):
        load_signer(settings)
    os.chmod(keys_dir / "dkim-nov26.key", 0o600)
    os.chmod(keys_dir, 0o755)
    with pytest.raises(KeyringError, match="looser than 0700"):
        load_signer(settings)


def test_production_refuses_to_start_without_a_dkim_key(keys_dir: Path, sink: MailSink, sqlite_url: str) -> None:
    settings = dataclasses.replace(make_settings(sqlite_url, keys_dir, sink), env="production")
    with pytest.raises(KeyringError, match="DKIM key missing"):
        load_signer(settings)


async def test_a_job_that_cannot_be_built_leaves_the_rest_of_its_chunks_signed_and_sent(
        database_url: str, keys_dir: Path, sink: MailSink) -> None:
    """Jobs are made ready and signed a chunk at a time: one job whose rendering raises (an en
    template using a variable the sandbox does not have) is retried on its own, and the other
    jobs of its claim, across several chunks, are sent, each with a signature that verifies."""
    made = dkim_init(keys_dir, database_url)
    assert made.returncode == 0, made.stderr
    name, record = txt_from_zone_line(made.stdout.strip().splitlines()[-1])
    settings = make_settings(database_url, keys_dir, sink, dkim_selector="nov26", worker_batch_size=60)
    gw = await start_gateway(settings, sink, run_worker=False)
    try:
        renderer = gw.services.notifications
        renderer.templates[("en", "txt")] = renderer.text_env.from_string("{{ customer_name }}")
        await store_customer(gw.services, "c-nb", language="nb")
        await store_customer(gw.services, "c-en", email="en@example.no", language="en")
        good = await create_notices(gw.services, 30, customer_id="c-nb", prefix="nb")
        [bad] = await create_notices(gw.services, 1, customer_id="c-en", prefix="en")
        good += await create_notices(gw.services, 20, customer_id="c-nb", prefix="nb2")
        worker = Worker(gw.services)
        assert await worker.run_once() == 51
        await worker.pool.close()
        rows = {r["message_id"]: r for r in await outbox_rows(gw.services)}
    finally:
        await stop_gateway(gw)
    assert [rows[m]["status"] for m in good] == ["sent"] * 50
    assert (rows[bad]["status"], rows[bad]["last_error"]) == ("pending", "internal error: UndefinedError")
    dns = resolver({name: record})
    assert len(sink.mails) == 50
    assert all(dkim.verify(mail.raw, dnsfunc=dns) for mail in sink.mails)
