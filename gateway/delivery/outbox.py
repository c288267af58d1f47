"""The outbox table as a job queue: claim with a lease, finish with a result, recover the abandoned.

A claimed job is `sending` with a lease owner and expiry. A live worker renews the leases of the
jobs it still holds while it works on them (`renew`), so a batch that takes longer than one lease
is not taken over half-way. A worker that dies stops renewing and leaves its leases to expire, and
the next claim picks the jobs up again (so a send in flight at the moment of death may be repeated;
nothing is lost). Workers only renew and finish jobs whose lease they still hold, so two live
workers never both complete the same job. On PostgreSQL claims use FOR UPDATE SKIP LOCKED so
workers do not queue behind each other; on SQLite the write lock serialises them. A claim takes
jobs whose lease ran out first, then pending jobs in due order. Claims, renewals and results are
written as whole transactions through gateway/storage/writer.py (`*_sync` functions; on SQLite one
thread runs each transaction start to end, holding the write lock only for the database work).
The global send-rate limit is a token bucket row: a claim takes as many tokens as jobs.

Results: "sent", "retry" (pending again after backoff, or "failed" once past the give-up age),
"failed", "held", and "released" (never attempted, e.g. on shutdown: handed back at once with the
attempt not counted).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.clock import SYSTEM, Clock
from gateway.storage import reading
from gateway.storage.schema import notifications, rate_limits
from gateway.storage.writer import writer_for

STATUSES = ("pending", "sending", "sent", "failed", "held", "bounced", "undeliverable")
MAX_BACKOFF_SECONDS = 3600.0
_BUCKET = "smtp"


@dataclass(frozen=True)
class Job:
    id: str
    message_id: str
    customer_id: str
    attempts: int
    created_at: datetime
    bounce_token: str | None = None  # None for notifications queued before migration 0004


@dataclass(frozen=True)
class Result:
    job: Job
    status: str  # "sent", "retry", "failed", "held" or "released"
    error: str | None = None


def backoff(attempts: int, base: float) -> float:
    """Exponential backoff with "equal jitter": half fixed, half random, so retries spread out."""
    delay = min(MAX_BACKOFF_SECONDS, base * 2 ** max(0, attempts - 1))
    return delay / 2 + random.uniform(0, delay / 2)


@dataclass(frozen=True)
class Claim:
    jobs: list[Job]
    short_of_tokens: bool  # the global send-rate limit allowed fewer jobs than asked for


async def claim(engine: AsyncEngine, owner: str, limit: int, lease_seconds: float,
                rate_per_second: float, clock: Clock = SYSTEM) -> list[Job]:
    return (await claim_batch(engine, owner, limit, lease_seconds, rate_per_second, clock)).jobs


async def claim_batch(engine: AsyncEngine, owner: str, limit: int, lease_seconds: float,
                      rate_per_second: float, clock: Clock = SYSTEM) -> Claim:
    """Lease up to `limit` due jobs (and as many send-rate tokens) to `owner`."""
    return await writer_for(engine).run(claim_sync, owner, limit, lease_seconds, rate_per_second, clock)


def claim_sync(conn: Connection, owner: str, limit: int, lease_seconds: float, rate_per_second: float,
               clock: Clock = SYSTEM) -> Claim:
    """claim_batch's transaction, whole (gateway/storage/writer.py runs it in one go)."""
    now = clock.now()
    tokens, at = _tokens(conn, rate_per_second, clock)
    allowed = min(limit, int(tokens))
    if allowed <= 0:
        return Claim([], short_of_tokens=True)
    # Jobs of a worker that died first (their lease ran out), then pending jobs in due order. Two
    # statements, because each is a short walk of the (status, next_attempt_at) index, where one
    # with both conditions ORed makes SQLite collect and sort every due row, on each claim.
    rows = _lease(conn, owner, _expired(now), notifications.c.lease_expires_at, allowed, now, lease_seconds)
    if len(rows) < allowed:
        rows += _lease(conn, owner, _pending(now), notifications.c.next_attempt_at, allowed - len(rows), now,
                       lease_seconds)
    _spend(conn, tokens, at, len(rows))
    jobs = [Job(r.id, r.message_id, r.customer_id, r.attempts, r.created_at, r.bounce_token) for r in rows]
    return Claim(jobs, short_of_tokens=tokens < limit and len(jobs) == allowed)


