"""The outbox worker: claim due notifications, render, re-check with the guard, send, record.

Runs inside `gateway serve` or alone as `gateway worker`; any number may run against one
database. On stop it lets the sends in flight finish, records them, and hands back the rest.
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
from gateway.db.schema import customers, messages
from gateway.guard import check_email, is_refused
from gateway.notification import build_email
from gateway.outbox import Job, Result
from gateway.services import Services
from gateway.smtp import SendFailure, SmtpPool

log = logging.getLogger("gateway.worker")
OSLO = ZoneInfo("Europe/Oslo")
IDLE_POLL_SECONDS = 0.5


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
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.wakeup = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        log.info("worker started", extra={"owner": self.owner})
        try:
            while not stop.is_set():
                try:
                    claimed = await self.run_once()
                except Exception:  # noqa: BLE001 - a database hiccup must not kill the worker
                    log.exception("worker batch failed; retrying")
                    claimed = 0
                    await asyncio.sleep(1)
                if claimed == 0:
                    await self._idle(stop)
        finally:
            released = await outbox.release(self.services.engine, self.owner)
            await self.pool.close()
            log.info("worker stopped", extra={"owner": self.owner, "released": released})

    async def _idle(self, stop: asyncio.Event) -> None:
        self.wakeup.clear()
        waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.wakeup.wait())]
        await asyncio.wait(waiters, timeout=IDLE_POLL_SECONDS, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()

    async def run_once(self) -> int:
        """Process one batch; returns how many jobs were claimed."""
        s = self.settings
        jobs = await outbox.claim(self.services.engine, self.owner, s.worker_batch_size,
                                  s.lease_seconds, s.send_rate_per_second)
        if not jobs:
            return 0
        envelopes = await self._envelopes(jobs)
        results = await asyncio.gather(*(self._process(job, envelopes.get(job.id)) for job in jobs))
        async with self.services.engine.begin() as conn:
            recorded = await outbox.finish(conn, self.owner, results, retry_base=s.retry_base_seconds,
                                           give_up_seconds=s.retry_give_up_seconds)
            await audit.append_many(conn, [_audit_entry(r) for r in recorded])
        _count(recorded)
        lost = len(results) - len(recorded)
        if lost:
            log.warning("lease lost before results were recorded", extra={"jobs": lost})
        return len(jobs)

    async def _envelopes(self, jobs: list[Job]) -> dict[str, Envelope | str]:
        """Decrypt each job's address; a job that cannot be addressed maps to a reason."""
        by_message = {job.message_id: job for job in jobs}
        async with self.services.engine.connect() as conn:
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

    async def _process(self, job: Job, envelope: Envelope | str | None) -> Result:
        if not isinstance(envelope, Envelope):
            return Result(job, "failed", envelope or "message not found")
        renderer = self.services.notifications
        rendered = renderer.render(language=envelope.language, message_id=job.message_id,
                                   category=envelope.category, sensitive=envelope.sensitive,
                                   sent_at=envelope.created_at.astimezone(OSLO))
        findings = check_email(f"{rendered.subject}\n{rendered.text}", rendered.html,
                               portal_url=self.settings.public_url, name=f"notification.{envelope.language}")
        if is_refused(findings):
            rules = sorted({f.rule for f in findings if f.severity == "error"})
            log.error("notification held by the content guard",
                      extra={"message_id": job.message_id, "rules": rules})
            return Result(job, "held", ("held by content guard: " + ", ".join(rules))[:200])
        email = build_email(rendered, to=envelope.email, mail_from=self.settings.mail_from,
                            notification_id=job.id, language=envelope.language,
                            date=datetime.now(OSLO))
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
