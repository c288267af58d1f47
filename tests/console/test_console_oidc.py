"""Staff sign-in through the company's OpenID provider (the real oidc-provider on Node, loopback), on
SQLite and PostgreSQL: with the MFA claim the matching active staff account gets a console session;
without it, or with no matching account, or a disabled one, there is none; every outcome audited."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
import pytest_asyncio
from sqlalchemy import select

from gateway.clock import FakeClock
from gateway.console import accounts
from gateway.delivery.devmail import MailSink
from gateway.settings import Settings
from gateway.storage.schema import audit_log, staff, web_sessions
from gateway.webkit import hash_id
from tests.console.console_helpers import console_client, enrol, start_console_gateway
from tests.portal.portal_helpers import PortalClient
from tests.support.oidc_provider import ProviderHandle, start_oidc_provider
from tests.support.service import Gateway, stop_gateway

pytestmark = pytest.mark.asyncio(loop_scope="module")
EMAIL = "kari.oidc@kraft.example.no"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def idp() -> AsyncIterator[ProviderHandle]:
    # make_settings' public URL: the provider only sends the browser back there.
    async with start_oidc_provider(redirect_uris=["https://min.example.no/console/login/oidc/callback"]) as provider:
        yield provider


@pytest_asyncio.fixture(loop_scope="module")
async def gw(idp: ProviderHandle, settings: Settings, sink: MailSink) -> AsyncIterator[Gateway]:
    clock = FakeClock()
    settings = dataclasses.replace(settings, staff_oidc_issuer=idp.issuer, staff_oidc_client_id=idp.client_id,
                                   staff_oidc_client_secret=idp.client_secret)
    running = await start_console_gateway(settings, sink, clock, run_worker=False)
    running.clock = clock  # type: ignore[attr-defined]
    await enrol(running, clock, EMAIL, "agent")
    yield running
    await stop_gateway(running)


async def _through_provider(gw: Gateway, idp: ProviderHandle, client: PortalClient, **claims: str) -> PortalClient:
    page = await client.get("/console/login")
    assert page.status == 200 and 'action="/console/login/oidc"' in page.text
    started = await client.post("/console/login/oidc", {}, csrf=page.csrf)
    assert started.status == 303 and started.location.startswith(idp.issuer)
    callback = await idp.login(started.location, pid="staff-login", **claims)
    parts = urlsplit(callback)
    assert parts.path == "/console/login/oidc/callback"
    return await client.get(f"{parts.path}?{parts.query}")


async def _signins(gw: Gateway) -> list[tuple[str, str, dict]]:
    async with gw.services.engine.connect() as conn:
        rows = (await conn.execute(select(audit_log.c.actor, audit_log.c.action, audit_log.c.details)
                                   .where(audit_log.c.action.like("staff.signin%")).order_by(audit_log.c.seq))).all()
    return [(r.actor, r.action, json.loads(r.details)) for r in rows]


async def _staff_id(gw: Gateway) -> str:
    async with gw.services.engine.connect() as conn:
        return str((await conn.execute(select(staff.c.id).where(staff.c.email == EMAIL))).scalar())


async def test_sign_in_with_the_mfa_claim(gw: Gateway, idp: ProviderHandle) -> None:
    client = console_client(gw)
    try:
        page = await _through_provider(gw, idp, client, email=EMAIL.upper(), amr="pwd otp")
        assert page.status == 303 and page.location == "/console/"
        assert (await client.get("/console/")).status == 200
        async with gw.services.engine.connect() as conn:
            row = (await conn.execute(
                select(web_sessions).where(web_sessions.c.id_hash == hash_id(client.cookie)))).one()
        staff_id = await _staff_id(gw)
        assert row.kind == accounts.STAFF_KIND and row.subject_id == staff_id and row.acr == "oidc"
        assert (await _signins(gw))[-1] == (f"staff:{staff_id}", "staff.signin", {"method": "oidc"})
    finally:
        await client.close()


async def test_without_the_mfa_claim_no_session(gw: Gateway, idp: ProviderHandle) -> None:
    client = console_client(gw)
    try:
        page = await _through_provider(gw, idp, client, email=EMAIL, amr="pwd")
        assert page.status == 403 and "to faktorer" in page.text
        assert (await client.get("/console/")).status in (302, 303)
        staff_id = await _staff_id(gw)
        assert (await _signins(gw))[-1] == (f"staff:{staff_id}", "staff.signin.failed",
                                            {"step": "oidc", "reason": "no_mfa"})
    finally:
        await client.close()


async def test_no_account_is_created_and_a_disabled_one_is_refused(gw: Gateway, idp: ProviderHandle) -> None:
    client = console_client(gw)
    try:
        page = await _through_provider(gw, idp, client, email="someone.else@kraft.example.no", amr="mfa")
        assert page.status == 400 and (await client.get("/console/")).status in (302, 303)
        async with gw.services.engine.connect() as conn:
            emails = (await conn.execute(select(staff.c.email))).scalars().all()
        assert emails == [EMAIL]
        await accounts.disable(gw.services.engine, EMAIL, clock=gw.clock)  # type: ignore[attr-defined]
        page = await _through_provider(gw, idp, client, email=EMAIL, amr="hwk")
        assert page.status == 400 and (await client.get("/console/")).status in (302, 303)
        details = [d for _, action, d in await _signins(gw) if action == "staff.signin.failed"]
        assert details[-2:] == [{"step": "oidc", "reason": "no_account"}] * 2
        assert "someone.else" not in json.dumps(await _signins(gw))  # the claim's value is not audited
    finally:
        await client.close()
