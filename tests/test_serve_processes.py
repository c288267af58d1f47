"""`gateway serve` with GATEWAY_SERVE_PROCESSES=2: one port, two copies of the service.

Real processes under real signals (`python -m gateway serve`), a real aiosmtpd sink, the test's
SQLite file or PostgreSQL database. Requests go over separate connections so both copies take
some; whichever copy answers a scrape, /metrics counts the work of both. Waits poll with generous
timeouts; nothing asserts on durations.
"""

from __future__ import annotations

import os
import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from gateway.delivery.devmail import MailSink
from gateway.rest import apikeys
from gateway.settings import Settings
from gateway.web.services import Services
from tests.support.factories import store_customer
from tests.support.net import free_port
from tests.support.processes import CountingHandler, WorkerProcess, Workers, supervised
from tests.support.processes import children as children_of
from tests.support.service import make_settings, wait_for

pytestmark = pytest.mark.slow  # real `gateway serve` subprocesses

NOTICES = 24


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Workers]:
    yield from supervised(tmp_path)


@pytest.fixture
async def services(database_url: str, keys_dir: Path,
                   counting: tuple[MailSink, CountingHandler]) -> AsyncIterator[Services]:
    built = Services.build(make_settings(database_url, keys_dir, counting[0]))
    yield built
    await built.close()




def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"




async def _start(processes: Workers, settings: Settings) -> tuple[WorkerProcess, str]:
    port = free_port()
    server = processes.start(settings, "serve", command="serve", port=port, serve_processes=2)
    base = f"http://127.0.0.1:{port}"

    async def up() -> bool:
        assert server.process.poll() is None, server.output()
        try:
            async with aiohttp.request("GET", f"{base}/healthz") as response:
                return response.status == 200
        except aiohttp.ClientConnectionError:
            return False

    await wait_for(up, timeout=60)
    await wait_for(lambda: len(children_of(server.pid)) == 2, timeout=30)
    return server, base


async def _metric(base: str, name: str) -> float:
    async with aiohttp.request("GET", f"{base}/metrics") as response:
        text = await response.text()
    values = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
              if line.startswith(name) and not line.startswith("#")]
    return sum(values)


async def test_two_processes_share_the_port_the_work_and_the_counters(
        services: Services, counting: tuple[MailSink, CountingHandler], processes: Workers,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sink, handler = counting
    metrics_dir = tmp_path / "metrics"
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir))  # inherited by the server
    await store_customer(services)
    _, token = await apikeys.create(services.engine, "billing", frozenset(apikeys.SCOPES))
    server, base = await _start(processes, make_settings(services.settings.database_url,
                                                         Path(services.settings.keys_dir), sink))
    children = children_of(server.pid)

    for i in range(NOTICES):  # a new connection each: the kernel hands them to either copy
        async with aiohttp.request(
                "POST", f"{base}/api/v1/messages", headers={"Authorization": f"Bearer {token}",
                                                            "Idempotency-Key": f"k-{i}"},
                json={"customer_id": "c-1", "category": "invoice", "subject": "Faktura",
                      "body": f"Fakturaen din nummer {i} er klar."}) as response:
            assert response.status == 201, await response.text()

    await wait_for(lambda: len(handler.deliveries) == NOTICES, timeout=60)
    per_copy = {pid: _accepted_by(metrics_dir, pid) for pid in children}
    assert sum(per_copy.values()) == NOTICES
    assert all(per_copy.values()), f"one copy took every request: {per_copy}"
    assert set(handler.per_id().values()) == {1}  # the two in-process workers never sent one twice
    for _ in range(6):  # each scrape may be answered by either copy: all answer with the sum
        assert await _metric(base, "gateway_messages_accepted_total") == NOTICES
    await wait_for(lambda: _metric_equals(base, "gateway_notifications_sent_total", NOTICES), timeout=30)

    server.terminate()
    assert await server.wait(timeout=60) == 0, server.output()
    assert not any(_alive(pid) for pid in children), "a serve process outlived its supervisor"


def _accepted_by(metrics_dir: Path, pid: int) -> float:
    """What one copy counted, from its own file (prometheus_client's multiprocess format)."""
    from prometheus_client.multiprocess import MultiProcessCollector

    path = metrics_dir / f"counter_{pid}.db"
    if not path.exists():
        return 0.0
    return sum(sample.value for metric in MultiProcessCollector.merge([str(path)])
               for sample in metric.samples if sample.name == "gateway_messages_accepted_total")


async def _metric_equals(base: str, name: str, value: float) -> bool:
    return await _metric(base, name) == value


async def test_a_dead_copy_stops_the_service_with_exit_1(
        sqlite_url: str, keys_dir: Path, counting: tuple[MailSink, CountingHandler],
        processes: Workers) -> None:
    server, _ = await _start(processes, make_settings(sqlite_url, keys_dir, counting[0]))
    first, second = children_of(server.pid)
    os.kill(first, signal.SIGKILL)
    assert await server.wait(timeout=60) == 1
    await wait_for(lambda: not _alive(second), timeout=30)
    assert '"serve process died; stopping the others"' in server.output()


async def test_copies_stop_when_the_supervisor_is_killed(
        sqlite_url: str, keys_dir: Path, counting: tuple[MailSink, CountingHandler],
        processes: Workers) -> None:
    server, _ = await _start(processes, make_settings(sqlite_url, keys_dir, counting[0]))
    children = children_of(server.pid)
    server.kill()  # SIGKILL: no chance to stop the copies itself
    await wait_for(lambda: not any(_alive(pid) for pid in children), timeout=30)
