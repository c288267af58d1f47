"""What the billing side needs from the running service, named here rather than taken as the whole
service bag: the app factory hands in anything with these attributes (its Services does)."""

from __future__ import annotations

from typing import Protocol

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.billing.templates import MessageTemplates
from gateway.crypto import Crypto
from gateway.settings import Settings


class BillingContext(Protocol):
    @property
    def settings(self) -> Settings: ...
    @property
    def engine(self) -> AsyncEngine: ...
    @property
    def crypto(self) -> Crypto: ...
    @property
    def message_templates(self) -> MessageTemplates: ...


BILLING: web.AppKey[BillingContext] = web.AppKey("billing")