def _lease(conn: Connection, owner: str, due: ColumnElement[bool], order: ColumnElement[Any], limit: int,
           now: datetime, lease_seconds: float) -> list[Row[Any]]:
    ids = select(notifications.c.id).where(due).order_by(order).limit(limit).with_for_update(skip_locked=True)
    return list(conn.execute(
        update(notifications)
        .where(notifications.c.id.in_(ids.scalar_subquery()))
        .values(status="sending", lease_owner=owner, attempts=notifications.c.attempts + 1,
                lease_expires_at=now + timedelta(seconds=lease_seconds))
        .returning(notifications.c.id, notifications.c.message_id, notifications.c.customer_id,
                   notifications.c.attempts, notifications.c.created_at, notifications.c.bounce_token)
    ).all())


def _pending(now: datetime) -> ColumnElement[bool]:
    return and_(notifications.c.status == "pending", notifications.c.next_attempt_at <= now)


def _expired(now: datetime) -> ColumnElement[bool]:
    """Sending under a lease that has run out: its worker died or stalled."""
    return and_(notifications.c.status == "sending", notifications.c.lease_expires_at < now)


def _due(now: datetime) -> ColumnElement[bool]:
    """Claimable: pending and due, or sending under a lease that has run out."""
    return or_(_pending(now), _expired(now))


async def any_due(engine: AsyncEngine, clock: Clock = SYSTEM) -> bool:
    """Whether a claim now would find a job: a read, so an idle worker polling with it neither
    takes the write lock nor touches the rate-limit row."""
    async with reading(engine) as conn:
        row = (await conn.execute(select(notifications.c.id).where(_due(clock.now())).limit(1))).first()
    return row is not None


def _tokens(conn: Connection, rate: float, clock: Clock) -> tuple[float, float]:
    """The global send-rate limit: a token bucket row shared by all workers, locked for this
    claim. Returns the tokens available now (refilled since the last spend) and now."""
    bucket = select(rate_limits).where(rate_limits.c.name == _BUCKET).with_for_update()
    capacity = max(1.0, rate)
    row = conn.execute(bucket).first()
    if row is None:
        insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        conn.execute(insert(rate_limits).values(name=_BUCKET, tokens=capacity, updated_at=clock.now().timestamp())
                     .on_conflict_do_nothing(index_elements=["name"]))
        row = conn.execute(bucket).one()
    now = clock.now().timestamp()  # once the row is locked, as before: no other claim comes between
    return min(capacity, row.tokens + max(0.0, now - row.updated_at) * rate), now


def _spend(conn: Connection, tokens: float, now: float, count: int) -> None:
    """Store the bucket as it is after this claim. Nothing to store when nothing was spent: the
    refill is a function of the stored tokens and time, so it is the same computed later."""
    if count:
        conn.execute(update(rate_limits).where(rate_limits.c.name == _BUCKET)
                     .values(tokens=tokens - count, updated_at=now))


@dataclass(frozen=True)
class Renewal:
    renewed: set[str]  # leases extended now
    busy: set[str]  # still this owner's, but locked by another of its own transactions (a recording): not extended


async def renew(engine: AsyncEngine, owner: str, ids: Sequence[str], lease_seconds: float,
                clock: Clock = SYSTEM) -> set[str]:
    """Extend this owner's leases on `ids`; returns the ids extended (a job whose lease was taken
    over, or that is no longer `sending`, is not renewed and not returned)."""
    return (await renew_leases(engine, owner, ids, lease_seconds, clock)).renewed


async def renew_leases(engine: AsyncEngine, owner: str, ids: Sequence[str], lease_seconds: float,
                       clock: Clock = SYSTEM) -> Renewal:
    """renew, telling apart the jobs still held but not extended because a transaction of the
    owner's own has them locked (PostgreSQL): the renewal never waits for a row lock, so a
    recording that is slow to commit cannot hold up the renewal of every other job held."""
    if not ids:
        return Renewal(set(), set())
    return await writer_for(engine).run(_renew_sync, owner, list(ids), lease_seconds, clock)


