"""Everything a request handler or worker needs, built once at start-up."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.billing.templates import MessageTemplates
from gateway.clock import SYSTEM, Clock
from gateway.crypto import Crypto, Keyring, KeyStore
from gateway.delivery.dkim import DkimSigner, load_signer
from gateway.delivery.notification import NotificationRenderer
from gateway.settings import Settings
from gateway.storage import make_engine
from gateway.storage.writer import close_writer


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    crypto: Crypto
    message_templates: MessageTemplates
    notifications: NotificationRenderer
    dkim: DkimSigner | None = None
    clock: Clock = field(default=SYSTEM)  # what sessions, leases, retries and key checks read

    @classmethod
    def build(cls, settings: Settings, clock: Clock = SYSTEM) -> Services:
        """Refuses to build (KeyringError, TemplateRefused, ...) rather than run half-configured."""
        keyring = Keyring.load(Path(settings.keys_dir))
        templates_dir = Path(settings.templates_dir)
        from gateway.web.template_checks import check_templates_dir

        check_templates_dir(templates_dir, settings.public_url)
        return cls(
            settings=settings,
            engine=make_engine(settings.database_url),
            crypto=Crypto(keyring, KeyStore.open(settings.keystore_location,
                                                 moving_from=settings.keystore_moving_from)),
            message_templates=MessageTemplates(templates_dir),
            notifications=NotificationRenderer(
                templates_dir, public_url=settings.public_url, company_name=settings.company_name
            ),
            dkim=load_signer(settings),
            clock=clock,
        )

    async def close(self) -> None:
        close_writer(self.engine)
        if self.crypto.keystore is not None:
            self.crypto.keystore.close()
        await self.engine.dispose()


SERVICES = web.AppKey("services", Services)
