"""`gateway inbound` with GATEWAY_INBOUND_PROCESSES=2: two copies share the port, and a report
answered 250 is recorded even when every inbound process is killed (SIGKILL) right after.

Real processes (`python -m gateway inbound`), real SMTP from several connections, the test's SQLite
file or PostgreSQL database; the notifications come from the real pipeline (their bounce addresses
as the sink received them)."""

from __future__ import annotations

import asyncio
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import aiosmtplib
import pytest
from sqlalchemy import select

from gateway.storage.schema import notifications
from tests.feedback.support import dsn
from tests.support.factories import canary_notice
from tests.support.factories import put_canary_customer as add_customer
from tests.support.net import free_port
from tests.support.processes import Workers, kill, supervised
from tests.support.processes import children as children_of
from tests.support.service import Gateway, wait_for

pytestmark = pytest.mark.slow  # real `gateway inbound` subprocesses

REPORTS = 40
KILL_AFTER = 20  # acknowledged reports, then every inbound process is killed at once
LANES = 4


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Workers]:
    yield from supervised(tmp_path)






def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


async def _bounce_addresses(gateway: Gateway) -> list[str]:
    token = await gateway.token()
    await add_customer(gateway, token)
    for n in range(REPORTS):
        status, body, _ = await gateway.request("POST", "/api/v1/messages", token=token, json=canary_notice(),
                                                headers={"Idempotency-Key": f"kill-{n}"})
        assert status == 201, body
    await wait_for(lambda: len(gateway.sink.mails) == REPORTS, timeout=60)
    return [mail.mail_from for mail in gateway.sink.mails]


async def test_two_processes_lose_no_acknowledged_report_when_killed(gateway: Gateway, processes: Workers) -> None:
    addresses = await _bounce_addresses(gateway)
    port = free_port()
    inbound = processes.start(gateway.services.settings, "inbound", command="inbound", inbound_port=port,
                              inbound_processes=2)
    await wait_for(lambda: len(children_of(inbound.pid)) == 2 and _listening(port), timeout=60)
    copies = [inbound.pid, *children_of(inbound.pid)]

    acknowledged: list[str] = []
    queue = iter(addresses)

    async def lane() -> None:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=30)
        await client.connect()
        for address in queue:
            try:
                await client.sendmail("", [address], dsn(address, "ragnhild@example.no"))
            except (aiosmtplib.SMTPException, OSError):
                return  # killed: whatever was not answered 250 is the sender's to retry
            acknowledged.append(address)
            if len(acknowledged) == KILL_AFTER:
                for pid in copies:  # no clean-up of any kind, at once
                    kill(pid)

    await asyncio.gather(*(lane() for _ in range(LANES)))
    assert await inbound.wait(timeout=30) == -signal.SIGKILL
    assert len(acknowledged) >= KILL_AFTER

    tokens = {a.split("+", 1)[1].split("@", 1)[0]: a for a in addresses}
    async with gateway.services.engine.connect() as conn:
        rows = (await conn.execute(select(notifications.c.bounce_token, notifications.c.status))).all()
    status = {tokens[row.bounce_token]: row.status for row in rows if row.bounce_token in tokens}
    lost = [a for a in acknowledged if status.get(a) != "bounced"]
    assert not lost, f"{len(lost)} reports were answered 250 and not recorded"
