"""What the console keeps for its lifetime: what it is handed at start-up (engine, crypto, the
billing pipeline, the notification renderer), its session store and cookie, its pages."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.billing.context import BillingContext
from gateway.clock import SYSTEM, Clock
from gateway.console import accounts, customers
from gateway.console.accounts import PENDING_KIND, STAFF_KIND
from gateway.console.throttle import Limits
from gateway.crypto import Crypto
from gateway.delivery.notification import NotificationRenderer
from gateway.settings import Settings
from gateway.storage.reads import Reads
from gateway.webkit import HOT_STATEMENTS, CookiePolicy, SessionStore, csp
from gateway.webkit.oidc import OIDCClient

COOKIE_SECURE = "__Host-console"
COOKIE_DEV_HTTP = "console_session"
STATIC = Path(__file__).parent / "static"


@dataclass
class ConsoleState:
    engine: AsyncEngine
    crypto: Crypto
    settings: Settings
    billing: BillingContext
    notifications: NotificationRenderer
    sessions: SessionStore
    cookie: CookiePolicy
    csp: str
    clock: Clock
    jinja: jinja2.Environment
    reads: Reads  # read-only page-view statements without a transaction round trip (the portal's driver)
    limits: Limits = field(default_factory=Limits)
    parent: web.Application | None = None  # the main app: its worker is woken after a send
    static: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    # staff sign-in through the company's OpenID provider (oidc_signin.py), made on first use
    http: aiohttp.ClientSession | None = None
    oidc: OIDCClient | None = None
    oidc_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @classmethod
    def build(cls, billing: BillingContext, notifications: NotificationRenderer, *,
              clock: Clock = SYSTEM) -> ConsoleState:
        settings = billing.settings
        reads = Reads(billing.engine, settings.database_url,
                      (*HOT_STATEMENTS, *accounts.HOT_STATEMENTS, *customers.HOT_STATEMENTS))
        sessions = SessionStore(billing.engine, idle_seconds=settings.session_idle_seconds,
                                absolute_seconds=settings.session_absolute_seconds, signed_in_kind=STAFF_KIND,
                                pending_kind=PENDING_KIND, reads=reads, clock=clock)
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(Path(settings.templates_dir) / "console")),
                                 autoescape=True, undefined=jinja2.StrictUndefined)
        static = {name: ((STATIC / name).read_bytes(), kind)
                  for name, kind in (("console.js", "text/javascript"), ("console.css", "text/css"))}
        return cls(engine=billing.engine, crypto=billing.crypto, settings=settings, billing=billing,
                   notifications=notifications, sessions=sessions,
                   cookie=CookiePolicy.for_settings(settings, COOKIE_SECURE, COOKIE_DEV_HTTP),
                   csp=csp(script=True), clock=clock, jinja=env, static=static, reads=reads)

    def page(self, name: str) -> Any:
        return self.jinja.get_template(name)


STATE = web.AppKey("console_state", ConsoleState)
