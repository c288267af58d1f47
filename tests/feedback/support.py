"""Shared by the delivery-feedback tests: the DKIM record as published, a resolver stub for dkimpy."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

from aiohttp import web
from standardwebhooks.webhooks import Webhook

from gateway.delivery.devmail import _free_port


def txt_from_zone_line(line: str) -> tuple[str, bytes]:
    """(name, TXT value) from the zone-file line `gateway keys dkim-init` prints."""
    name = line.split()[0].rstrip(".")
    value = "".join(re.findall(r'"([^"]*)"', line))
    return name, value.encode("ascii")


def resolver(records: dict[str, bytes]) -> Callable[..., bytes | None]:
    """dkimpy's dnsfunc: answers only the names published here, as a DNS server would."""

    def dnsfunc(name: bytes | str, timeout: int = 5) -> bytes | None:
        key = (name.decode() if isinstance(name, bytes) else name).rstrip(".").lower()
        return records.get(key)

    return dnsfunc


# ---------------------------------------------------------------- a real callback receiver



@dataclasses.dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    def verified(self, secret: str) -> dict[str, Any]:
        """The event, if its signature verifies with `secret` (standardwebhooks raises otherwise)."""
        return Webhook(secret).verify(self.body, self.headers)  # type: ignore[no-any-return]


class Receiver:
    """A billing system's callback endpoint on loopback: records every request, answers 204. `down()`
    closes the listening socket (connection refused), `up()` opens it again on the same port."""

    def __init__(self) -> None:
        self.port = _free_port("127.0.0.1")
        self.received: list[Received] = []
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/gateway"

    async def up(self) -> Receiver:
        async def hook(request: web.Request) -> web.Response:
            self.received.append(Received({k.lower(): v for k, v in request.headers.items()}, await request.read()))
            return web.Response(status=204)

        app = web.Application()
        app.router.add_post("/hooks/gateway", hook)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True).start()
        return self

    async def down(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def events(self, secret: str) -> list[dict[str, Any]]:
        return [r.verified(secret) | {"webhook_id": r.headers["webhook-id"]} for r in self.received]


def by_message(events: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Each message's event statuses in arrival order, without repeats of one webhook id."""
    seen: set[str] = set()
    result: dict[str, list[str]] = {}
    for event in events:
        if event["webhook_id"] in seen:
            continue
        seen.add(event["webhook_id"])
        result.setdefault(event["data"]["message_id"], []).append(event["data"]["status"])
    return result


def dsn(bounce_address: str, recipient: str, status: str = "5.1.1", action: str = "failed") -> bytes:
    """A delivery status notification as Postfix writes it (RFC 3464 multipart/report)."""
    return (
        f"From: MAILER-DAEMON@mx.example.no (Mail Delivery System)\r\n"
        f"To: {bounce_address}\r\n"
        f"Subject: Undelivered Mail Returned to Sender\r\n"
        f"Auto-Submitted: auto-replied\r\n"
        f"MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="B1"\r\n\r\n'
        f"--B1\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your message could not\r\n"
        f"be delivered to one or more recipients.\r\n\r\n"
        f"--B1\r\nContent-Type: message/delivery-status\r\n\r\n"
        f"Reporting-MTA: dns; mx.example.no\r\nArrival-Date: Mon, 7 Dec 2026 01:00:00 +0100\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nOriginal-Recipient: rfc822;{recipient}\r\n"
        f"Action: {action}\r\nStatus: {status}\r\nRemote-MTA: dns; mx2.example.no\r\n"
        f"Diagnostic-Code: smtp; 550 {status} <{recipient}>: Recipient address rejected: User unknown\r\n\r\n"
        f"--B1\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: no-reply@kraft.example.no\r\n"
        f"To: {recipient}\r\nSubject: Du har en ny melding\r\n\r\n--B1--\r\n"
    ).encode()




async def smtp_send(port: int, raw: bytes, *, sender: str, to: str) -> None:
    """Deliver `raw` over SMTP like a remote MTA (the null sender "" allowed, as bounces use it)."""
    import aiosmtplib

    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=10)
    await client.connect()
    try:
        await client.sendmail(sender, [to], raw)
    finally:
        await client.quit()
