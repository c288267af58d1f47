"""A local SMTP sink (aiosmtpd) for the demo and the tests, and its /dev/mail pages.

Development only: the pages show captured e-mails to whoever can reach the service.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiohttp import web
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from jinja2 import Environment, FileSystemLoader, select_autoescape


@dataclass(frozen=True)
class CapturedMail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        return body.get_content() if body is not None else ""


class SinkHandler:
    """Stores every accepted mail. `reply` makes the next DATA commands answer with that
    SMTP reply instead (e.g. "451 4.3.0 try later", "550 5.1.1 no such user") for fault tests."""

    def __init__(self) -> None:
        self.mails: list[CapturedMail] = []
        self.reply: str | None = None

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.reply is not None:
            return self.reply
        content = envelope.original_content or b""
        self.mails.append(CapturedMail(envelope.mail_from or "", tuple(envelope.rcpt_tos), content))
        return "250 2.0.0 OK queued"


class MailSink:
    """A real SMTP server on loopback."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.handler = SinkHandler()
        self.host = host
        self.port = port
        self._controller: Controller | None = None

    @property
    def mails(self) -> list[CapturedMail]:
        return self.handler.mails

    def start(self) -> MailSink:
        self._controller = Controller(self.handler, hostname=self.host, port=self.port or _free_port(self.host),
                                      ready_timeout=10)
        self._controller.start()
        self.port = self._controller.port
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def _free_port(host: str) -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


SINK = web.AppKey("mail_sink", MailSink)


def add_routes(app: web.Application, sink: MailSink, templates_dir: Path) -> None:
    env = Environment(loader=FileSystemLoader(str(templates_dir / "dev")), autoescape=select_autoescape())
    app[SINK] = sink

    async def index(request: web.Request) -> web.Response:
        rows: list[dict[str, Any]] = []
        for number, mail in reversed(list(enumerate(sink.mails))):
            msg = mail.message
            rows.append({"number": number, "to": ", ".join(mail.rcpt_tos), "subject": msg["Subject"],
                         "date": msg["Date"]})
        return web.Response(text=env.get_template("mail_list.html").render(rows=rows), content_type="text/html")

    async def show(request: web.Request) -> web.Response:
        try:
            mail = sink.mails[int(request.match_info["number"])]
        except (ValueError, IndexError):
            raise web.HTTPNotFound() from None
        page = env.get_template("mail_show.html").render(
            number=request.match_info["number"], headers=list(mail.message.items()),
            text=mail.part("plain"), html=mail.part("html"))
        return web.Response(text=page, content_type="text/html")

    app.router.add_get("/dev/mail", index)
    app.router.add_get("/dev/mail/{number}", show)
