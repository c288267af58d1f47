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
