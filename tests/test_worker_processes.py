"""`gateway worker` processes under real signals: SIGKILL mid-batch, SIGTERM mid-run, two workers
on one queue, and the global send-rate limit across processes.

Each worker is `python -m gateway worker` in its own process, configured only through GATEWAY_*
variables, sending to an aiosmtpd sink in the test process that notes every accepted mail's
Message-ID (stable per notification, so a repeated send is visible as a repeat). The notices are
stored the way the batch API stores them (messages.create_many), in the test's SQLite file or
PostgreSQL database. Waits poll with generous timeouts; nothing asserts on durations.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from gateway import audit
from gateway.delivery.devmail import MailSink
from gateway.delivery.worker import MAX_HELD_BATCHES
from gateway.settings import Settings
from gateway.web.services import Services
from tests.support.factories import create_notices, store_customer
from tests.support.net import free_port, page_shows
from tests.support.outbox import outbox_rows, status_counts
from tests.support.processes import CountingHandler, Workers, counting_sink
from tests.support.service import make_settings, wait_for

pytestmark = pytest.mark.slow  # real worker subprocesses


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    started = Workers(tmp_path)
    yield started
    started.stop_all()


@pytest.fixture
async def services_factory() -> AsyncIterator[list[Services]]:
    built: list[Services] = []
    yield built
    for services in built:
        await services.close()


def build(built: list[Services], settings: Settings) -> Services:
    services = Services.build(settings)
    built.append(services)
    return services


async def all_sent(services: Services, total: int) -> bool:
    counts = await status_counts(services)
    return counts.get("sent", 0) == total


async def started(workers: Workers, *names: str) -> bool:
    """True once each named worker has logged that its loop runs (so it is polling the queue)."""
    return all('"worker started"' in w.output() for w in workers if w.log.stem in names)


# ---------------------------------------------------------------- SIGKILL


async def test_sigkill_mid_batch_loses_nothing_and_repeats_only_in_flight(
        database_url: str, keys_dir: Path, counting: tuple[MailSink, CountingHandler],
        workers: Workers, services_factory: list[Services]) -> None:
    sink, handler = counting
    batch = 50
    settings = make_settings(database_url, keys_dir, sink, lease_seconds=2, retry_base_seconds=0.1,
                             worker_batch_size=batch, smtp_connections=4)
    services = build(services_factory, settings)
    await store_customer(services)
    ids = await create_notices(services, 1000)

    first = workers.start(settings, "first")
    await wait_for(lambda: len(handler.deliveries) >= 300, timeout=60)
    first.kill()
    assert first.process.returncode == -9
    # What the dead worker held: claimed, maybe sent, never recorded.
    in_flight = {r["id"] for r in await outbox_rows(services) if r["status"] == "sending"}
    assert len(in_flight) <= batch * MAX_HELD_BATCHES  # what it may hold claimed and unrecorded
    delivered_before = len(handler.deliveries)
    assert delivered_before < 1000, "the worker finished before it could be killed"

    second = workers.start(settings, "second")
    try:
        await wait_for(lambda: all_sent(services, 1000), timeout=90, interval=0.2)
    except AssertionError:
        raise AssertionError(f"not all sent: {await status_counts(services)}\n{workers.logs()}") from None

    counts = handler.per_id()
    rows = await outbox_rows(services)
    assert len(rows) == len(ids) == 1000
    assert set(counts) == {r["id"] for r in rows}, "a notice was never delivered"
    repeated = {nid for nid, n in counts.items() if n > 1}
    assert all(counts[nid] == 2 for nid in repeated)
    assert repeated <= in_flight, "a notice that was not in flight at the kill was sent twice"
    assert second.process.poll() is None  # still serving after the recovery
    # The kill may have cut a transaction short; the audit chain must not show it.
    assert (await audit.verify(services.engine)).ok


# ---------------------------------------------------------------- two workers on PostgreSQL


@pytest.mark.postgres
async def test_two_workers_on_postgres_never_send_a_job_twice(
        postgres_url: str, keys_dir: Path, counting: tuple[MailSink, CountingHandler],
        workers: Workers, services_factory: list[Services]) -> None:
    database_url = postgres_url
    sink, handler = counting
    settings = make_settings(database_url, keys_dir, sink, lease_seconds=3, retry_base_seconds=0.1,
                             worker_batch_size=50, smtp_connections=4)
    services = build(services_factory, settings)
    await store_customer(services)
    # Both running and polling before there is work, so both compete for every batch.
    # Each worker's envelope sender (the VERP bounce address) names its own bounce domain.
    workers.start(settings, "a", bounce_domain="a.kraft.example.no")
    workers.start(settings, "b", bounce_domain="b.kraft.example.no")
    await wait_for(lambda: started(workers, "a", "b"), timeout=60)
    await create_notices(services, 1000)

    try:
        await wait_for(lambda: all_sent(services, 1000), timeout=90, interval=0.2)
    except AssertionError:
        raise AssertionError(f"not all sent: {await status_counts(services)}\n{workers.logs()}") from None
    counts = handler.per_id()
    assert len(counts) == 1000
    assert {nid: n for nid, n in counts.items() if n > 1} == {}
    by_worker = {d.mail_from.rpartition("@")[2] for d in handler.deliveries}
    assert by_worker == {"a.kraft.example.no", "b.kraft.example.no"}, "both workers must have sent"
    assert {r["attempts"] for r in await outbox_rows(services)} == {1}  # no job was ever taken over
    assert (await audit.verify(services.engine)).ok  # two processes appending, one linear chain


# ---------------------------------------------------------------- SIGTERM


@pytest.mark.parametrize("command", ["worker", "serve"])
async def test_sigterm_finishes_in_flight_and_hands_back_the_rest(
        command: str, database_url: str, keys_dir: Path, workers: Workers,
        services_factory: list[Services]) -> None:
    """`gateway worker` and `gateway serve` (whose worker stops with the app) alike."""
    sink, handler = counting_sink(delay=0.2)  # sends stay in flight long enough to signal mid-run
    try:
        # One batch holds every job, and the lease is longer than any wait below: a job can only
        # come back to `pending` by being handed back, never by its lease running out.
        settings = make_settings(database_url, keys_dir, sink, lease_seconds=120, worker_batch_size=60,
                                 smtp_connections=4)
        services = build(services_factory, settings)
        await store_customer(services)
        await create_notices(services, 60)

        first = workers.start(settings, "first", command)
        await wait_for(lambda: len(handler.deliveries) >= 4, timeout=60)
        first.terminate()
        assert await first.wait(timeout=60) == 0, first.output()

        rows = await outbox_rows(services)
        statuses = {str(r["status"]) for r in rows}
        assert statuses <= {"sent", "pending"}, statuses  # nothing left leased to the dead owner
        sent = {r["id"] for r in rows if r["status"] == "sent"}
        pending = [r for r in rows if r["status"] == "pending"]
        # Every send that was in flight at SIGTERM finished and was recorded, and only those.
        assert sent == set(handler.per_id()), "a delivered e-mail is not recorded as sent"
        assert pending, "the claimed but unstarted jobs were sent instead of handed back"
        assert all(r["lease_owner"] is None and r["lease_expires_at"] is None for r in pending)
        assert all(r["attempts"] == 0 for r in pending)  # never tried, so not counted

        handler.delay = 0.0
        workers.start(settings, "second")
        # Far less than the 120 s lease: only a hand-back makes these available this soon.
        await wait_for(lambda: all_sent(services, 60), timeout=45, interval=0.2)
        counts = handler.per_id()
        assert len(counts) == 60 and set(counts.values()) == {1}
    finally:
        sink.stop()


# ---------------------------------------------------------------- the global rate limit


async def test_send_rate_limit_holds_across_two_workers(
        database_url: str, keys_dir: Path, counting: tuple[MailSink, CountingHandler],
        workers: Workers, services_factory: list[Services]) -> None:
    sink, handler = counting
    rate = 50.0
    settings = make_settings(database_url, keys_dir, sink, send_rate_per_second=rate, lease_seconds=10,
                             worker_batch_size=100)
    services = build(services_factory, settings)
    await store_customer(services)
    # Each worker's envelope sender (the VERP bounce address) names its own bounce domain.
    workers.start(settings, "a", bounce_domain="a.kraft.example.no")
    workers.start(settings, "b", bounce_domain="b.kraft.example.no")
    await wait_for(lambda: started(workers, "a", "b"), timeout=60)
    # The bucket is now at most full (one bucket = `rate` tokens), and stays so while idle.
    t0 = time.monotonic()
    await create_notices(services, 400)
    await wait_for(lambda: len(handler.deliveries) >= 200, timeout=60)

    deliveries = sorted(handler.deliveries, key=lambda d: d.at)
    # Tokens are taken when jobs are claimed, which is before they are delivered: by any delivery
    # time t at most one bucket plus rate * (t - t0) can have gone out, whichever worker sent them.
    worst = max(n + 1 - (rate + rate * (d.at - t0)) for n, d in enumerate(deliveries))
    assert worst <= 2, f"{worst:.1f} e-mails over the global limit"
    elapsed = deliveries[-1].at - t0
    assert len(deliveries) <= rate + rate * elapsed + 2
    assert {d.mail_from.rpartition("@")[2] for d in deliveries} == {"a.kraft.example.no", "b.kraft.example.no"}
    assert set(handler.per_id().values()) == {1}


# ---------------------------------------------------------------- a standalone worker's metrics


async def test_standalone_worker_serves_its_own_health_and_metrics(
        sqlite_url: str, keys_dir: Path, counting: tuple[MailSink, CountingHandler],
        workers: Workers, services_factory: list[Services]) -> None:
    import aiohttp


    sink, handler = counting
    settings = make_settings(sqlite_url, keys_dir, sink)
    services = build(services_factory, settings)
    await store_customer(services)
    await create_notices(services, 3)
    port = free_port()
    workers.start(settings, "metrics", worker_metrics_port=port)
    await wait_for(lambda: len(handler.deliveries) == 3, timeout=30)
    async with aiohttp.ClientSession() as http:
        await wait_for(lambda: page_shows(http, f"http://127.0.0.1:{port}/metrics",
                                          "gateway_notifications_sent_total 3.0"), timeout=30)
        async with http.get(f"http://127.0.0.1:{port}/readyz") as response:
            assert response.status == 200
        async with http.get(f"http://127.0.0.1:{port}/api/v1/openapi.json") as response:
            assert response.status == 404  # only the operations endpoints, never the API
