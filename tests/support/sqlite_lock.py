"""Hold SQLite's write lock from a test, as another process writing for a long while would."""

from __future__ import annotations

import asyncio
import sqlite3


async def take_write_lock(conn: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE, retried without blocking the event loop (the gateway under test runs on it
    and may hold the lock for a moment)."""
    for _ in range(1000):
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError:
            await asyncio.sleep(0.01)
    raise AssertionError("the write lock never came free")
