"""What the portal keeps for its lifetime: services, session store, cookie policy, OIDC client."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from gateway.portal.oidc import OIDCClient
from gateway.portal.sessions import CookiePolicy, SessionStore
from gateway.services import Services
from gateway.settings import Settings

STATIC_DIR = Path(__file__).parent / "static"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def csp(form_action_extra: str = "") -> str:
    form_action = "'self'" + (f" {form_action_extra}" if form_action_extra else "")
    return ("default-src 'none'; style-src 'self'; img-src 'self'; "
            f"form-action {form_action}; frame-ancestors 'none'; base-uri 'none'")


@dataclass
class PortalState:
    services: Services
    settings: Settings
    sessions: SessionStore
    cookie: CookiePolicy
    css: bytes
    css_etag: str
    csp: str
    csp_login: str  # the sign-in page's form posts on to the identity provider
    http: aiohttp.ClientSession | None = None
    _oidc: OIDCClient | None = field(default=None, repr=False)
    _oidc_lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    @classmethod
    def build(cls, services: Services) -> PortalState:
        settings = services.settings
        css = (STATIC_DIR / "portal.css").read_bytes()
        issuer_origin = _origin(settings.oidc_issuer) if settings.oidc_enabled else ""
        return cls(
            services=services,
            settings=settings,
            sessions=SessionStore(services.engine, settings),
            cookie=CookiePolicy.for_settings(settings),
            css=css,
            css_etag='"' + hashlib.sha256(css).hexdigest()[:32] + '"',
            csp=csp(),
            csp_login=csp(issuer_origin),
        )

    async def oidc(self) -> OIDCClient:
        """The relying party, discovered on first use (and again after a failed discovery)."""
        if self._oidc is not None and self._oidc.discovered:
            return self._oidc
        async with self._oidc_lock:
            if self._oidc is None or not self._oidc.discovered:
                assert self.http is not None
                client = OIDCClient(self.settings.oidc_issuer, self.settings.oidc_client_id,
                                    self.settings.oidc_client_secret,
                                    f"{self.settings.public_url}/portal/login/callback", self.http)
                await client.discover()
                self._oidc = client
        return self._oidc


STATE = web.AppKey("portal_state", PortalState)
