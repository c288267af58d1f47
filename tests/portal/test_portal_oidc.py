"""Sign-in to the portal with OpenID Connect against the real provider (oidc-provider on Node,
loopback): the whole flow over HTTP, the step-up to the high level, and every refusal."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import pytest
import pytest_asyncio
from sqlalchemy import select

from gateway.portal.sessions import hash_id
from gateway.storage.schema import audit_log, web_sessions
from tests.portal.portal_helpers import PortalClient
from tests.support.factories import put_customer, send
from tests.support.net import free_port
from tests.support.oidc_provider import ProviderHandle, start_oidc_provider
from tests.support.service import Gateway, make_settings, start_gateway, stop_gateway

PID = "01817010055"  # synthetic (month + 80), valid check digits
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def idp() -> AsyncIterator[ProviderHandle]:
    async with start_oidc_provider(redirect_uris=["http://127.0.0.1:8080/portal/login/callback"],
                                   redirect_any_port=True) as provider:
        yield provider


@pytest_asyncio.fixture(loop_scope="module")
async def gw(idp: ProviderHandle, sqlite_url: str, keys_dir, sink) -> AsyncIterator[Gateway]:  # type: ignore[no-untyped-def]
    port = free_port()
    settings = make_settings(sqlite_url, keys_dir, sink, public_url=f"http://127.0.0.1:{port}",
                             oidc_issuer=idp.issuer, oidc_client_id=idp.client_id,
                             oidc_client_secret=idp.client_secret)
    running = await start_gateway(settings, sink, run_worker=False, port=port)
    token = await running.token()
    await put_customer(running, token, "oidc-1", national_id=PID)
    running.token_value = token  # type: ignore[attr-defined]
    yield running
    await stop_gateway(running)


async def _start(client: PortalClient, next_path: str = "/portal/", level: str | None = None) -> str:
    query = f"?next={next_path}" + ("&level=high" if level else "")
    page = await client.get("/portal/login" + query)
    assert page.status == 200
    assert 'action="/portal/login/oidc"' in page.text
    form = {"next": next_path}
    if level:
        form["level"] = level
    page = await client.post("/portal/login/oidc", form)
    assert page.status == 303, page.text
    return page.location


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


async def _signins(gw: Gateway) -> list[tuple[str, dict]]:
    async with gw.services.engine.connect() as conn:
        rows = (await conn.execute(select(audit_log.c.action, audit_log.c.details)
                                   .where(audit_log.c.action.like("portal.signin%")).order_by(audit_log.c.seq))).all()
    return [(r.action, json.loads(r.details)) for r in rows]


async def test_oidc_sign_in_from_a_message_link(gw: Gateway, idp: ProviderHandle) -> None:
    mid = await send(gw, gw.token_value, "oidc-1", "o1", subject="OIDC subject")  # type: ignore[attr-defined]
    client = PortalClient(gw)
    page = await client.get(f"/portal/messages/{mid}")
    assert page.location == f"/portal/login?next=/portal/messages/{mid}"
    auth_url = await _start(client, f"/portal/messages/{mid}")
    pending_cookie = client.cookie
    assert auth_url.startswith(idp.issuer)
    query = parse_qs(urlsplit(auth_url).query)
    assert query["code_challenge_method"] == ["S256"] and query["response_type"] == ["code"]
    assert query["redirect_uri"] == [f"{gw.services.settings.public_url}/portal/login/callback"]
    assert len(query["state"][0]) >= 43 and len(query["nonce"][0]) >= 43
    callback = await idp.login(auth_url, pid=PID)
    page = await client.get(_path(callback))
    assert page.status == 303 and page.location == f"/portal/messages/{mid}"
    assert client.cookie and client.cookie != pending_cookie
    page = await client.get(page.location)
    assert page.status == 200 and "OIDC subject" in page.text
    async with gw.services.engine.connect() as conn:
        row = (await conn.execute(select(web_sessions).where(web_sessions.c.id_hash == hash_id(client.cookie)))).one()
        assert (await conn.execute(select(web_sessions).where(
            web_sessions.c.id_hash == hash_id(pending_cookie)))).first() is None
    assert row.kind == "customer" and row.subject_id == "oidc-1" and row.acr == "idporten-loa-substantial"
    assert PID not in row.data
    assert (await _signins(gw))[-1] == ("portal.signin", {"acr": "idporten-loa-substantial", "method": "oidc"})
    # The same callback again (replayed state and code) is refused, with or without a cookie.
    for cookie in (client.cookie, ""):
        replay = PortalClient(gw)
        page = await replay.get(_path(callback), cookie=cookie)
        assert page.status == 400 and replay.cookie != client.cookie
        assert (await replay.get("/portal/")).status == 302
        await replay.close()
    await client.close()


async def test_callback_in_another_browser_is_refused(gw: Gateway, idp: ProviderHandle) -> None:
    victim, attacker = PortalClient(gw), PortalClient(gw)
    auth_url = await _start(attacker)
    callback = await idp.login(auth_url, pid=PID)
    await victim.get("/portal/login")
    page = await victim.get(_path(callback))
    assert page.status == 400
    assert (await victim.get("/portal/")).status == 302
    assert (await _signins(gw))[-1] == ("portal.signin.failed", {"method": "oidc", "reason": "state_unknown"})
    await victim.close()
    await attacker.close()


@pytest.mark.parametrize("mode,reason", [
    ("wrong_issuer", "issuer_mismatch"), ("wrong_audience", "audience_mismatch"), ("expired", "expired"),
    ("bad_signature", "invalid_signature"), ("wrong_nonce", "nonce_mismatch"), ("alg_none", None),
])
async def test_bad_id_tokens_are_refused(gw: Gateway, idp: ProviderHandle, mode: str, reason: str | None) -> None:
    client = PortalClient(gw)
    auth_url = await _start(client)
    async with idp.misbehaving(mode):
        callback = await idp.login(auth_url, pid=PID)
        page = await client.get(_path(callback))
    assert page.status == 400
    assert "Innloggingen mislyktes" in page.text
    # Not signed in; a fresh pre-sign-in session lets the visitor try again from this very page.
    assert (await client.get("/portal/")).status == 302
    client.last = page
    retry = await client.post("/portal/login/oidc", {"next": "/portal/"})
    assert retry.status == 303 and retry.location.startswith(idp.issuer)
    action, details = (await _signins(gw))[-1]
    assert action == "portal.signin.failed"
    if reason:
        assert details["reason"] == reason
    await client.close()


async def test_cancel_and_unknown_person(gw: Gateway, idp: ProviderHandle) -> None:
    client = PortalClient(gw)
    callback = await idp.login(await _start(client), pid=PID, cancel=True)
    page = await client.get(_path(callback))
    assert page.status == 400 and "avbrutt" in page.text
    stranger = PortalClient(gw)
    callback = await idp.login(await _start(stranger), pid="02027012345")
    page = await stranger.get(_path(callback))
    assert page.status == 403 and "kundeforhold" in page.text
    assert (await stranger.get("/portal/")).status == 302
    assert [a for a, _ in (await _signins(gw))[-2:]] == ["portal.signin.failed", "portal.signin.failed"]
    await client.close()
    await stranger.close()


async def test_high_level_message_asks_for_bankid_again(gw: Gateway, idp: ProviderHandle) -> None:
    mid = await send(gw, gw.token_value, "oidc-1", "o-high", subject="High OIDC", auth_level="high")  # type: ignore[attr-defined]
    client = PortalClient(gw)
    callback = await idp.login(await _start(client, f"/portal/messages/{mid}"), pid=PID)
    page = await client.get(_path(callback))
    page = await client.get(page.location)
    assert page.status == 403 and "High OIDC" not in page.text
    auth_url = await _start(client, f"/portal/messages/{mid}", level="high")
    query = parse_qs(urlsplit(auth_url).query)
    assert query["acr_values"] == ["idporten-loa-high"] and query["prompt"] == ["login"]
    callback = await idp.login(auth_url, pid=PID, acr="high")
    page = await client.get(_path(callback))
    assert page.status == 303 and page.location == f"/portal/messages/{mid}"
    page = await client.get(page.location)
    assert page.status == 200 and "High OIDC" in page.text
    assert (await _signins(gw))[-1] == ("portal.signin", {"acr": "idporten-loa-high", "method": "oidc"})
    await client.close()


async def test_high_level_request_answered_at_substantial_is_refused(gw: Gateway, idp: ProviderHandle) -> None:
    client = PortalClient(gw)
    auth_url = await _start(client, level="high")
    async with idp.misbehaving("acr_substantial"):
        callback = await idp.login(auth_url, pid=PID, acr="high")
        page = await client.get(_path(callback))
    assert page.status == 400
    assert (await _signins(gw))[-1] == ("portal.signin.failed", {"method": "oidc", "reason": "acr_too_low"})
    await client.close()