def _renew_sync(conn: Connection, owner: str, ids: list[str], lease_seconds: float, clock: Clock) -> Renewal:
    mine = and_(notifications.c.id.in_(ids), notifications.c.lease_owner == owner,
                notifications.c.status == "sending")
    # SKIP LOCKED: a row locked by a claim or recording is passed over, never waited for.
    free = select(notifications.c.id).where(mine).with_for_update(skip_locked=True)
    renewed = set(conn.execute(
        update(notifications)
        .where(notifications.c.id.in_(free.scalar_subquery()))
        .values(lease_expires_at=clock.now() + timedelta(seconds=lease_seconds))
        .returning(notifications.c.id)
    ).scalars())
    rest = [job_id for job_id in ids if job_id not in renewed]
    # Passed over: the last committed state says whether the job is still this owner's.
    busy = set(conn.execute(select(notifications.c.id).where(
        notifications.c.id.in_(rest), notifications.c.lease_owner == owner,
        notifications.c.status == "sending")).scalars()) if rest else set()
    return Renewal(renewed, busy)


async def finish(conn: AsyncConnection, owner: str, results: Sequence[Result], *,
                 retry_base: float, give_up_seconds: float, clock: Clock = SYSTEM) -> list[Result]:
    """finish_sync on an async connection."""
    return await conn.run_sync(lambda sync: finish_sync(sync, owner, results, retry_base=retry_base,
                                                        give_up_seconds=give_up_seconds, clock=clock))


def finish_sync(conn: Connection, owner: str, results: Sequence[Result], *,
                retry_base: float, give_up_seconds: float, clock: Clock = SYSTEM) -> list[Result]:
    """Record results for jobs this owner still leases. Returns what was recorded (retries that
    ran out of time become failures); a job whose lease was lost is left to its new owner.
    "released" results hand the job back (pending, due now, attempt not counted) and are not
    part of the returned list: nothing was sent or tried."""
    now = clock.now()
    mine = and_(notifications.c.lease_owner == owner, notifications.c.status == "sending")
    released = [r.job.id for r in results if r.status == "released"]
    if released:
        conn.execute(
            update(notifications).where(notifications.c.id.in_(released), mine)
            .values(status="pending", lease_owner=None, lease_expires_at=None, next_attempt_at=now,
                    attempts=notifications.c.attempts - 1)
        )
    results = [r for r in results if r.status != "released"]
    sent = {r.job.id: r for r in results if r.status == "sent"}
    recorded: list[Result] = []
    if sent:  # the common case, in one statement
        rows = conn.execute(
            update(notifications).where(notifications.c.id.in_(list(sent)), mine)
            .values(status="sent", sent_at=now, lease_owner=None, lease_expires_at=None, last_error=None)
            .returning(notifications.c.id)
        )
        recorded.extend(sent[row.id] for row in rows)
    for result in (r for r in results if r.status != "sent"):
        final = _final(result, now, give_up_seconds)
        values: dict[str, object] = {"status": final.status, "lease_owner": None,
                                     "lease_expires_at": None, "last_error": final.error}
        if final.status == "retry":
            values.update(status="pending",
                          next_attempt_at=now + timedelta(seconds=backoff(result.job.attempts, retry_base)))
        changed = conn.execute(
            update(notifications).where(notifications.c.id == result.job.id, mine).values(**values)
        )
        if changed.rowcount == 1:
            recorded.append(final)
    return recorded


def _final(result: Result, now: datetime, give_up_seconds: float) -> Result:
    """A temporary failure past the give-up age is a failure."""
    age = (now - result.job.created_at).total_seconds()
    if result.status == "retry" and age >= give_up_seconds:
        error = f"gave up after {result.job.attempts} attempts: {result.error}"[:200]
        return Result(result.job, "failed", error)
    return result


async def release(engine: AsyncEngine, owner: str, clock: Clock = SYSTEM) -> int:
    """Hand this owner's unfinished jobs back at once (graceful shutdown), without waiting for
    the lease to expire. The attempt is not counted: it never reached the relay."""
    async with engine.begin() as conn:
        result = await conn.execute(
            update(notifications)
            .where(notifications.c.lease_owner == owner, notifications.c.status == "sending")
            .values(status="pending", lease_owner=None, lease_expires_at=None,
                    attempts=notifications.c.attempts - 1, next_attempt_at=clock.now())
        )
        return result.rowcount


async def depth(engine: AsyncEngine) -> dict[str, int]:
    async with reading(engine) as conn:
        rows = await conn.execute(
            select(notifications.c.status, func.count()).group_by(notifications.c.status)
        )
        counts = dict.fromkeys(STATUSES, 0)
        counts.update({status: count for status, count in rows})
        return counts
