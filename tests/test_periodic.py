"""Background rounds (session sweeps, template refreshes, the retention check) stop between rounds,
never inside one: a round cancelled inside a database transaction used to leave SQLite's write lock
to the garbage collector, and the next start of the service on that file waited 30 s and failed."""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import pytest

from gateway.periodic import Periodic
from tests.support.service import start_gateway, stop_gateway


async def test_stop_lets_the_round_in_progress_finish() -> None:
    started, proceed, finished = asyncio.Event(), asyncio.Event(), []

    async def work() -> None:
        started.set()
        await proceed.wait()
        finished.append(True)

    rounds = Periodic("test round", work, 3600, at_start=True).start()
    await started.wait()
    stopping = asyncio.create_task(rounds.stop())  # asked while the round waits for `proceed`
    proceed.set()
    await asyncio.wait_for(stopping, 5)
    assert finished == [True]


async def test_stop_between_rounds_is_prompt_and_runs_nothing_more() -> None:
    runs: list[int] = []

    async def work() -> None:
        runs.append(1)

    rounds = Periodic("test round", work, 3600).start()  # first round only after an hour
    await asyncio.wait_for(rounds.stop(), 5)
    assert runs == []


async def test_a_failing_round_is_logged_by_name_and_the_next_one_runs(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[int] = []
    two = asyncio.Event()

    async def work() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("customer 12345678901 unreachable")
        two.set()

    with caplog.at_level(logging.WARNING, logger="gateway.periodic"):
        rounds = Periodic("test sweep", work, 0.01, at_start=True).start()
        await asyncio.wait_for(two.wait(), 5)
        await rounds.stop()
    assert [r.getMessage() for r in caplog.records] == ["test sweep failed"]


def _write_lock_free(path: str) -> bool:
    conn = sqlite3.connect(path, timeout=1, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_stopped_service_leaves_the_database_unlocked(settings, sink) -> None:  # type: ignore[no-untyped-def]
    # Stopped right after starting, while the first session sweeps are in their transactions.
    path = settings.database_url.split(":///", 1)[1]
    for attempt in range(15):
        gateway = await start_gateway(settings, sink, run_worker=False)
        await stop_gateway(gateway)
        assert _write_lock_free(path), f"write lock still held after stop #{attempt + 1}"
