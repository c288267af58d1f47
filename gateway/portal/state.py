"""What the portal keeps for its lifetime: services, session store, cookie policy, OIDC client."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from gateway.db import sqlalchemy_url
from gateway.portal.oidc import OIDCClient
from gateway.portal.sessions import CookiePolicy, SessionStore
from gateway.services import Services
from gateway.settings import Settings



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
    reads: Reads  # for the many read-only requests; writes use services.engine
    http: aiohttp.ClientSession | None = None
    _oidc: OIDCClient | None = field(default=None, repr=False)
    _oidc_lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    @classmethod
    def build(cls, services: Services) -> PortalState:
        settings = services.settings
        # Shipped with the templates (GATEWAY_TEMPLATES_DIR), not inside the Python package.
        css = (Path(settings.templates_dir) / "portal" / "portal.css").read_bytes()
        issuer_origin = _origin(settings.oidc_issuer) if settings.oidc_enabled else ""
        reads = Reads(services.engine, settings.database_url)
        return cls(
            reads=reads,
            services=services,
            settings=settings,
            sessions=SessionStore(services.engine, settings, reads),
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


class Reads:
    """Read-only statements for page views, without a transaction round trip.

    PostgreSQL: the shared async pool in autocommit mode (no BEGIN/ROLLBACK per request).

    SQLite: the gateway's async engine takes the write lock at every BEGIN (BEGIN IMMEDIATE) and
    hops to a driver thread for every cursor call, which serialises page views and, with the GIL,
    makes each hop slow under load. Reads therefore use a small pool of plain sqlite3 connections,
    opened query-only (they can never write) in WAL mode, called directly on the event loop: a
    read of a local file by primary key takes microseconds, and in WAL mode readers never wait
    for writers. Results have the same API as the async engine's buffered results.
    """

    def __init__(self, engine: AsyncEngine, url: str) -> None:
        driver_url = sqlalchemy_url(url)
        self._async: AsyncEngine | None = None
        self._sync: Engine | None = None
        if not driver_url.startswith("sqlite"):
            self._async = engine.execution_options(isolation_level="AUTOCOMMIT")
            return
        path = driver_url.split(":///", 1)[1] if ":///" in driver_url else ""
        if not path or path.startswith(":memory:"):
            self._async = engine  # a private in-memory database: only the gateway's own engine sees it
            return
        self._sync = create_engine(f"sqlite:///{path}", poolclass=QueuePool, pool_size=4, max_overflow=4,
                                   connect_args={"check_same_thread": False})

        @event.listens_for(self._sync, "connect")
        def on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # autocommit: no BEGIN, no lock
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA busy_timeout=200")
            cursor.execute("PRAGMA query_only=ON")
            cursor.close()

    @contextlib.asynccontextmanager
    async def connect(self) -> AsyncIterator[Any]:
        if self._async is not None:
            async with self._async.connect() as conn:
                yield conn
            return
        assert self._sync is not None
        with self._sync.connect() as sync_conn:
            yield _SyncReads(sync_conn)

    async def dispose(self) -> None:
        if self._sync is not None:
            self._sync.dispose()


class _SyncReads:
    """The part of AsyncConnection the portal's read queries use, over a sync connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        return self._conn.execute(statement, parameters)


STATE = web.AppKey("portal_state", PortalState)
