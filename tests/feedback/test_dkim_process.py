"""The DKIM private-key step runs in a child process (gateway/delivery/dkim_process.py): its
signatures are byte for byte those made in-process and verify against the published record; the
key reaches it only over its standard input; a child killed mid-run costs no mail and signs
nothing wrongly (the chunk is signed on a thread, the next one by a new child); the child ends
when the worker stops. Real processes, no mocks."""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import UTC, datetime
from pathlib import Path

import dkim
import pytest

from gateway.delivery import dkim_process
from gateway.delivery.devmail import MailSink
from gateway.delivery.dkim import DkimSigner, load_signer
from gateway.delivery.worker import Worker
from tests.feedback.support import resolver, txt_from_zone_line
from tests.feedback.test_dkim import dkim_init
from tests.feedback.test_dkim_conformance import MESSAGE
from tests.support.factories import create_notices, store_customer
from tests.support.outbox import outbox_rows
from tests.support.service import make_settings, start_gateway, stop_gateway, wait_for

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


def _mails(count: int) -> list[bytes]:
    return [MESSAGE.replace(b"<n1@", b"<n%d@" % n).replace(b"Ragnhild", b"Ragnhild %d" % n) for n in range(count)]


def _signer(keys_dir: Path, database_url: str, sink: MailSink, algorithm: str) -> tuple[DkimSigner, dict[str, bytes]]:
    made = dkim_init(keys_dir, database_url, f"GATEWAY_DKIM_ALGORITHM={algorithm}")
    assert made.returncode == 0, made.stderr
    name, record = txt_from_zone_line(made.stdout.strip().splitlines()[-1])
    signer = load_signer(make_settings(database_url, keys_dir, sink, dkim_selector="nov26",
                                       dkim_algorithm=algorithm))
    assert signer is not None
    return signer, {name: record}


def _child_pid(signer: DkimSigner) -> int:
    pid = signer._process.pid
    assert pid is not None, "the signatures were not made by a signing process"
    return pid


async def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.parametrize("algorithm", ["rsa-sha256", "ed25519-sha256"])
async def test_the_child_signs_exactly_as_in_process_and_holds_the_key_only_from_its_input(
        sqlite_url: str, keys_dir: Path, sink: MailSink, algorithm: str) -> None:
    signer, published = _signer(keys_dir, sqlite_url, sink, algorithm)
    mails = _mails(30)
    try:
        signed = await signer.sign_many(mails, NOW)
        pid = _child_pid(signer)
        assert signed == [signer.sign(mail, NOW) for mail in mails]  # in-process, same key and time
        dns = resolver(published)
        assert all(dkim.verify(mail, dnsfunc=dns) for mail in signed)
        # The key went over the pipe: not in the child's arguments or environment (empty).
        key = (keys_dir / "dkim-nov26.key").read_bytes()
        secret_part = key.splitlines()[1] if key.startswith(b"-----BEGIN") else key.strip()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        environ = Path(f"/proc/{pid}/environ").read_bytes()
        assert secret_part not in cmdline and b"PRIVATE" not in cmdline and str(keys_dir).encode() not in cmdline
        assert environ == b""
        assert cmdline.split(b"\0")[1:3] == [b"-I", dkim_process._CHILD.encode()]
    finally:
        signer.close()
    assert await _gone(pid)


async def test_a_child_killed_mid_request_or_between_chunks_loses_no_signature(
        sqlite_url: str, keys_dir: Path, sink: MailSink) -> None:
    signer, published = _signer(keys_dir, sqlite_url, sink, "rsa-sha256")
    dns = resolver(published)
    try:
        first = await signer.sign_many(_mails(25), NOW)
        pid = _child_pid(signer)
        # Killed while a request is with it: the task wrote the digests and waits for the answer.
        request = asyncio.create_task(signer.sign_many(_mails(200), NOW))
        await asyncio.sleep(0)
        assert signer._process._busy
        os.kill(pid, signal.SIGKILL)
        during = await request  # signed on a thread instead
        assert signer._process.pid is None
        # The next chunk: a new child once the retry pause is over (a thread until then).
        signer._process._failed_at = None
        after = await signer.sign_many(_mails(25), NOW)
        new_pid = _child_pid(signer)
        assert new_pid != pid
        # Killed between chunks (found dead when the next request is written or read).
        os.kill(new_pid, signal.SIGKILL)
        await wait_for(lambda: signer._process._child is not None and signer._process._child.poll() is not None)
        last = await signer.sign_many(_mails(25), NOW)
    finally:
        signer.close()
    assert during == [signer.sign(mail, NOW) for mail in _mails(200)]
    for mail in first + during + after + last:
        assert dkim.verify(mail, dnsfunc=dns)


async def test_worker_signs_through_a_new_child_after_a_kill_and_the_child_ends_when_the_worker_stops(
        database_url: str, keys_dir: Path, sink: MailSink) -> None:
    """On SQLite and PostgreSQL: every notification of two claims is sent signed, though the
    signing process was killed between them; the child ends when the worker stops."""
    made = dkim_init(keys_dir, database_url)
    assert made.returncode == 0, made.stderr
    name, record = txt_from_zone_line(made.stdout.strip().splitlines()[-1])
    settings = make_settings(database_url, keys_dir, sink, dkim_selector="nov26", worker_batch_size=60)
    gw = await start_gateway(settings, sink, run_worker=False)
    try:
        await store_customer(gw.services, "c-nb", language="nb")
        signer = gw.services.dkim
        assert signer is not None
        worker = Worker(gw.services)
        first = await create_notices(gw.services, 60, customer_id="c-nb", prefix="a")
        assert await worker.run_once() == 60
        pid = _child_pid(signer)
        os.kill(pid, signal.SIGKILL)
        second = await create_notices(gw.services, 60, customer_id="c-nb", prefix="b")
        assert await worker.run_once() == 60
        await worker.pool.close()
        rows = {r["message_id"]: r for r in await outbox_rows(gw.services)}
        # A worker's run ends with its signing process.
        signer._process._failed_at = None  # (if the kill was found mid-request: no retry pause)
        await signer.sign_many(_mails(5), NOW)
        live = _child_pid(signer)
        stop = asyncio.Event()
        stop.set()
        await Worker(gw.services).run(stop)
        last_pid = signer._process.pid
    finally:
        await stop_gateway(gw)
    assert [rows[m]["status"] for m in first + second] == ["sent"] * 120
    dns = resolver({name: record})
    assert len(sink.mails) == 120
    assert all(mail.raw.startswith(b"DKIM-Signature:") and dkim.verify(mail.raw, dnsfunc=dns) for mail in sink.mails)
    assert last_pid is None
    assert await _gone(pid) and await _gone(live)
