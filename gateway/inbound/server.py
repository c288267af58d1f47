"""`gateway inbound`: an SMTP server (aiosmtpd, on the caller's event loop) for the bounce domain and
the notifications' From address.

RCPT accepts bounce+<token>@<bounce domain> and the From address, and refuses everything else
(no open relay, no backscatter). DATA is read in memory only: a bounce is parsed for its status
code (gateway/inbound/dsn.py), a reply only for its headers (gateway/inbound/replies.py). Neither
is stored or logged; logs carry ids and outcomes."""

from __future__ import annotations

import asyncio
import logging
import re
from email.utils import parseaddr
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import metrics
from gateway.clock import SYSTEM, Clock
from gateway.crypto import Crypto
from gateway.delivery.dkim import DkimSigner
from gateway.delivery.notification import OutgoingEmail
from gateway.delivery.smtp import SendFailure, SmtpPool
from gateway.delivery.verp import token_of
from gateway.inbound import answer, bounces, dsn, replies
from gateway.settings import Settings
from gateway.storage.writer import writer_for

log = logging.getLogger("gateway.inbound")
MAX_MESSAGE_BYTES = 10 * 1024 * 1024
GROUP_LIMIT = 200  # reports per transaction at most


class InboundHandler:
    def __init__(self, engine: AsyncEngine, crypto: Crypto, settings: Settings, dkim: DkimSigner | None,
                 clock: Clock = SYSTEM) -> None:
        self.engine, self.crypto, self.settings, self.dkim, self.clock = engine, crypto, settings, dkim, clock
        self.reply_address = parseaddr(settings.mail_from)[1].lower()
        self._pool: SmtpPool | None = None
        self._sending: set[asyncio.Task[None]] = set()
        self._waiting: list[tuple[str, dsn.Report, asyncio.Future[str]]] = []
        self._committer: asyncio.Task[None] | None = None

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if address.lower() != self.reply_address and token_of(address, self.settings.return_path_domain) is None:
            return "550 5.1.1 No such recipient here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        sender = envelope.mail_from or ""
        try:
            for rcpt in dict.fromkeys(a.lower() for a in envelope.rcpt_tos):
                token = token_of(rcpt, self.settings.return_path_domain)
                if token is not None:
                    await self.bounce(token, raw)
                else:
                    await self.reply(sender, raw)
        except Exception as exc:  # noqa: BLE001 - any failure: say "try later" rather than lose it
            # The error's type only: its message may quote the mail (a header value, a line).
            log.error("inbound mail could not be processed", extra={"error": type(exc).__name__})
            return "451 4.3.0 Temporary failure, try again later"
        return "250 2.0.0 OK"

    async def bounce(self, token: str, raw: bytes) -> str:
        report = dsn.parse(raw)
        if report is None:
            metrics.inbound.labels("not_a_bounce").inc()
            log.info("mail to a bounce address that is not a delivery report")
            return "ignored"
        outcome = await self._group(token, report)
        metrics.inbound.labels("bounce").inc()
        metrics.bounces.labels("hard" if report.hard else report.action).inc()
        log.info("delivery report", extra={"outcome": outcome, "status": report.status})
        return outcome

    async def _group(self, token: str, report: dsn.Report) -> str:
        """Record with whatever other reports are waiting, in one transaction (group commit): one
        commit, and on SQLite one turn at the write lock, for the reports of several connections."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiting.append((token, report, future))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._commit_waiting())
        return await future

    async def _commit_waiting(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting[:GROUP_LIMIT], self._waiting[GROUP_LIMIT:]
            try:
                outcomes = await writer_for(self.engine).run(
                    bounces.record_many_sync, [(t, r) for t, r, _ in group], self.clock.now(),
                    self.settings.hard_bounce_limit)
            except Exception as exc:  # noqa: BLE001 - handed to each waiting sender, which answers 451
                for _, _, future in group:
                    future.set_exception(exc)
                continue
            for (_, _, future), outcome in zip(group, outcomes, strict=True):
                future.set_result(outcome)

    async def reply(self, envelope_sender: str, raw: bytes) -> bool:
        """Returns whether an answer goes out."""
        reply = replies.read_headers(envelope_sender, raw)
        author_index = self.crypto.email_index(reply.author) if reply.author else None
        sender_index = self.crypto.email_index(reply.sender) if reply.sender else None
        known, answered = await writer_for(self.engine).run(replies.record_sync, reply, author_index, sender_index,
                                                            self.clock.now())
        metrics.inbound.labels("reply_known_customer" if known else "reply").inc()
        log.info("reply to a notification", extra={"customers": known, "answered": answered,
                                                   "automatic": reply.automatic})
        if answered:
            mail = answer.build(self.settings, reply.sender, reply.message_id, self.clock.now())
            task = asyncio.create_task(self._send(mail))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)
        return answered

    async def _send(self, mail: OutgoingEmail) -> None:
        if self._pool is None:
            self._pool = SmtpPool(self.settings, size=1)
        data = await self.dkim.sign_off_loop(mail.data, self.clock.now()) if self.dkim is not None else mail.data
        try:
            await self._pool.send(OutgoingEmail(mail.sender, mail.recipient, data))
            metrics.auto_answers.inc()
        except SendFailure as failure:
            log.warning("automatic answer not sent", extra={"reason": failure.summary})

    async def close(self) -> None:
        if self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)
        if self._pool is not None:
            await self._pool.close()


# MAIL FROM:<a@b> / RCPT TO:<a@b> / MAIL FROM:<>, as every MTA writes them; anything else goes to
# aiosmtpd's full RFC 5322 parser (which costs about half a report's CPU when it is all it does).
_PLAIN_PATH = re.compile(r"<((?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
                         r"@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)?>(.*)\Z", re.DOTALL)


class _Smtp(SMTP):
    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        match = _PLAIN_PATH.match(arg.lstrip())
        if match is None:
            return super()._getaddr(arg)
        address = match.group(1)
        if address is None:
            return "<>", match.group(2).lstrip()  # the null sender, as aiosmtpd's own parser gives it
        if self.local_part_limit and len(address.rpartition("@")[0]) > self.local_part_limit:
            return None, None
        return address, match.group(2).lstrip()


class InboundServer:
    """The SMTP listener on the running loop: `await start()`, `await stop()`."""

    def __init__(self, handler: InboundHandler, host: str, port: int, *, reuse_port: bool = False) -> None:
        self.handler, self.host, self.port, self.reuse_port = handler, host, port, reuse_port
        self._server: asyncio.Server | None = None

    async def start(self) -> InboundServer:
        # aiosmtpd logs envelopes and peers at INFO/DEBUG; the gateway's own log says what matters.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        loop = asyncio.get_running_loop()

        def protocol() -> Any:
            return _Smtp(self.handler, hostname=self.handler.settings.return_path_domain,
                        data_size_limit=MAX_MESSAGE_BYTES, loop=loop)

        self._server = await loop.create_server(protocol, self.host, self.port, reuse_port=self.reuse_port)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("inbound SMTP listening", extra={"port": self.port})
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        await self.handler.close()
