"""The privacy room's Mailer: one plain-text e-mail through the outbox's SMTP settings (relay, TLS,
credentials), on a connection of its own, opened when first needed and closed with the app."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from aiohttp import web

from gateway.delivery.notification import OutgoingEmail
from gateway.delivery.smtp import SendFailure, SmtpPool
from gateway.privacy.context import MAILER, MailNotSent
from gateway.settings import Settings


class SmtpMailer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._pool: SmtpPool | None = None

    async def send_text(self, to: str, subject: str, text: str) -> None:
        if self._pool is None:
            self._pool = SmtpPool(self.settings, size=1)
        message = EmailMessage()
        message["From"] = self.settings.mail_from
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = make_msgid(domain=self.settings.mail_from.rsplit("@", 1)[-1].strip(">") or None)
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(text)
        sender = self.settings.mail_from.rsplit("<", 1)[-1].strip(">")
        try:
            await self._pool.send(OutgoingEmail(sender, to, message.as_bytes()))
        except (SendFailure, OSError, TimeoutError) as exc:
            raise MailNotSent(str(exc)) from None

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()


def install(app: web.Application, settings: Settings) -> None:
    mailer = SmtpMailer(settings)
    app[MAILER] = mailer

    async def close(_app: web.Application) -> None:
        await mailer.close()

    app.on_cleanup.append(close)
