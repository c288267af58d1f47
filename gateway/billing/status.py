"""What billing may read back about a message: its delivery and read status, never the content."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from gateway.billing.context import BillingContext
from gateway.errors import NotFound
from gateway.storage import reading
from gateway.storage.schema import messages, notifications


async def status(services: BillingContext, message_id: str) -> dict[str, Any]:
    """The delivery and read status billing may see: never the content."""
    async with reading(services.engine) as conn:
        row = (await conn.execute(
            select(messages.c.id, messages.c.customer_id, messages.c.category, messages.c.created_at,
                   messages.c.read_at, notifications.c.status, notifications.c.attempts,
                   notifications.c.sent_at, notifications.c.last_error, notifications.c.bounce_status,
                   notifications.c.bounce_diagnostic, notifications.c.bounced_at)
            .join(notifications, notifications.c.message_id == messages.c.id)
            .where(messages.c.id == message_id)
        )).first()
    if row is None:
        raise NotFound("No message with this id")
    return {
        "id": row.id, "customer_id": row.customer_id, "category": row.category,
        "created_at": _iso(row.created_at),
        "notification": {"status": row.status, "attempts": row.attempts,
                         "sent_at": _iso(row.sent_at), "last_error": row.last_error,
                         "bounce": None if row.bounced_at is None else {
                             "status": row.bounce_status, "diagnostic": row.bounce_diagnostic,
                             "bounced_at": _iso(row.bounced_at)}},
        "read_at": _iso(row.read_at),
    }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")
