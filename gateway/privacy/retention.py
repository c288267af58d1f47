"""Retention by the seed's rule (docs/operations.md, "Retention").

A customer is due for erasure when the relationship has ended and `years` (default 5) have passed
since the last invoice was settled (since the end, if no invoice was ever settled). Years are
calendar years in Norway (Europe/Oslo). Shorter periods per message category (support threads,
say) delete only those messages, `days` after they were created.

`run` erases due customers through `erasure.erase_many` (the same crypto-shredding as an erasure on
request) and deletes due messages, both in batches; it returns ids and counts only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import MAXYEAR, MINYEAR, UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import audit
from gateway.clock import SYSTEM, Clock
from gateway.crypto import Crypto
from gateway.privacy.erasure import CHUNK, erase_many
from gateway.settings import Settings
from gateway.storage import reading
from gateway.storage.schema import attachments, customers, messages, notifications, replies

NORWAY = ZoneInfo("Europe/Oslo")


@dataclass(frozen=True)
class RetentionPolicy:
    years: int = 5
    category_days: Mapping[str, int] = field(default_factory=dict)


@dataclass
class RetentionReport:
    customers: list[str] = field(default_factory=list)
    messages: dict[str, list[str]] = field(default_factory=dict)  # category -> message ids
    dry_run: bool = False

    def counts(self) -> dict[str, object]:
        return {"customers": len(self.customers), "dry_run": self.dry_run,
                "messages": {category: len(ids) for category, ids in sorted(self.messages.items())}}


def policy_from(settings: Settings) -> RetentionPolicy:
    """GATEWAY_RETENTION_YEARS and GATEWAY_RETENTION_CATEGORY_DAYS ("support=365,general=730")."""
    days = {}
    for item in filter(None, (part.strip() for part in settings.retention_category_days.split(","))):
        name, _, count = item.partition("=")
        days[name.strip()] = int(count)
    return RetentionPolicy(settings.retention_years, days)


def years_before(moment: datetime, years: int) -> datetime:
    """The same local time `years` calendar years earlier in Norway (29 February -> 28 February)."""
    if not MINYEAR < moment.year - years < MAXYEAR:  # dates stored before 1900-2199 was enforced
        return (datetime.max if years < 0 else datetime.min).replace(tzinfo=UTC)
    local = moment.astimezone(NORWAY)
    try:
        earlier = local.replace(year=local.year - years)
    except ValueError:
        earlier = local.replace(year=local.year - years, day=28)
    return earlier.replace(tzinfo=None).replace(tzinfo=NORWAY).astimezone(UTC)


def years_after(moment: datetime, years: int) -> datetime:
    return years_before(moment, -years)


def erase_after(ended: datetime | None, settled: datetime | None, policy: RetentionPolicy) -> datetime | None:
    """When the customer becomes due (None while the relationship lasts): the rule of `due`."""
    if ended is None:
        return None
    return max(ended, years_after(settled or ended, policy.years))


async def due(engine: AsyncEngine, policy: RetentionPolicy, now: datetime) -> RetentionReport:
    cutoff = years_before(now, policy.years)
    ended, settled = customers.c.relationship_ended_at, customers.c.last_invoice_settled_at
    report = RetentionReport()
    async with reading(engine) as conn:
        report.customers = list((await conn.execute(
            select(customers.c.id).where(
                customers.c.erased_at.is_(None), ended.is_not(None), ended <= now,
                or_(settled <= cutoff, and_(settled.is_(None), ended <= cutoff)))
            .order_by(customers.c.id))).scalars())
        for category, days in sorted(policy.category_days.items()):
            report.messages[category] = list((await conn.execute(
                select(messages.c.id).where(messages.c.category == category,
                                            messages.c.created_at <= now - timedelta(days=days))
                .order_by(messages.c.id))).scalars())
    return report


async def run(engine: AsyncEngine, crypto: Crypto, log_path: Path, policy: RetentionPolicy, *,
              clock: Clock = SYSTEM, dry_run: bool = False, actor: str = "retention") -> RetentionReport:
    """Find what is due and (unless `dry_run`) erase it; every run leaves one audit entry."""
    report = await due(engine, policy, clock.now())
    report.dry_run = dry_run
    if not dry_run:
        if report.customers:
            await erase_many(engine, crypto, log_path, report.customers, actor, clock)
        for ids in report.messages.values():
            await _delete_messages(engine, ids)
    async with engine.begin() as conn:
        await audit.append(conn, audit.Entry(actor, "retention.run", None, report.counts()))
    return report


async def _delete_messages(engine: AsyncEngine, ids: list[str]) -> None:
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        async with engine.begin() as conn:
            await conn.execute(delete(notifications).where(notifications.c.message_id.in_(chunk)))
            await conn.execute(delete(replies).where(replies.c.message_id.in_(chunk)))
            await conn.execute(delete(attachments).where(attachments.c.message_id.in_(chunk)))
            await conn.execute(delete(messages).where(messages.c.id.in_(chunk)))
