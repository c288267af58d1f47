"""Failed staff sign-ins, counted per account and per source address, with a lockout.

Each key ("account:<id>", "source:<hash of the address>") counts failures in a window; reaching
the limit locks the key until the lockout has passed. A success clears the account's count (not
the source's: one right password must not wipe a guessing run's record). Times come from the
injected clock, so tests move time instead of waiting.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.storage.schema import staff_throttle


@dataclass(frozen=True)
class Limits:
    account_failures: int = 5
    source_failures: int = 20
    window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=15)


def account_key(staff_id: str) -> str:
    return f"account:{staff_id}"


def source_key(address: str | None) -> str:
    # The address itself is not kept: a hash is enough to count by.
    return "source:" + hashlib.sha256((address or "unknown").encode()).hexdigest()[:40]


async def locked(conn: AsyncConnection, keys: list[str], now: datetime) -> bool:
    rows = await conn.execute(select(staff_throttle.c.locked_until).where(staff_throttle.c.key.in_(keys)))
    return any(row.locked_until is not None and row.locked_until > now for row in rows)


async def failure(conn: AsyncConnection, key: str, limit: int, limits: Limits, now: datetime) -> bool:
    """Count one failure; True when this key is now locked."""
    row = (await conn.execute(select(staff_throttle).where(staff_throttle.c.key == key))).first()
    if row is None or now - row.window_start >= limits.window:
        count, start = 1, now
        await conn.execute(delete(staff_throttle).where(staff_throttle.c.key == key))
        await conn.execute(staff_throttle.insert().values(key=key, failures=1, window_start=now,
                                                          locked_until=now + limits.lockout if limit <= 1 else None))
        return limit <= 1
    count, start = row.failures + 1, row.window_start
    lock = now + limits.lockout if count >= limit else None
    await conn.execute(update(staff_throttle).where(staff_throttle.c.key == key)
                       .values(failures=count, window_start=start, locked_until=lock))
    return lock is not None


async def clear(conn: AsyncConnection, key: str) -> None:
    await conn.execute(delete(staff_throttle).where(staff_throttle.c.key == key))
