"""The outbox worker: claim due notifications, render, re-check with the guard, send, record.

Runs inside `gateway serve` or alone as `gateway worker`; any number may run against one
database. It is a pipeline of long-lived tasks, so that each SMTP connection starts its next send
as soon as its last one is answered instead of waiting for a batch's slowest send, its recording
and the next claim:

- the claimer keeps a queue of claimed jobs (addresses decrypted) topped up: whenever fewer than
  GATEWAY_WORKER_BATCH_SIZE wait unstarted, it claims another batch, as long as the worker then
  holds at most MAX_HELD_BATCHES batches claimed and not yet recorded. With nothing due it checks
  the outbox every IDLE_POLL_SECONDS with a read (no write lock, no rate-limit update), sooner
  when `wakeup` is set (the API does so on a new message); when the global send-rate limit cuts a
  claim short it waits about as long as the missing tokens take to accrue;
- each claimed batch is made ready to send as soon as it is claimed, a chunk at a time: every
  job's e-mail rendered, re-checked with the guard and built on the event loop, then the chunk's
  DKIM signatures made with one hand-over to a signing thread (OpenSSL's private-key step, the
  bulk of a signature, runs there without the GIL) while the loop builds the next chunk; so
  signing happens ahead of the sends, on another core if one is free, not between a
  connection's sends;
- one sender per SMTP connection (GATEWAY_SMTP_CONNECTIONS) takes the next ready job and sends it;
- the recorder writes results in groups, each in one transaction with its audit entries, and
  counts them in the metrics: while more results are coming it waits for a batch's worth or
  RECORD_DELAY_SECONDS, whichever comes first; otherwise it writes at once;
- the lease keeper renews, every third of GATEWAY_LEASE_SECONDS, the lease of every job claimed
  and not yet recorded.

The worker's claims and recordings take turns within the process, so they never wait for each
other's lock; renewals do not wait for them (they pass over rows locked by a recording instead),
so a slow claim or recording cannot let the other leases run out. Each write runs as one whole
transaction (gateway/storage/writer.py: on SQLite in one thread, holding the write lock only for
the database work).

Leases: a send starts only while at least half a lease is left on the job's last claim or
renewal, so a worker whose renewals stall (database unreachable, event loop blocked) stops
sending before another worker may take its jobs over. A job found taken over is not sent and not
recorded. Renewals are database writes: GATEWAY_LEASE_SECONDS must stay well above the database's
worst commit time, or a live worker's sent-but-unrecorded jobs can be taken over and sent again.
A worker killed outright loses nothing: its jobs are taken over once their leases expire, and only
the sends in flight or not yet recorded at that moment can be repeated.

On stop the claimer stops, the sends in flight finish, the jobs still queued are handed back
(`pending`, due at once, attempt not counted, for any worker to take), the recorder writes every
result, and whatever is still leased to the worker is released. A job whose processing raises an
unexpected error is retried with backoff like a temporary SMTP failure; the other jobs are not
affected.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from gateway import metrics
from gateway.delivery import outbox
from gateway.delivery.context import DeliveryContext
from gateway.delivery.envelopes import UNDELIVERABLE, Envelope
from gateway.delivery.envelopes import envelopes as address
from gateway.delivery.leases import Leases
from gateway.delivery.notification import BadRecipient, OutgoingEmail, build_email
from gateway.delivery.notification_check import NotificationChecker
from gateway.delivery.outbox import Job, Result
from gateway.delivery.recording import count, record_sync
from gateway.delivery.smtp import SendFailure, SmtpPool
from gateway.delivery.verp import bounce_address
from gateway.guard import is_refused
from gateway.storage.writer import writer_for

log = logging.getLogger("gateway.worker")
OSLO = ZoneInfo("Europe/Oslo")
IDLE_POLL_SECONDS = 0.5
# Claimed-and-unrecorded jobs a worker holds at most, in batches: up to two queued ahead of the
# connections (a new batch is claimed while the last one is still being sent) and up to two
# sent and waiting to be recorded or being recorded. A worker killed outright leaves at most
# this many to be taken over; only those already sent are sent again.
MAX_HELD_BATCHES = 4
# How long the first result of a group waits for others before the group is written (unless a
# batch's worth arrives first): each transaction costs about as much CPU as recording 50 results
# in it, so a busy worker should write about a batch at a time; short against any lease.
RECORD_DELAY_SECONDS = 0.1
_RECORD_ATTEMPTS_ON_STOP = 3


# Jobs made ready (rendered, checked, built, signed) per hand-over to the signing thread: enough
# to spread the hand-over's cost thin, few enough that the first sends of a batch start early.
READY_CHUNK = 25


@dataclass(frozen=True)
class _Claimed:
    job: Job
    ready: OutgoingEmail | Result  # the e-mail to send, or the job's result without a send


Claimer = Callable[["asyncio.Queue[_Claimed | None]", "asyncio.Queue[Result | None]"], Awaitable[None]]


class Worker:
    def __init__(self, services: DeliveryContext, *, pool: SmtpPool | None = None, owner: str | None = None) -> None:
        self.services = services
        self.settings = services.settings
        self.clock = services.clock
        self.pool = pool or SmtpPool(services.settings)
        self.checker = NotificationChecker(services.notifications, services.settings.public_url)
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.wakeup = asyncio.Event()
        self._stop = asyncio.Event()  # replaced by run()'s stop event
        self._closing = False  # set when the pipeline winds down: queued jobs are handed back
        self._leases = Leases(self.settings.lease_seconds, self.clock)
        self._writes = asyncio.Lock()
        self._room = asyncio.Event()  # a sender took a job, or results were recorded
        self._group_full = asyncio.Event()  # a batch's worth of results waits, or no more are coming
        self._busy = 0  # jobs the senders have taken and not yet turned into results
        self._readying = 0  # jobs claimed and being made ready, not yet queued for the senders

    # ------------------------------------------------------------ the pipeline

    async def run(self, stop: asyncio.Event) -> None:
        log.info("worker started", extra={"owner": self.owner})
        if self.services.dkim is None:
            log.warning("no DKIM key: notifications go out unsigned (run `gateway keys dkim-init`)")
        self._stop = stop
        try:
            await self._pipeline(self._claim_loop, hand_back=True)
        finally:
            try:
                released = await outbox.release(self.services.engine, self.owner, self.clock)
            finally:
                await self.pool.close()
            log.info("worker stopped", extra={"owner": self.owner, "released": released})

    async def run_once(self) -> int:
        """Claim one batch, send it and record every result; returns how many jobs were claimed.
        The same stages as `run`, with a claimer that claims once (for tests and tools)."""
        claimed = 0

        async def claim_once(queue: asyncio.Queue[_Claimed | None],
                             results: asyncio.Queue[Result | None]) -> None:
            nonlocal claimed
            claimed = len((await self._claim(queue, results, self.settings.worker_batch_size)).jobs)

        await self._pipeline(claim_once, hand_back=False)
        return claimed

    async def _pipeline(self, claimer: Claimer, *, hand_back: bool) -> None:
        """Run the claimer with the senders, the recorder and the lease keeper, and wind them
        down in order once it returns: the senders finish their sends (and, with `hand_back`,
        hand back what is still queued instead of sending it), then the recorder writes every
        result, then the keeper stops."""
        queue: asyncio.Queue[_Claimed | None] = asyncio.Queue()
        results: asyncio.Queue[Result | None] = asyncio.Queue()
        recorded = asyncio.Event()
        recorder = asyncio.create_task(self._record_loop(queue, results), name="outbox-recorder")
        keeper = asyncio.create_task(self._keep_leases(recorded), name="outbox-lease-keeper")
        senders = [asyncio.create_task(self._send_loop(queue, results), name=f"outbox-sender-{n}")
                   for n in range(self.pool.size)]
        try:
            await claimer(queue, results)
        finally:
            self._closing = hand_back
            for _ in senders:
                queue.put_nowait(None)
            await asyncio.gather(*senders)
            results.put_nowait(None)
            try:
                await recorder
            finally:
                recorded.set()
                await keeper

    # ------------------------------------------------------------ claiming

    async def _claim_loop(self, queue: asyncio.Queue[_Claimed | None],
                          results: asyncio.Queue[Result | None]) -> None:
        """Keep about a batch queued ahead of the senders until stopped."""
        batch = self.settings.worker_batch_size
        while not self._stop.is_set():
            # Cleared before the conditions are looked at, so a sender or the recorder making
            # room meanwhile is not missed by the wait below.
            self._room.clear()
            if queue.qsize() >= batch or len(self._leases.until) + batch > MAX_HELD_BATCHES * batch:
                await self._wait(self._room)
                continue
            # Cleared before the claim, so a wake-up that arrives during it is not lost.
            self.wakeup.clear()
            try:
                claim = await self._claim(queue, results, batch)
            except Exception:  # a database hiccup must not kill the worker
                log.exception("claiming notifications failed; retrying")
                await self._wait(timeout=1)
                continue
            if claim.short_of_tokens:
                # The global send-rate limit cut the claim short: wait about as long as the missing
                # tokens take to accrue rather than claim a few at a time.
                missing = batch - len(claim.jobs)
                await self._wait(timeout=min(IDLE_POLL_SECONDS, missing / self.settings.send_rate_per_second))
            elif len(claim.jobs) < batch:
                await self._idle()  # the outbox had no more due

    async def _claim(self, queue: asyncio.Queue[_Claimed | None], results: asyncio.Queue[Result | None],
                     limit: int) -> outbox.Claim:
        """Claim up to `limit` due jobs and queue them with their addresses."""
        s = self.settings
        async with self._writes:
            started = self.clock.monotonic()  # no later than the database's clock for the new leases
            claim = await outbox.claim_batch(self.services.engine, self.owner, limit, s.lease_seconds,
                                             s.send_rate_per_second, self.clock)
        if not claim.jobs:
            return claim
        self._leases.claimed((job.id for job in claim.jobs), started)
        try:
            envelopes = await address(self.services.engine, self.services.crypto, claim.jobs)
        except Exception:  # hand the jobs back rather than sit on them until the leases expire
            log.exception("contact data could not be read; claimed jobs handed back")
            for job in claim.jobs:
                results.put_nowait(Result(job, "released"))
            return claim
        await self._make_ready(claim.jobs, envelopes, queue)
        return claim

    async def _make_ready(self, jobs: list[Job], envelopes: dict[str, Envelope | str],
                          queue: asyncio.Queue[_Claimed | None]) -> None:
        """Queue each job with its signed e-mail (or its result when it must not be sent), a chunk
        at a time: a chunk's signatures are made on the signing thread while the event loop
        builds the next chunk."""
        now = self.clock.now()
        signing: asyncio.Task[list[OutgoingEmail | Result]] | None = None
        previous: list[Job] = []
        unqueued = 0  # jobs counted in self._readying and not yet queued
        try:
            for start in range(0, len(jobs), READY_CHUNK):
                chunk = jobs[start:start + READY_CHUNK]
                self._readying += len(chunk)
                unqueued += len(chunk)
                built = await self._build(chunk, envelopes, now)
                if signing is not None:
                    unqueued -= self._queue_ready(queue, previous, await signing)
                signing, previous = asyncio.create_task(self._sign(chunk, built, now)), chunk
            if signing is not None:
                unqueued -= self._queue_ready(queue, previous, await signing)
        finally:
            if signing is not None and not signing.done():
                signing.cancel()
            self._readying -= unqueued

    def _queue_ready(self, queue: asyncio.Queue[_Claimed | None], jobs: list[Job],
                     ready: list[OutgoingEmail | Result]) -> int:
        for job, item in zip(jobs, ready, strict=True):
            queue.put_nowait(_Claimed(job, item))
        self._readying -= len(jobs)
        return len(jobs)

    async def _build(self, jobs: list[Job], envelopes: dict[str, Envelope | str],
                     now: datetime) -> list[OutgoingEmail | Result]:
        """Each job's e-mail, unsigned, or its result when it must not be sent. A job that raises
        is retried like a temporary failure; the others are not affected."""
        built: list[OutgoingEmail | Result] = []
        for job in jobs:
            try:
                built.append(self._prepare(job, envelopes.get(job.id), now))
            except Exception as exc:
                log.exception("notification could not be prepared", extra={"message_id": job.message_id})
                built.append(Result(job, "retry", f"internal error: {type(exc).__name__}"))
            await asyncio.sleep(0)  # let the senders' replies in between renderings
        return built

    async def _sign(self, jobs: list[Job], built: list[OutgoingEmail | Result],
                    now: datetime) -> list[OutgoingEmail | Result]:
        """The built e-mails DKIM-signed, the private-key steps in one hop to the signing thread."""
        dkim = self.services.dkim
        emails = [(n, email) for n, email in enumerate(built) if isinstance(email, OutgoingEmail)]
        if dkim is None or not emails:
            return built
        ready = list(built)
        try:
            signed = await dkim.sign_many([email.data for _, email in emails], now)
        except Exception as exc:
            log.exception("notifications could not be signed", extra={"jobs": len(emails)})
            for n, _ in emails:
                ready[n] = Result(jobs[n], "retry", f"internal error: {type(exc).__name__}")
            return ready
        for (n, email), data in zip(emails, signed, strict=True):
            ready[n] = OutgoingEmail(email.sender, email.recipient, data)
        return ready

    async def _idle(self) -> None:
        """Nothing is due: wait for a wake-up, or until a read (no write lock, no rate-limit
        update) finds something due, checking every IDLE_POLL_SECONDS."""
        while not self._stop.is_set():
            await self._wait(self.wakeup, timeout=IDLE_POLL_SECONDS)
            if self.wakeup.is_set():
                return
            try:
                if await outbox.any_due(self.services.engine, self.clock):
                    return
            except Exception:  # noqa: BLE001 - let the claim find out and report it
                return

    async def _wait(self, *events: asyncio.Event, timeout: float | None = None) -> None:
        """Until stopped, one of `events` is set, or `timeout` seconds have passed."""
        waiters = [asyncio.ensure_future(event.wait()) for event in (self._stop, *events)]
        try:
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    # ------------------------------------------------------------ sending

    async def _send_loop(self, queue: asyncio.Queue[_Claimed | None],
                         results: asyncio.Queue[Result | None]) -> None:
        """One connection's worth of sending: the next queued job as soon as the last is done."""
        low_water = self.settings.worker_batch_size
        while (item := await queue.get()) is not None:
            if queue.qsize() < low_water:
                self._room.set()
            self._busy += 1
            result = await self._process_safely(item)
            self._busy -= 1
            results.put_nowait(result)
            if results.qsize() >= low_water or not self._more_coming(queue):
                self._group_full.set()

    def _more_coming(self, queue: asyncio.Queue[_Claimed | None]) -> bool:
        """Whether more results will follow soon (jobs being made ready, queued or in flight)."""
        return self._busy > 0 or self._readying > 0 or not queue.empty()

    async def _process_safely(self, item: _Claimed) -> Result:
        """One job's result, never an exception: a bug or surprise in one job must not leave
        other jobs unrecorded (to be sent again when their leases expire)."""
        try:
            return await self._process(item.job, item.ready)
        except Exception as exc:
            log.exception("notification could not be processed", extra={"message_id": item.job.message_id})
            return Result(item.job, "retry", f"internal error: {type(exc).__name__}")

    async def _process(self, job: Job, email: OutgoingEmail | Result) -> Result:
        # The worker may be stopping, or the job's lease may be running low or lost (taken over):
        # either way it is not started here.
        if self._closing or self._stop.is_set() or not self._leases.sendable(job.id):
            return Result(job, "released")
        if isinstance(email, Result):
            return email
        started = time.perf_counter()
        try:
            await self.pool.send(email)
        except SendFailure as failure:
            log.warning("send failed", extra={"message_id": job.message_id, "attempt": job.attempts,
                                              "permanent": failure.permanent, "reason": failure.summary})
            return Result(job, "failed" if failure.permanent else "retry", failure.summary)
        metrics.send_latency.observe(time.perf_counter() - started)
        return Result(job, "sent")

    def _prepare(self, job: Job, envelope: Envelope | str | None, now: datetime) -> OutgoingEmail | Result:
        """The e-mail to send (unsigned), or the final result of a job that must not be sent."""
        if envelope == UNDELIVERABLE:
            return Result(job, "undeliverable", UNDELIVERABLE)
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
        try:
            email = build_email(rendered, to=envelope.email, mail_from=self.settings.mail_from,
                                notification_id=job.id, language=envelope.language,
                                date=now.astimezone(OSLO))
        except BadRecipient as exc:  # stored before addresses were matched whole; never retried
            log.error("notification not sent: bad recipient address", extra={"message_id": job.message_id})
            return Result(job, "failed", str(exc))
        # The per-notification bounce address as envelope sender (VERP).
        sender = bounce_address(job.bounce_token, self.settings.return_path_domain) if job.bounce_token \
            else email.sender
        return OutgoingEmail(sender, email.recipient, email.data)

    # ------------------------------------------------------------ recording

    async def _record_loop(self, queue: asyncio.Queue[_Claimed | None],
                           results: asyncio.Queue[Result | None]) -> None:
        """Write results in groups until the pipeline ends (None in the queue). While more
        results are coming, a group is what arrived by the time a batch's worth is waiting or
        RECORD_DELAY_SECONDS have passed since its first result, so a busy worker writes about a
        batch per transaction; otherwise what is there is written at once."""
        while (first := await results.get()) is not None:
            if results.qsize() + 1 < self.settings.worker_batch_size and self._more_coming(queue):
                self._group_full.clear()
                await self._wait(self._group_full, timeout=RECORD_DELAY_SECONDS)
            group, end = [first], False
            while not results.empty():
                result = results.get_nowait()
                if result is None:
                    end = True
                    break
                group.append(result)
            await self._record(group)
            if end:
                return

    async def _record(self, group: list[Result]) -> None:
        """Record one group in one transaction; retried while the worker runs (the jobs stay
        leased and renewed meanwhile), given up after a few attempts once it is stopping."""
        s = self.settings
        ids = [result.job.id for result in group]
        self._leases.recording.update(ids)
        attempt = 0
        while True:
            attempt += 1
            try:
                async with self._writes:
                    recorded = await writer_for(self.services.engine).run(
                        record_sync, self.owner, group, s.retry_base_seconds, s.retry_give_up_seconds, self.clock)
                break
            except Exception:  # a database hiccup must not kill the worker
                log.exception("recording results failed; retrying")
                if (self._closing or self._stop.is_set()) and attempt >= _RECORD_ATTEMPTS_ON_STOP:
                    self._leases.recording.difference_update(ids)
                    return  # left leased: released on exit, or taken over when the leases expire
                await asyncio.sleep(1)
        self._leases.finished(ids)
        self._room.set()
        count(recorded)
        released = sum(1 for r in group if r.status == "released")
        lost = len(group) - released - len(recorded)
        if released:
            log.info("claimed jobs handed back unsent", extra={"jobs": released})
        if lost:
            log.warning("lease lost before results were recorded", extra={"jobs": lost})

    # ------------------------------------------------------------ leases

    async def _keep_leases(self, done: asyncio.Event) -> None:
        """Renew the leases of every job claimed and not yet recorded until `done`; forget jobs
        that were taken over (they are then neither sent nor recorded here)."""
        interval = self.settings.lease_seconds / 3
        while not done.is_set():
            try:
                await asyncio.wait_for(done.wait(), timeout=interval)
                return
            except TimeoutError:
                pass
            asked = sorted(self._leases.until)
            if not asked:
                continue
            # Not behind self._writes: a claim or recording slow to commit (a lock, a stalled
            # fsync) must not hold up the renewals of the other jobs held, or they could run out
            # while this worker is alive and be taken over after they were sent. The renewal
            # passes over rows its own recording has locked (outbox.renew_leases).
            try:
                started = self.clock.monotonic()
                renewal = await outbox.renew_leases(self.services.engine, self.owner, asked,
                                                    self.settings.lease_seconds, self.clock)
            except Exception:  # sends stop on their own when the lease runs low
                log.exception("lease renewal failed")
                continue
            lost = self._leases.renewed(asked, renewal.renewed, started, busy=renewal.busy)
            if lost:
                log.warning("lease taken over; those jobs will not be sent here", extra={"jobs": lost})
