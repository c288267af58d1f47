"""Deliver callback events: claim the due head of each message's queue (so events of one message go
out one at a time, in order), POST each signed per Standard Webhooks, and record the result.

At least once: an event is marked delivered only after a 2xx answer; a worker that dies leaves its
claims to expire and be claimed again. A failed attempt is retried with exponential backoff on the
injected clock; an event still undelivered GATEWAY_CALLBACK_GIVE_UP_SECONDS after it happened is
`failed` (visible in metrics, `gateway callbacks status` and GET /api/v1/callbacks, replayable with
`gateway callbacks replay`), and no longer holds back the events after it."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from sqlalchemy import Connection, and_, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import aliased
from standardwebhooks.webhooks import Webhook

from gateway import metrics
from gateway.callbacks.registry import iso, secret_for
from gateway.clock import SYSTEM, Clock
from gateway.crypto import Keyring
from gateway.settings import Settings
from gateway.storage import reading
from gateway.storage.schema import callback_events, callbacks
from gateway.storage.writer import writer_for

log = logging.getLogger("gateway.callbacks")

LEASE_SECONDS = 60.0
MAX_BACKOFF_SECONDS = 3600.0
IDLE_POLL_SECONDS = 0.25


@dataclass(frozen=True)
class Claimed:
    seq: int
    id: str
    client_id: str
    message_id: str
    type: str
    occurred_at: datetime
    attempts: int
    url: str
    nonce: str


def backoff(attempts: int, base: float) -> float:
    delay = min(MAX_BACKOFF_SECONDS, base * 2 ** max(0, attempts - 1))
    return delay / 2 + random.uniform(0, delay / 2)


def _head(now: datetime) -> Any:
    """Due, not leased, and the earliest still pending of its message."""
    earlier = aliased(callback_events)
    return and_(
        callback_events.c.status == "pending", callback_events.c.next_attempt_at <= now,
        or_(callback_events.c.lease_expires_at.is_(None), callback_events.c.lease_expires_at < now),
        ~exists().where(earlier.c.message_id == callback_events.c.message_id, earlier.c.seq < callback_events.c.seq,
                        earlier.c.status == "pending"),
    )


def any_due_sync(conn: Connection, now: datetime) -> bool:
    """Whether a claim would find anything: a read, so an idle poll takes no write lock."""
    return conn.execute(select(callback_events.c.seq).where(_head(now)).limit(1)).first() is not None


def claim_sync(conn: Connection, owner: str, limit: int, now: datetime) -> list[Claimed]:
    seqs = [row.seq for row in conn.execute(
        select(callback_events.c.seq).where(_head(now)).order_by(callback_events.c.seq).limit(limit)
        .with_for_update(skip_locked=True))]
    if not seqs:
        return []
    conn.execute(update(callback_events).where(callback_events.c.seq.in_(seqs))
                 .values(lease_owner=owner, lease_expires_at=now + timedelta(seconds=LEASE_SECONDS),
                         attempts=callback_events.c.attempts + 1))
    rows = conn.execute(
        select(callback_events.c.seq, callback_events.c.id, callback_events.c.client_id, callback_events.c.message_id,
               callback_events.c.type, callback_events.c.occurred_at, callback_events.c.attempts,
               callbacks.c.url, callbacks.c.secret_nonce)
        .join(callbacks, callbacks.c.client_id == callback_events.c.client_id)
        .where(callback_events.c.seq.in_(seqs)).order_by(callback_events.c.seq))
    return [Claimed(*row) for row in rows]


def record_sync(conn: Connection, owner: str, results: list[tuple[Claimed, str | None]], now: datetime,
                retry_base: float, give_up_seconds: float) -> dict[str, int]:
    """Results of one round: None = delivered, else the error. Returns counts per outcome."""
    mine = and_(callback_events.c.lease_owner == owner, callback_events.c.status == "pending")
    done = [event.seq for event, error in results if error is None]
    counts = {"delivered": 0, "retry": 0, "failed": 0}
    if done:
        counts["delivered"] = conn.execute(
            update(callback_events).where(callback_events.c.seq.in_(done), mine)
            .values(status="delivered", delivered_at=now, lease_owner=None, lease_expires_at=None,
                    last_error=None)).rowcount
    for event, error in results:
        if error is None:
            continue
        given_up = (now - event.occurred_at).total_seconds() >= give_up_seconds
        values: dict[str, object] = {"lease_owner": None, "lease_expires_at": None, "last_error": error[:200]}
        if given_up:
            values["status"] = "failed"
        else:
            values["next_attempt_at"] = now + timedelta(seconds=backoff(event.attempts, retry_base))
        if conn.execute(update(callback_events).where(callback_events.c.seq == event.seq, mine)
                        .values(**values)).rowcount:
            counts["failed" if given_up else "retry"] += 1
    return counts


def payload(event: Claimed) -> bytes:
    """Ids, the status and times only: never content or personal data."""
    body = {"type": f"message.{event.type}", "timestamp": iso(event.occurred_at),
            "data": {"message_id": event.message_id, "status": event.type, "occurred_at": iso(event.occurred_at)}}
    return json.dumps(body, separators=(",", ":")).encode()


class Dispatcher:
    def __init__(self, engine: AsyncEngine, keyring: Keyring, settings: Settings, *, clock: Clock = SYSTEM,
                 owner: str | None = None, batch: int = 200) -> None:
        self.engine, self.keyring, self.settings, self.clock, self.batch = engine, keyring, settings, clock, batch
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.wakeup = asyncio.Event()
        self._session: aiohttp.ClientSession | None = None
        self._signers: dict[tuple[str, str], Webhook] = {}

    async def __aenter__(self) -> Dispatcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            s = self.settings
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=s.callback_concurrency),
                timeout=aiohttp.ClientTimeout(total=s.callback_timeout_seconds))
        return self._session

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until stopped; poll the outbox with a read when idle, sooner on a wake-up."""
        while not stop.is_set():
            try:
                if await self.run_once():
                    continue
            except Exception:  # a database or network hiccup must not end delivery
                log.exception("callback round failed; retrying")
            self.wakeup.clear()
            waiters = [asyncio.ensure_future(e.wait()) for e in (stop, self.wakeup)]
            await asyncio.wait(waiters, timeout=IDLE_POLL_SECONDS, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
        await self.close()

    async def run_once(self) -> int:
        """One round: claim due heads, deliver them concurrently, record. Returns events attempted."""
        s = self.settings
        writer = writer_for(self.engine)
        # Idle most of the time and polled every IDLE_POLL_SECONDS: look with a read first. A claim is
        # a write transaction (SQLite: the file's write lock, which ingest's group commits wait for).
        if not await writer.read(any_due_sync, self.clock.now()):
            return 0
        claimed = await writer.run(claim_sync, self.owner, self.batch, self.clock.now())
        if not claimed:
            return 0
        errors = await asyncio.gather(*(self._deliver(event) for event in claimed))
        counts = await writer.run(record_sync, self.owner, list(zip(claimed, errors, strict=True)),
                                                   self.clock.now(), s.callback_retry_base_seconds,
                                                   s.callback_give_up_seconds)
        metrics.callbacks_delivered.inc(counts["delivered"])
        metrics.callbacks_retried.inc(counts["retry"])
        metrics.callbacks_failed.inc(counts["failed"])
        if counts["failed"]:
            log.warning("callback events given up", extra={"events": counts["failed"]})
        return len(claimed)

    def _signer(self, event: Claimed) -> Webhook:
        key = (event.client_id, event.nonce)
        signer = self._signers.get(key)
        if signer is None:
            signer = self._signers[key] = Webhook(secret_for(self.keyring, event.client_id, event.nonce))
        return signer

    async def _deliver(self, event: Claimed) -> str | None:
        """POST one event; None when the receiver answered 2xx, else a short reason (no URL in it)."""
        body = payload(event)
        now = self.clock.now()
        headers = {"content-type": "application/json", "webhook-id": event.id,
                   "webhook-timestamp": str(int(now.timestamp())),
                   "webhook-signature": self._signer(event).sign(event.id, now, body)}
        try:
            async with self._http().post(event.url, data=body, headers=headers, allow_redirects=False) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return None
                return f"HTTP {response.status}"
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return f"connection failure: {type(exc).__name__}"


async def depth(engine: AsyncEngine) -> dict[str, int]:
    from sqlalchemy import func

    async with reading(engine) as conn:
        rows = await conn.execute(select(callback_events.c.status, func.count()).group_by(callback_events.c.status))
        counts = {"pending": 0, "delivered": 0, "failed": 0}
        counts.update({status: n for status, n in rows})
    return counts
