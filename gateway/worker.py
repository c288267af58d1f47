"""The outbox worker: claim due notifications, render, re-check with the guard, send, record.

Runs inside `gateway serve` or alone as `gateway worker`; any number may run against one
database. On stop it lets the sends in flight finish, records them, and hands back the rest
(claimed jobs not yet started go back to `pending`, due at once, for any worker to take).

While a batch is being worked on, the worker renews the leases of its jobs every third of
GATEWAY_LEASE_SECONDS, and starts a send only while at least half a lease is left on the last
renewal: a worker whose renewals stall (database unreachable, event loop blocked) stops sending
before another worker may take its jobs over. A job found taken over is not sent and not recorded.
Renewals are database writes: GATEWAY_LEASE_SECONDS must stay well above the database's worst
commit time, or a live worker's sent-but-unrecorded jobs can be taken over and sent again.
Sends run on at most GATEWAY_SMTP_CONNECTIONS connections at a time. A job whose processing
raises an unexpected error is retried with backoff like a temporary SMTP failure; the rest of
its batch is recorded normally.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from gateway import audit, metrics, outbox
from gateway.crypto import CustomerKey, DecryptionError
from gateway.db import reading
from gateway.db.schema import customers, messages
from gateway.guard import is_refused
from gateway.notification import build_email
from gateway.notification_check import NotificationChecker
from gateway.outbox import Job, Result
from gateway.services import Services
from gateway.smtp import SendFailure, SmtpPool

log = logging.getLogger("gateway.worker")
OSLO = ZoneInfo("Europe/Oslo")
IDLE_POLL_SECONDS = 0.5
# Batches a worker has in hand at once: one sending while another is recorded and the next claimed.
BATCHES_IN_FLIGHT = 2


@dataclass
class _Leases:
    """The jobs of the batch in hand this worker still holds, and until when (monotonic clock)
    its last claim or renewal makes that certain."""

    held: set[str]
    valid_until: float


@dataclass(frozen=True)
class Envelope:
    """What one notification needs: who, in which language, and about what."""

    email: str
    language: str
    category: str
    sensitive: bool
    created_at: datetime


class Worker:
    def __init__(self, services: Services, *, pool: SmtpPool | None = None, owner: str | None = None) -> None:
        self.services = services
        self.settings = services.settings
        self.pool = pool or SmtpPool(services.settings)
        self.checker = NotificationChecker(services.notifications, services.settings.public_url)
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.wakeup = asyncio.Event()
        self._stop = asyncio.Event()  # replaced by run()'s stop event
        self._slots = asyncio.Semaphore(self.pool.size)

    async def run(self, stop: asyncio.Event) -> None:
        log.info("worker started", extra={"owner": self.owner})
        self._stop = stop
        try:
            await asyncio.gather(*(self._lane(stop) for _ in range(BATCHES_IN_FLIGHT)))
        finally:
            released = await outbox.release(self.services.engine, self.owner)
            await self.pool.close()
            log.info("worker stopped", extra={"owner": self.owner, "released": released})

    async def _lane(self, stop: asyncio.Event) -> None:
        """One claim-send-record loop. Several run at once so the SMTP connections keep sending
        while a finished batch is recorded and the next one claimed; they share the connection
        slots, and the database hands each claim different jobs."""
        while not stop.is_set():
            # Cleared before the claim, so a wake-up that arrives while a batch is being
            # claimed or sent is not lost by the idle wait that may follow.
            self.wakeup.clear()
            try:
                claimed = await self.run_once()
            except Exception:  # noqa: BLE001 - a database hiccup must not kill the worker
                log.exception("worker batch failed; retrying")
                claimed = 0
                await asyncio.sleep(1)
            if claimed == 0:
                await self._idle(stop)

    async def _idle(self, stop: asyncio.Event) -> None:
        waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.wakeup.wait())]
        await asyncio.wait(waiters, timeout=IDLE_POLL_SECONDS, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()

    async def run_once(self) -> int:
        """Process one batch; returns how many jobs were claimed."""
        s = self.settings
        claimed_at = time.monotonic()
        jobs = await outbox.claim(self.services.engine, self.owner, s.worker_batch_size,
                                  s.lease_seconds, s.send_rate_per_second)
        if not jobs:
            return 0
        lease = _Leases(held={job.id for job in jobs}, valid_until=claimed_at + s.lease_seconds)
        done = asyncio.Event()
        keeper = asyncio.create_task(self._keep_leases(lease, done), name="outbox-lease-keeper")
        try:
            envelopes = await self._envelopes(jobs)
            results = await asyncio.gather(*(self._process_safely(job, envelopes.get(job.id), lease)
                                             for job in jobs))
        finally:
            done.set()
            await keeper
        async with self.services.engine.begin() as conn:
            recorded = await outbox.finish(conn, self.owner, results, retry_base=s.retry_base_seconds,
                                           give_up_seconds=s.retry_give_up_seconds)
            await audit.append_many(conn, [_audit_entry(r) for r in recorded])
        _count(recorded)
        released = sum(1 for r in results if r.status == "released")
        lost = len(results) - released - len(recorded)
        if released:
            log.info("claimed jobs handed back unsent", extra={"jobs": released})
        if lost:
            log.warning("lease lost before results were recorded", extra={"jobs": lost})
        return len(jobs)

    async def _keep_leases(self, lease: _Leases, done: asyncio.Event) -> None:
        """Renew the batch's leases until it is done; forget jobs that were taken over."""
        interval = self.settings.lease_seconds / 3
        while not done.is_set():
            try:
                await asyncio.wait_for(done.wait(), timeout=interval)
                return
            except asyncio.TimeoutError:
                pass
            started = time.monotonic()
            try:
                still = await outbox.renew(self.services.engine, self.owner, sorted(lease.held),
                                           self.settings.lease_seconds)
            except Exception:  # noqa: BLE001 - sends stop on their own when the lease runs low
                log.exception("lease renewal failed")
                continue
            if lease.held - still:
                log.warning("lease taken over; those jobs will not be sent here",
                            extra={"jobs": len(lease.held - still)})
            lease.held &= still
            lease.valid_until = started + self.settings.lease_seconds

    async def _envelopes(self, jobs: list[Job]) -> dict[str, Envelope | str]:
        """Decrypt each job's address; a job that cannot be addressed maps to a reason."""
        by_message = {job.message_id: job for job in jobs}
        async with reading(self.services.engine) as conn:
            rows = (await conn.execute(
                select(messages.c.id, messages.c.category, messages.c.sensitivity, messages.c.created_at,
                       customers.c.id.label("customer_id"), customers.c.key_wrapped,
                       customers.c.email_enc, customers.c.language)
                .join(customers, customers.c.id == messages.c.customer_id)
                .where(messages.c.id.in_(list(by_message)))
            )).all()
        crypto = self.services.crypto
        keys: dict[str, CustomerKey] = {}
        result: dict[str, Envelope | str] = {}
        for row in rows:
            job = by_message[row.id]
            if row.key_wrapped is None or row.email_enc is None:
                result[job.id] = "customer erased"
                continue
            try:
                if row.customer_id not in keys:
                    keys[row.customer_id] = crypto.open_customer_key(row.customer_id, row.key_wrapped)
                email = crypto.open(keys[row.customer_id], "customer.email", row.email_enc).decode()
            except DecryptionError:
                log.error("contact data failed to decrypt", extra={"message_id": row.id})
                result[job.id] = "contact data cannot be decrypted"
                continue
            result[job.id] = Envelope(email, row.language, row.category, row.sensitivity == "sensitive",
                                      row.created_at)
        return result

    async def _process_safely(self, job: Job, envelope: Envelope | str | None, lease: _Leases) -> Result:
        """One job's result, never an exception: a bug or surprise in one job must not leave the
        whole batch unrecorded (to be sent again when its leases expire)."""
        try:
            return await self._process(job, envelope, lease)
        except Exception as exc:  # noqa: BLE001
            log.exception("notification could not be processed", extra={"message_id": job.message_id})
            return Result(job, "retry", f"internal error: {type(exc).__name__}")

    async def _process(self, job: Job, envelope: Envelope | str | None, lease: _Leases) -> Result:
        if not isinstance(envelope, Envelope):
            return Result(job, "failed", envelope or "message not found")
        rendered, findings = self.checker.render_and_check(
            language=envelope.language, message_id=job.message_id, category=envelope.category,
            sensitive=envelope.sensitive, sent_at=envelope.created_at.astimezone(OSLO))
        if is_refused(findings):
            rules = sorted({f.rule for f in findings if f.severity == "error"})
            log.error("notification held by the content guard",
                      extra={"message_id": job.message_id, "rules": rules})
            return Result(job, "held", ("held by content guard: " + ", ".join(rules))[:200])
        email = build_email(rendered, to=envelope.email, mail_from=self.settings.mail_from,
                            notification_id=job.id, language=envelope.language,
                            date=datetime.now(OSLO))
        async with self._slots:
            # Checked once a connection is free: by then the worker may be stopping, or its
            # lease may be running low or lost. Either way the job is not started here.
            if self._stop.is_set() or job.id not in lease.held \
                    or time.monotonic() > lease.valid_until - self.settings.lease_seconds / 2:
                return Result(job, "released")
            started = time.perf_counter()
            try:
                await self.pool.send(email)
            except SendFailure as failure:
                log.warning("send failed", extra={"message_id": job.message_id, "attempt": job.attempts,
                                                  "permanent": failure.permanent, "reason": failure.summary})
                return Result(job, "failed" if failure.permanent else "retry", failure.summary)
        metrics.send_latency.observe(time.perf_counter() - started)
        return Result(job, "sent")


def _audit_entry(result: Result) -> audit.Entry:
    details: dict[str, object] = {"notification_id": result.job.id, "attempt": result.job.attempts}
    if result.error:
        details["reason"] = result.error
    return audit.Entry("worker", f"notification.{result.status}", result.job.message_id, details)


def _count(results: list[Result]) -> None:
    counters = {"sent": metrics.sent, "failed": metrics.failed, "retry": metrics.retried, "held": metrics.held}
    for result in results:
        counters[result.status].inc()
