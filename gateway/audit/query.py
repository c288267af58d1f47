"""Reading the audit log for the auditor: filter by actor, customer, action and time, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.storage.schema import audit_log


@dataclass(frozen=True)
class Row:
    seq: int
    at: datetime
    actor: str
    action: str
    subject: str | None
    details: str


@dataclass(frozen=True)
class Filter:
    actor: str = ""
    customer: str = ""  # an entry about the customer: its subject, or customer_id in its details
    action: str = ""  # exact, or a prefix ending in "." (e.g. "staff.")
    since: datetime | None = None
    until: datetime | None = None


async def search(conn: AsyncConnection, where: Filter, limit: int = 500) -> list[Row]:
    query = select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit)
    if where.actor:
        query = query.where(audit_log.c.actor == where.actor)
    if where.customer:
        query = query.where(or_(audit_log.c.subject == where.customer, audit_log.c.details.contains(
            f'"customer_id":"{where.customer}"', autoescape=True)))
    if where.action:
        query = query.where(audit_log.c.action.startswith(where.action, autoescape=True)
                            if where.action.endswith(".") else audit_log.c.action == where.action)
    if where.since is not None:
        query = query.where(audit_log.c.at >= where.since)
    if where.until is not None:
        query = query.where(audit_log.c.at < where.until)
    return [Row(r.seq, r.at, r.actor, r.action, r.subject, r.details) for r in await conn.execute(query)]
