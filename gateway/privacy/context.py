"""What the privacy handlers need from the running service (the app factory's Services has it)."""

from __future__ import annotations

from typing import Protocol

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.crypto import Crypto
from gateway.settings import Settings


class PrivacyContext(Protocol):
    @property
    def settings(self) -> Settings: ...
    @property
    def engine(self) -> AsyncEngine: ...
    @property
    def crypto(self) -> Crypto: ...


PRIVACY: web.AppKey[PrivacyContext] = web.AppKey("privacy")


class MailNotSent(Exception):
    """The relay could not be reached or refused the e-mail."""


class Mailer(Protocol):
    """Sends one plain-text e-mail (the e-mail change's code and notice); the app factory hands in
    one built on the outbox's SMTP settings. Raises MailNotSent on failure."""

    async def send_text(self, to: str, subject: str, text: str) -> None: ...


MAILER: web.AppKey[Mailer] = web.AppKey("privacy_mailer")
