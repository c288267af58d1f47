"""The console tests' gateway: the real app on a loopback port with its worker, on the clock the
test moves (as the `clock` fixture and as `gw.clock`). A test file that sets `RUN_WORKER = False`
gets it without the worker; one needing another set-up (an identity provider) defines its own `gw`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from gateway.clock import FakeClock
from gateway.delivery.devmail import MailSink
from gateway.settings import Settings
from tests.console.console_helpers import start_console_gateway
from tests.support.service import Gateway, stop_gateway


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def gw(request: pytest.FixtureRequest, settings: Settings, sink: MailSink,
             clock: FakeClock) -> AsyncIterator[Gateway]:
    run_worker = getattr(request.module, "RUN_WORKER", True)
    running = await start_console_gateway(settings, sink, clock, run_worker=run_worker)
    running.clock = clock  # type: ignore[attr-defined]
    yield running
    await stop_gateway(running)
