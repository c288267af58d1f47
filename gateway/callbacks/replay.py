"""Replay: given-up (and, if asked, delivered) events become pending again, due now, attempts from
zero; the dispatcher then delivers them in their original order per message."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Connection, update
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import audit
from gateway.storage.schema import callback_events
from gateway.storage.types import utcnow
from gateway.storage.writer import writer_for


async def replay(engine: AsyncEngine, *, client_id: str | None, message_id: str | None, since: datetime | None,
                 include_delivered: bool, actor: str) -> int:
    """Given-up (and, if asked, delivered) events pending again, due now, attempts from zero."""
    def run(conn: Connection) -> int:
        statuses = ["failed", "delivered"] if include_delivered else ["failed"]
        where: list[ColumnElement[bool]] = [callback_events.c.status.in_(statuses)]
        if client_id is not None:
            where.append(callback_events.c.client_id == client_id)
        if message_id is not None:
            where.append(callback_events.c.message_id == message_id)
        if since is not None:
            where.append(callback_events.c.occurred_at >= since)
        count = conn.execute(update(callback_events).where(*where).values(
            status="pending", attempts=0, next_attempt_at=utcnow(), last_error=None, delivered_at=None,
            lease_owner=None, lease_expires_at=None)).rowcount
        audit.append_many_sync(conn, [audit.Entry(actor, "callback.replay", client_id, {"events": count})])
        return count

    return int(await writer_for(engine).run(run))
