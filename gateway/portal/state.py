"""What the portal keeps for its lifetime: engine and crypto, session store, cookie policy, OIDC client."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import jinja2
from aiohttp import web
from sqlalchemy import CompoundSelect, Select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.clock import SYSTEM, Clock
from gateway.crypto import Crypto
from gateway.crypto.cache import KeyCache
from gateway.portal.sessions import cookie_policy, session_store
from gateway.settings import Settings
from gateway.storage.reads import Reads
from gateway.webkit import CookiePolicy, SessionStore, csp
from gateway.webkit.oidc import OIDCClient


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class PortalState:
    engine: AsyncEngine  # for writes; reads go through `reads`
    crypto: Crypto
    settings: Settings
    sessions: SessionStore
    cookie: CookiePolicy
    css: bytes
    css_etag: str
    csp: str
    csp_login: str  # the sign-in page's form posts on to the identity provider
    reads: Reads  # for the many read-only requests; writes use engine
    keys: KeyCache  # unwrapped customer and data keys, for a minute (docs/encryption.md)
    http: aiohttp.ClientSession | None = None
    jinja: dict[str, jinja2.Environment] = field(default_factory=dict)  # by language (pages.setup)
    _templates: dict[tuple[str, str], jinja2.Template] = field(default_factory=dict, repr=False)
    _oidc: OIDCClient | None = field(default=None, repr=False)
    _oidc_lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    @classmethod
    def build(cls, engine: AsyncEngine, crypto: Crypto, settings: Settings, clock: Clock = SYSTEM,
              hot: Sequence[Select[Any] | CompoundSelect[Any]] = ()) -> PortalState:
        """`hot`: the constant statements of the most frequent page views (see Reads)."""
        # Shipped with the templates (GATEWAY_TEMPLATES_DIR), not inside the Python package.
        css = (Path(settings.templates_dir) / "portal" / "portal.css").read_bytes()
        issuer_origin = _origin(settings.oidc_issuer) if settings.oidc_enabled else ""
        reads = Reads(engine, settings.database_url, hot)
        return cls(
            reads=reads,
            keys=KeyCache(crypto),
            engine=engine,
            crypto=crypto,
            settings=settings,
            sessions=session_store(engine, settings, reads, clock),
            cookie=cookie_policy(settings),
            css=css,
            css_etag='"' + hashlib.sha256(css).hexdigest()[:32] + '"',
            csp=csp(),
            csp_login=csp(issuer_origin),
        )

    def templates(self, name: str, lang: str) -> jinja2.Template:
        """A page template in one language: loaded once, then a look-up here (Jinja's get_template
        builds a cache key and merges globals on every call)."""
        template = self._templates.get((name, lang))
        if template is None:
            template = self._templates[(name, lang)] = self.jinja[lang].get_template(name)
        return template

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
