"""The daily retention run inside `gateway serve`, on one node at a time.

Every process of every node checks once an interval (GATEWAY_RETENTION_CHECK_SECONDS, default an
hour) whether a day has passed since the last run; the one whose conditional UPDATE of the
`privacy_leases` row succeeds runs it (its lease expires after an hour, so a node that dies mid-run
does not block the next day's run), the others see the row taken or the run recent and wait.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

from aiohttp import web
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.clock import SYSTEM, Clock
from gateway.periodic import Periodic
from gateway.privacy import retention
from gateway.privacy.context import PRIVACY
from gateway.storage.schema import privacy_leases

log = logging.getLogger("gateway.retention")
RETENTION = "retention"
PERIOD = timedelta(days=1)
LEASE = timedelta(hours=1)


def holder_id() -> str:
    return f"{os.uname().nodename[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


async def claim_daily(engine: AsyncEngine, name: str, holder: str, clock: Clock = SYSTEM) -> bool:
    """True if `holder` may run job `name` now: no live lease, and no run within the last day."""
    now = clock.now()
    async with engine.begin() as conn:
        if (await conn.execute(select(privacy_leases.c.name).where(privacy_leases.c.name == name))).first() is None:
            try:
                async with conn.begin_nested():
                    await conn.execute(privacy_leases.insert().values(name=name))
            except IntegrityError:
                pass  # another node made it first
    async with engine.begin() as conn:
        taken = await conn.execute(
            update(privacy_leases)
            .where(privacy_leases.c.name == name,
                   or_(privacy_leases.c.expires_at.is_(None), privacy_leases.c.expires_at < now),
                   or_(privacy_leases.c.last_run_at.is_(None), privacy_leases.c.last_run_at <= now - PERIOD))
            .values(holder=holder, expires_at=now + LEASE))
        return bool(taken.rowcount)


async def finish(engine: AsyncEngine, name: str, holder: str, clock: Clock = SYSTEM) -> None:
    async with engine.begin() as conn:
        await conn.execute(update(privacy_leases)
                           .where(privacy_leases.c.name == name, privacy_leases.c.holder == holder)
                           .values(holder=None, expires_at=None, last_run_at=clock.now()))


async def run_if_due(app: web.Application, holder: str, clock: Clock = SYSTEM) -> retention.RetentionReport | None:
    ctx = app[PRIVACY]
    if not await claim_daily(ctx.engine, RETENTION, holder, clock):
        return None
    report = await retention.run(ctx.engine, ctx.crypto, ctx.settings.erasure_log_file,
                                 retention.policy_from(ctx.settings), clock=clock)
    await finish(ctx.engine, RETENTION, holder, clock)
    log.info("retention run", extra={"customers": len(report.customers)})
    return report


def run_daily_in_app(app: web.Application, interval: Callable[[], float]) -> None:
    """Start the checking loop with the app, stop it with the app."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        holder = holder_id()
        # Stopped between checks, never mid-run: a run ends with its lease released.
        rounds = Periodic("retention run", lambda: run_if_due(app, holder), interval,
                          failure_level=logging.ERROR).start()
        yield
        await rounds.stop()

    app.cleanup_ctx.append(ctx)
