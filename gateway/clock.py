"""The time the gateway runs on, passed explicitly to what keeps time (sessions, outbox leases and
retries, API-key revalidation), so tests can move it instead of waiting for it.

`now()` is the wall clock as an aware UTC datetime: what is stored and compared with stored
timestamps. `monotonic()` is for intervals within the process (lease margins, cache ages).
Production uses SYSTEM; FakeClock stands still until a test advances it. How often something
looks (the worker's idle poll, the session sweep) stays on the event loop's own timer: a clock
decides what is due or expired, not when the next look happens.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...

    def monotonic(self) -> float: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


SYSTEM: Clock = SystemClock()


class FakeClock:
    """A clock for tests: starts at `start` (default: the real time now, so rows stored by code
    that reads the system clock stay comparable) and moves only when advanced."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime.now(UTC)
        self._monotonic = 1000.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._monotonic

    def advance(self, seconds: float) -> None:
        self.advance_to(self._now + timedelta(seconds=seconds))

    def advance_to(self, moment: datetime) -> None:
        """Move to `moment` exactly (e.g. a stored due time), never back."""
        step = (moment - self._now).total_seconds()
        if step < 0:
            raise ValueError("a clock does not go back")
        self._now = moment
        self._monotonic += step
