"""Refused credentials: counted, audited in aggregate, and rate-limited.

Every refused Authorization header used to append its own audit row, so a client sending wrong keys
could grow the append-only, hash-chained log without bound and slow everyone down. Now refusals are
counted per source and key prefix (the key id part of a well-formed key, never the secret) within a
time window; when a window has ended, one audit row records its counts. A source with
REFUSALS_PER_WINDOW refusals in the current window is answered 429 with Retry-After until the
window ends, before its credentials are looked up, unless they are a key this process has already
verified (so valid clients sharing the address keep working). The clock is injectable, so tests need no
sleeping. The source address goes to the audit log only as a keyed digest (HMAC with the index
key): an operator holding the keys can match a suspect address, a reader of the log cannot."""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from aiohttp import web

from gateway import audit, metrics
from gateway.periodic import Periodic
from gateway.rest.apikeys import KEYS

WINDOW_SECONDS = 60.0
REFUSALS_PER_WINDOW = 20
MAX_SOURCES = 1000  # distinct (source, prefix) pairs kept per window; the rest are counted as "other"


def key_prefix(token: str) -> str:
    """The public key id of a well-formed key (gw_<id>_<secret>), or a fixed word: never the secret."""
    parts = token.split("_")
    if len(parts) >= 3 and parts[0] == "gw" and len(parts[1]) == 16 and parts[1].isascii() and parts[1].isalnum():
        return parts[1]
    return "malformed"


@dataclass
class RefusalThrottle:
    clock: Callable[[], float] = time.monotonic
    window: float = WINDOW_SECONDS
    limit: int = REFUSALS_PER_WINDOW
    started: float | None = None
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    per_source: Counter[str] = field(default_factory=Counter)
    ended: list[tuple[float, Counter[tuple[str, str]]]] = field(default_factory=list)

    def _roll(self) -> float:
        now = self.clock()
        if self.started is None:
            self.started = now
        elif now - self.started >= self.window:
            if self.counts:
                self.ended.append((self.started, self.counts))
            # Windows are aligned to the first one, so a quiet spell leaves no empty windows.
            self.started += math.floor((now - self.started) / self.window) * self.window
            self.counts, self.per_source = Counter(), Counter()
        return now

    def retry_after(self, source: str) -> int | None:
        """Seconds until `source` may try again, or None if it is not being throttled."""
        now = self._roll()
        if self.per_source[source] < self.limit:
            return None
        assert self.started is not None
        return max(1, math.ceil(self.started + self.window - now))

    def refused(self, source: str, prefix: str) -> None:
        self._roll()
        pair = (source, prefix)
        if pair not in self.counts and len(self.counts) >= MAX_SOURCES:
            pair = ("other", "other")
        self.counts[pair] += 1
        self.per_source[source] += 1

    def take_ended(self) -> list[tuple[float, Counter[tuple[str, str]]]]:
        """The windows that have ended since the last call, with their counts."""
        self._roll()
        ended, self.ended = self.ended, []
        return ended

    def take_all(self) -> list[tuple[float, Counter[tuple[str, str]]]]:
        """Everything counted, the current window too (at shutdown)."""
        ended = self.take_ended()
        if self.counts and self.started is not None:
            ended.append((self.started, self.counts))
            self.counts, self.per_source = Counter(), Counter()
        return ended


THROTTLE = web.AppKey("refusal_throttle", RefusalThrottle)
# The key that digests source addresses for the audit log (the keyring's index key; set by the app factory).
DIGEST_KEY = web.AppKey("refusal_digest_key", bytes)


def source_of(request: web.Request) -> str:
    return request.remote or "unknown"


def retry_after(request: web.Request) -> int | None:
    """Seconds the request's source must wait, or None if it is not being throttled."""
    return request.app[THROTTLE].retry_after(source_of(request))


def too_many(request: web.Request, wait: int) -> web.Response:
    from gateway.rest.problems import instance_of, problem

    metrics.auth_refused.labels("throttled").inc()
    return problem(429, "Too many requests with refused credentials; try again later",
                   instance=instance_of(request), headers={"Retry-After": str(wait)})


async def record(request: web.Request, token: str) -> None:
    """Count one refused credential, and audit the windows that have ended since the last one."""
    throttle = request.app[THROTTLE]
    throttle.refused(source_of(request), key_prefix(token))
    metrics.auth_refused.labels("invalid").inc()
    await flush(request.app, throttle.take_ended())


async def flush(app: web.Application, windows: list[tuple[float, Counter[tuple[str, str]]]]) -> None:
    if not windows:
        return
    index_key = app[DIGEST_KEY]
    throttle = app[THROTTLE]
    entries = [audit.Entry("anonymous", "api.auth_failed", None, {
        "window_seconds": throttle.window,
        "refusals": sum(counts.values()),
        "by_source": [{"source": _digest(index_key, source), "key_prefix": prefix, "count": count}
                      for (source, prefix), count in sorted(counts.items())],
    }) for _, counts in windows]
    async with app[KEYS].engine.begin() as conn:
        await audit.append_many(conn, entries)


def _digest(key: bytes, source: str) -> str:
    return hmac.new(key, b"audit-source:" + source.encode(), hashlib.sha256).hexdigest()[:32]


async def throttle_ctx(app: web.Application) -> AsyncIterator[None]:
    """Audit ended windows even when no refusal follows them, and the last one at shutdown."""
    throttle = app[THROTTLE]
    rounds = Periodic("refused-credential audit", lambda: flush(app, throttle.take_ended()),
                      lambda: throttle.window).start()
    yield
    await rounds.stop()
    await flush(app, throttle.take_all())
