"""A small pool of long-lived SMTP connections (aiosmtplib), with failures sorted into
temporary (retry later) and permanent (give up) the way RFC 5321 reply codes intend.

Only a reply to the message's own transaction (MAIL, RCPT, DATA) can fail a notice for good. A
refusal while connecting (greeting, EHLO/HELO, STARTTLS, AUTH), whatever its code, is about the
relay and this client, not the notice: it is temporary, so a relay that turns the gateway away
for a while does not mark every queued notice failed."""

from __future__ import annotations

import asyncio
import re
import ssl

import aiosmtplib

from gateway.delivery.notification import OutgoingEmail
from gateway.settings import Settings

_ADDRESS = re.compile(r"<?[^\s<>@]+@[^\s<>]+>?")


class SendFailure(Exception):
    def __init__(self, summary: str, *, permanent: bool) -> None:
        super().__init__(summary)
        self.summary = summary
        self.permanent = permanent


def _summary(code: int | None, text: str) -> str:
    """Short, address-free text for `last_error`: relays often echo the recipient in replies."""
    clean = _ADDRESS.sub("<address>", " ".join(text.split()))
    return (f"{code} {clean}" if code else clean)[:160]


class SmtpPool:
    def __init__(self, settings: Settings, *, size: int | None = None) -> None:
        self.settings = settings
        self.size = size or settings.smtp_connections
        self._idle: asyncio.Queue[aiosmtplib.SMTP] = asyncio.Queue()
        for _ in range(self.size):
            self._idle.put_nowait(self._new_client())

    def _new_client(self) -> aiosmtplib.SMTP:
        s = self.settings
        return aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            use_tls=s.smtp_tls == "tls",
            start_tls=s.smtp_tls == "starttls",
            username=s.smtp_username or None,
            password=s.smtp_password or None,
            timeout=s.smtp_timeout_seconds,
            tls_context=ssl.create_default_context(cafile=s.smtp_ca_file or None) if s.smtp_tls != "none" else None,
        )

    async def send(self, message: OutgoingEmail) -> None:
        """Send on an idle connection; raise SendFailure. Waits while all connections are busy."""
        client = await self._idle.get()
        try:
            await self._send_on(client, message)
        finally:
            self._idle.put_nowait(client)

    async def _send_on(self, client: aiosmtplib.SMTP, message: OutgoingEmail) -> None:
        if not client.is_connected:
            await self._connect(client)
        try:
            await client.sendmail(message.sender, [message.recipient], message.data)
        except aiosmtplib.SMTPAuthenticationError:
            # Wrong relay credentials are the operator's to fix; the notices must wait, not fail.
            client.close()
            raise SendFailure("relay authentication failed", permanent=False) from None
        except aiosmtplib.SMTPRecipientsRefused as exc:
            first = exc.recipients[0]
            await self._reset(client)
            raise SendFailure(_summary(first.code, first.message), permanent=first.code >= 500) from None
        except aiosmtplib.SMTPResponseException as exc:
            await self._reset(client)
            raise SendFailure(_summary(exc.code, exc.message), permanent=exc.code >= 500) from None
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            client.close()
            raise SendFailure(_summary(None, f"connection failure: {type(exc).__name__}"),
                              permanent=False) from None

    @staticmethod
    async def _connect(client: aiosmtplib.SMTP) -> None:
        """Connect (greeting, EHLO, STARTTLS, AUTH); every failure here is temporary."""
        try:
            await client.connect()
            if client.is_ehlo_or_helo_needed:  # without STARTTLS or AUTH, connect() leaves it
                try:
                    await client.ehlo()
                except aiosmtplib.SMTPHeloError:
                    await client.helo()
        except aiosmtplib.SMTPAuthenticationError:
            # Wrong relay credentials are the operator's to fix; the notices must wait, not fail.
            client.close()
            raise SendFailure("relay authentication failed", permanent=False) from None
        except aiosmtplib.SMTPResponseException as exc:
            client.close()
            raise SendFailure(_summary(exc.code, exc.message), permanent=False) from None
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            client.close()
            raise SendFailure(_summary(None, f"connection failure: {type(exc).__name__}"),
                              permanent=False) from None

    @staticmethod
    async def _reset(client: aiosmtplib.SMTP) -> None:
        """Leave the connection clean for the next message, or drop it."""
        try:
            await client.rset()
        except (TimeoutError, aiosmtplib.SMTPException, OSError):
            client.close()

    async def close(self) -> None:
        while not self._idle.empty():
            client = self._idle.get_nowait()
            if client.is_connected:
                try:
                    await client.quit()
                except (TimeoutError, aiosmtplib.SMTPException, OSError):
                    client.close()
