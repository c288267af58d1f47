"""What the outbox worker needs from the running service, named here rather than taken as the whole
service bag (the app factory's and the CLI's Services has these attributes)."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.clock import Clock
from gateway.crypto import Crypto
from gateway.delivery.dkim import DkimSigner
from gateway.delivery.notification import NotificationRenderer
from gateway.settings import Settings


class DeliveryContext(Protocol):
    @property
    def settings(self) -> Settings: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def engine(self) -> AsyncEngine: ...
    @property
    def crypto(self) -> Crypto: ...
    @property
    def notifications(self) -> NotificationRenderer: ...
    @property
    def dkim(self) -> DkimSigner | None: ...
