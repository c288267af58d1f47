"""Reading the outbox in tests, and the positive events that show the worker has finished."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from gateway.storage.schema import notifications
from gateway.web.services import Services

FINAL = frozenset({"sent", "failed", "held"})


async def outbox_rows(services: Services) -> list[dict[str, object]]:
    async with services.engine.connect() as conn:
        rows = await conn.execute(select(notifications))
        return [dict(row._mapping) for row in rows]


async def status_counts(services: Services) -> Counter[str]:
    return Counter(str(row["status"]) for row in await outbox_rows(services))


async def settled(services: Services) -> bool:
    """Every outbox row has its final result (sent, failed or held): nothing is pending or being
    sent, so no e-mail can follow from what is stored now."""
    return all(row["status"] in FINAL for row in await outbox_rows(services))
