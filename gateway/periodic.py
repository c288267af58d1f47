"""Background work done in rounds (sweeps, refreshes, the daily retention check) that stops
between rounds, never in the middle of one.

Cancelling a task inside a database transaction is not safe with SQLAlchemy's asyncio engines: a
connection whose BEGIN had reached SQLite but whose await was cancelled is left to the garbage
collector, holding SQLite's write lock until it runs. So stop() lets a round in progress finish
(its transaction commits or rolls back as usual) and only then ends the task.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("gateway.periodic")


class Periodic:
    """Run `work` every `interval` seconds (a number, or a callable read before each wait), the
    first time at once when `at_start`, else after the first interval. A failing round is logged
    (by `name`, never with its data) and the next one runs on schedule."""

    def __init__(self, name: str, work: Callable[[], Awaitable[object]],
                 interval: float | Callable[[], float], *, at_start: bool = False,
                 failure_level: int = logging.WARNING) -> None:
        self.name = name
        self._failure_level = failure_level
        self._work = work
        self._interval = interval if callable(interval) else (lambda: interval)
        self._at_start = at_start
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> Periodic:
        self._task = asyncio.create_task(self._run(), name=self.name)
        return self

    async def stop(self) -> None:
        """Ask the rounds to end and wait for the one in progress, if any, to finish."""
        self._stopping.set()
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        if not self._at_start and await self._stopped_within(self._interval()):
            return
        while True:
            try:
                await self._work()
            except Exception:  # logged; the next round tries again
                log.log(self._failure_level, "%s failed", self.name, exc_info=True)
            if await self._stopped_within(self._interval()):
                return

    async def _stopped_within(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except TimeoutError:
            return False
        return True
