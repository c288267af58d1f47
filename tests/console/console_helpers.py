"""Helpers for the console tests: a gateway whose clock the test moves, a staff member enrolled
through the real pages, and a cookie-explicit client (the portal tests' PortalClient)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import aiohttp
import pyotp
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.clock import FakeClock
from gateway.console import accounts
from gateway.console.state import STATE
from gateway.delivery.devmail import MailSink
from gateway.settings import Settings
from gateway.storage.schema import audit_log
from gateway.web.app import make_app
from gateway.web.services import Services
from tests.portal.portal_helpers import Page, PortalClient
from tests.support.net import free_port
from tests.support.service import Gateway, GatewayTestServer, make_settings

PASSWORD = "correct horse battery staple"
_SECRET = re.compile(r'<code id="totp-secret">([A-Z2-7]+)</code>')


async def start_console_gateway(settings: Settings, sink: MailSink, clock: FakeClock, *,
                                port: int | None = None, run_worker: bool = True) -> Gateway:
    services = Services.build(settings, clock)
    server = GatewayTestServer(make_app(services, run_worker=run_worker), host="127.0.0.1", port=port)
    await server.start_server()
    return Gateway(services, server, aiohttp.ClientSession(), sink)


async def start_console_on_localhost(database_url: str, keys_dir: Path, sink: MailSink) -> Gateway:
    """The console gateway for a browser: at localhost, not 127.0.0.1 (a WebAuthn relying party is a
    host name), on a free port, with its clock at `gw.clock`."""
    port = free_port()
    settings = make_settings(database_url, keys_dir, sink, public_url=f"http://localhost:{port}")
    clock = FakeClock()
    running = await start_console_gateway(settings, sink, clock, port=port)
    running.clock = clock  # type: ignore[attr-defined]
    return running


def console_client(gw: Gateway) -> PortalClient:
    return PortalClient(gw, cookie_name=gw.server.app[STATE].cookie.name)


def code_at(secret: str, clock: FakeClock, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock.now().timestamp() + 30 * offset_steps)


@dataclass
class Enrolled:
    staff_id: str
    email: str
    secret: str


async def enrol(gw: Gateway, clock: FakeClock, email: str, role: str, *, password: str = PASSWORD) -> Enrolled:
    """Invite (as the CLI does) and enrol through the pages with a password and TOTP."""
    staff_id, token = await accounts.add(gw.services.engine, email, role, clock=clock)
    client = console_client(gw)
    try:
        page = await client.get(accounts.enrolment_path(token))
        assert page.status == 303 and page.location == "/console/enrol", page.status
        await client.get("/console/enrol")
        page = await client.post("/console/enrol/password", {"password": password, "password_again": password})
        assert page.status == 303, page.text
        page = await client.get("/console/enrol")
        secret = secret_on(page)
        page = await client.post("/console/enrol/totp", {"code": code_at(secret, clock)})
        assert page.status == 303 and page.location == "/console/login?notice=enrolled", page.text
    finally:
        await client.close()
    return Enrolled(staff_id, email, secret)


def secret_on(page: Page) -> str:
    match = _SECRET.search(page.text)
    assert match, "no TOTP key on the page"
    return unescape(match.group(1))


async def sign_in(client: PortalClient, clock: FakeClock, who: Enrolled, *, password: str = PASSWORD,
                  step_offset: int = 0) -> Page:
    """Password, then TOTP; returns the answer to the second step."""
    await client.get("/console/login")
    page = await client.post("/console/login", {"email": who.email, "password": password})
    if page.status != 303:
        return page
    await client.get("/console/login/second")
    clock.advance(30)  # a TOTP code is good once: the next step's code
    return await client.post("/console/login/totp", {"code": code_at(who.secret, clock, step_offset)})


async def signed_in_client(gw: Gateway, clock: FakeClock, email: str, role: str) -> PortalClient:
    """A console client of a new staff member of this role, signed in."""
    who = await enrol(gw, clock, email, role)
    client = console_client(gw)
    await sign_in(client, clock, who)
    return client


async def template_actions(conn: AsyncConnection) -> list[tuple[str, str]]:
    """(actor, action) of the template audit entries, oldest first."""
    rows = await conn.execute(select(audit_log.c.actor, audit_log.c.action)
                              .where(audit_log.c.action.like("template.%")).order_by(audit_log.c.seq))
    return [(r.actor, r.action) for r in rows]


def four_eyes(author: Enrolled, approver: Enrolled) -> list[tuple[str, str]]:
    """The audit of a template refused, saved fixed by its author and approved by a second admin."""
    return [(f"staff:{author.staff_id}", "template.save_refused"), (f"staff:{author.staff_id}", "template.save"),
            (f"staff:{approver.staff_id}", "template.approve")]
