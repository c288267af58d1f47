"""Write callback events in the caller's transaction: one row per event for a message whose client
has a callback URL (a client without one gets none, so nothing piles up for nobody)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.ids import new_id
from gateway.storage.inserts import insert_rows
from gateway.storage.schema import callback_events, callbacks, messages

EVENT_TYPES = ("sent", "failed", "held", "bounced", "read")


def emit_sync(conn: Connection, events: Sequence[tuple[str, str, datetime]]) -> int:
    """Queue (message_id, type, occurred_at) events; returns how many rows were written."""
    if not events:
        return 0
    ids = sorted({message_id for message_id, _, _ in events})
    owners = dict(conn.execute(
        select(messages.c.id, messages.c.client_id)
        .join(callbacks, callbacks.c.client_id == messages.c.client_id)
        .where(messages.c.id.in_(ids))
    ).tuples().all())
    rows = [{"id": "evt_" + new_id(), "client_id": owners[message_id], "message_id": message_id, "type": kind,
             "occurred_at": at, "status": "pending", "attempts": 0, "next_attempt_at": at}
            for message_id, kind, at in events if message_id in owners]
    if rows:
        insert_rows(conn, callback_events, rows)
    return len(rows)


async def emit(conn: AsyncConnection, events: Sequence[tuple[str, str, datetime]]) -> int:
    return await conn.run_sync(emit_sync, events)
