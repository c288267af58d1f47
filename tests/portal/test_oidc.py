"""The OpenID Connect relying party against a real OpenID provider (oidc-provider on Node, loopback).

No mocks: every test starts the provider process from tests/oidc_provider, signs in over real
HTTP through its login form, and lets gateway.webkit.oidc exchange the code and validate the ID token.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import aiohttp
import pytest
import pytest_asyncio
from multidict import MultiDict

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `tests.support` is imported from the repository root
    sys.path.insert(0, str(ROOT))

from gateway.webkit.oidc import (  # noqa: E402
    LOA_HIGH,
    LOA_SUBSTANTIAL,
    AuthRequest,
    Identity,
    OIDCClient,
    OIDCError,
    PendingLogins,
)
from tests.support.oidc_provider import ProviderHandle, query_of, start_oidc_provider  # noqa: E402

PID = "01419010029"
REDIRECT_URI = "http://127.0.0.1:8080/portal/login/callback"


# One provider process for the module (its misbehaviour is always reset by `misbehaving`); the tests
# share its event loop. Tests that need another provider configuration start their own.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def provider():
    async with start_oidc_provider(redirect_uris=[REDIRECT_URI]) as p:
        yield p


@pytest_asyncio.fixture(loop_scope="module")
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


def make_client(p: ProviderHandle, http: aiohttp.ClientSession, **kw) -> OIDCClient:
    return OIDCClient(
        kw.pop("issuer", p.issuer),
        kw.pop("client_id", p.client_id),
        kw.pop("client_secret", p.client_secret),
        kw.pop("redirect_uri", p.redirect_uri),
        http,
        **kw,
    )


@pytest_asyncio.fixture(loop_scope="module")
async def client(provider, http):
    c = make_client(provider, http)
    await c.discover()
    return c


async def sign_in(provider: ProviderHandle, client: OIDCClient, **login) -> tuple[AuthRequest, dict[str, str]]:
    acr_values = login.pop("acr_values", None)
    req = client.authorization_request(acr_values=acr_values)
    callback = await provider.login(req.url, **login)
    assert callback.startswith(REDIRECT_URI + "?")
    return req, query_of(callback)


def assert_clean(err: OIDCError, *secrets: str) -> None:
    """One line, and none of the personal data or token material in the message."""
    text = str(err)
    assert "\n" not in text and text
    for secret in (PID, *secrets):
        assert secret not in text
    assert "eyJ" not in text  # no JOSE header/payload fragments


# -- the good path -------------------------------------------------------------------------------


async def test_full_flow_returns_pid_and_substantial_acr(provider, client):
    req, query = await sign_in(provider, client, pid=PID)
    assert query["iss"] == provider.issuer
    identity = await client.complete(query=query, expected=req)
    assert isinstance(identity, Identity)
    assert identity.pid == PID
    assert identity.acr == LOA_SUBSTANTIAL
    assert identity.subject and identity.subject != PID
    assert isinstance(identity.auth_time, int) and abs(identity.auth_time - time.time()) < 120
    assert PID not in repr(identity) and PID not in str(identity)
    assert PID[:6] not in repr(identity)


async def test_acr_values_high_gives_high_level(provider, client):
    req, query = await sign_in(provider, client, pid=PID, acr_values=LOA_HIGH)
    assert "acr_values=idporten-loa-high" in req.url
    identity = await client.complete(query=query, expected=req)
    assert identity.acr == LOA_HIGH
    assert identity.pid == PID


async def test_login_form_choosing_high_gives_high_level(provider, client):
    req, query = await sign_in(provider, client, pid=PID, acr="high")
    identity = await client.complete(query=query, expected=req)
    assert identity.acr == LOA_HIGH


async def test_step_up_with_existing_provider_session_asks_again(provider, client):
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as browser:
        first = client.authorization_request()
        identity = await client.complete(
            query=query_of(await provider.login(first.url, pid=PID, session=browser)), expected=first
        )
        assert identity.acr == LOA_SUBSTANTIAL
        # Same browser, provider session still alive: asking for high must lead to a new login.
        second = client.authorization_request(acr_values=LOA_HIGH)
        identity = await client.complete(
            query=query_of(await provider.login(second.url, pid=PID, session=browser)), expected=second
        )
        assert identity.acr == LOA_HIGH


async def test_authorization_request_is_code_flow_with_pkce_s256_and_fresh_randomness(client):
    a = client.authorization_request()
    b = client.authorization_request()
    params = query_of(a.url)
    assert a.url.startswith(client.issuer + "/auth?")
    assert params["response_type"] == "code"
    assert params["scope"] == "openid"
    assert params["client_id"] == client.client_id
    assert params["redirect_uri"] == REDIRECT_URI
    assert params["code_challenge_method"] == "S256"
    digest = hashlib.sha256(a.code_verifier.encode()).digest()
    assert params["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert params["state"] == a.state and params["nonce"] == a.nonce
    assert "code_verifier" not in params and a.code_verifier not in a.url
    for value in (a.state, a.nonce):
        assert len(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))) >= 16  # >= 128 bits
    assert 43 <= len(a.code_verifier) <= 128
    assert len({a.state, a.nonce, b.state, b.nonce, a.code_verifier, b.code_verifier}) == 6
    assert a.code_verifier not in repr(a)  # state and nonce are in the URL anyway; the verifier never is
    with pytest.raises(OIDCError):
        client.authorization_request(acr_values="Level9000")


async def test_client_secret_post_is_used_when_it_is_what_discovery_offers(http):
    async with start_oidc_provider(redirect_uris=[REDIRECT_URI], client_auth_method="client_secret_post") as p:
        c = make_client(p, http)
        await c.discover()
        assert c.token_endpoint_auth_method == "client_secret_post"
        req, query = await sign_in(p, c, pid=PID)
        assert (await c.complete(query=query, expected=req)).pid == PID


async def test_key_rotation_refetches_jwks_once(provider, client):
    async with provider.misbehaving("rotated_key"):
        req, query = await sign_in(provider, client, pid=PID)
        identity = await client.complete(query=query, expected=req)
    assert identity.pid == PID


# -- refused ID tokens ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("wrong_issuer", "issuer_mismatch"),
        ("wrong_audience", "audience_mismatch"),
        ("multiple_audiences_without_azp", "audience_mismatch"),
        ("wrong_azp", "audience_mismatch"),
        ("expired", "expired"),
        ("not_yet_valid", "not_yet_valid"),
        ("stale", "expired"),
        ("bad_signature", "invalid_signature"),
        ("unknown_kid", "invalid_signature"),
        ("alg_none", "invalid_id_token"),
        ("hs256_client_secret", "invalid_id_token"),
        ("wrong_nonce", "nonce_mismatch"),
        ("no_nonce", "invalid_id_token"),
        ("no_pid", "invalid_id_token"),
    ],
)
async def test_misbehaving_provider_is_refused(provider, client, mode, reason):
    async with provider.misbehaving(mode):
        req, query = await sign_in(provider, client, pid=PID)
        with pytest.raises(OIDCError) as caught:
            await client.complete(query=query, expected=req)
    assert caught.value.reason == reason, str(caught.value)
    assert_clean(caught.value, query["code"], req.nonce, provider.client_secret)


async def test_lower_level_than_requested_is_refused(provider, client):
    async with provider.misbehaving("acr_substantial"):
        req, query = await sign_in(provider, client, pid=PID, acr_values=LOA_HIGH)
        with pytest.raises(OIDCError) as caught:
            await client.complete(query=query, expected=req)
    assert caught.value.reason == "acr_too_low"


@pytest.mark.parametrize("login_name", ["12345", "0101701234X", "014190100296"])
async def test_login_name_that_is_not_a_national_id_is_refused(provider, client, login_name):
    req, query = await sign_in(provider, client, pid=login_name)
    with pytest.raises(OIDCError) as caught:
        await client.complete(query=query, expected=req)
    assert caught.value.reason == "invalid_id_token"
    assert_clean(caught.value, login_name)


async def test_nonce_mismatch_is_refused(provider, client):
    req, query = await sign_in(provider, client, pid=PID)
    other = client.authorization_request()
    with pytest.raises(OIDCError) as caught:
        await client.complete(query=query, expected=dataclasses.replace(req, nonce=other.nonce))
    assert caught.value.reason == "nonce_mismatch"


# -- refused authorization responses -------------------------------------------------------------


async def test_replayed_state_is_refused(provider, client):
    pending = PendingLogins()
    req = client.authorization_request()
    pending.add(req)
    query = query_of(await provider.login(req.url, pid=PID))
    identity = await client.complete(query=query, expected=pending.take(query["state"]))
    assert identity.pid == PID
    with pytest.raises(OIDCError) as caught:  # the same callback again: the state is gone
        await client.complete(query=query, expected=pending.take(query["state"]))
    assert caught.value.reason == "state_unknown"
    assert len(pending) == 0


async def test_replayed_code_is_refused_by_the_provider(provider, client):
    # Even a caller that wrongly keeps the AuthRequest cannot sign in twice with one code.
    req, query = await sign_in(provider, client, pid=PID)
    await client.complete(query=query, expected=req)
    with pytest.raises(OIDCError) as caught:
        await client.complete(query=query, expected=req)
    assert caught.value.reason == "token_error"
    assert_clean(caught.value, query["code"])


async def test_state_mismatch_is_refused(provider, client):
    req, query = await sign_in(provider, client, pid=PID)
    other = client.authorization_request()
    with pytest.raises(OIDCError) as caught:
        await client.complete(query=query, expected=other)
    assert caught.value.reason == "state_mismatch"
    missing = {k: v for k, v in query.items() if k != "state"}
    with pytest.raises(OIDCError) as caught:
        await client.complete(query=missing, expected=req)
    assert caught.value.reason == "state_mismatch"
    repeated = MultiDict(query)
    repeated.add("state", other.state)
    with pytest.raises(OIDCError) as caught:
        await client.complete(query=repeated, expected=req)
    assert caught.value.reason == "state_mismatch"
    # the untouched response still works: nothing above consumed the code
    assert (await client.complete(query=query, expected=req)).pid == PID


async def test_provider_error_param_is_refused(provider, client):
    req = client.authorization_request()
    query = query_of(await provider.login(req.url, pid=PID, cancel=True))
    assert query["error"] == "access_denied" and "code" not in query
    with pytest.raises(OIDCError) as caught:
        await client.complete(query=query, expected=req)
    assert caught.value.reason == "access_denied"
    assert "access_denied" in str(caught.value)
    crafted = {"state": req.state, "iss": provider.issuer, "error": "<script>alert(1)</script>\nX",
               "error_description": PID}
    with pytest.raises(OIDCError) as caught:
        await client.complete(query=crafted, expected=req)
    assert caught.value.reason == "provider_error"
    assert "<script>" not in str(caught.value)
    assert_clean(caught.value)


async def test_authorization_response_from_another_issuer_is_refused(provider, client):
    req, query = await sign_in(provider, client, pid=PID)
    with pytest.raises(OIDCError) as caught:
        await client.complete(query={**query, "iss": "https://evil.example"}, expected=req)
    assert caught.value.reason == "issuer_mismatch"
    without_iss = {k: v for k, v in query.items() if k != "iss"}
    with pytest.raises(OIDCError):  # the provider promises iss (RFC 9207), so it must be there
        await client.complete(query=without_iss, expected=req)


async def test_wrong_client_secret_is_refused_at_the_token_endpoint(provider, http):
    c = make_client(provider, http, client_secret="not-the-secret-" + "x" * 30)
    await c.discover()
    req, query = await sign_in(provider, c, pid=PID)
    with pytest.raises(OIDCError) as caught:
        await c.complete(query=query, expected=req)
    assert caught.value.reason == "token_error"
    assert_clean(caught.value, "not-the-secret-")


# -- discovery -----------------------------------------------------------------------------------


async def test_discovery_refuses_a_different_issuer(provider, http):
    port = urlsplit(provider.issuer).port
    for configured in (f"http://localhost:{port}", provider.issuer + "/"):
        c = make_client(provider, http, issuer=configured)
        with pytest.raises(OIDCError) as caught:
            await c.discover()
        assert caught.value.reason == "discovery"


async def test_discovery_refuses_an_unreachable_provider(http):
    async with start_oidc_provider() as p:
        issuer = p.issuer
    c = OIDCClient(issuer, "gateway", "s" * 32, REDIRECT_URI, http)
    with pytest.raises(OIDCError) as caught:
        await c.discover()
    assert caught.value.reason == "unreachable"


async def test_plain_http_issuer_is_refused_unless_loopback(http):
    with pytest.raises(OIDCError):
        OIDCClient("http://idporten.example", "gateway", "s" * 32, REDIRECT_URI, http)


async def test_authorization_request_needs_discovery(provider, http):
    with pytest.raises(OIDCError):
        make_client(provider, http).authorization_request()


# -- helpers -------------------------------------------------------------------------------------


async def test_pending_logins_are_single_use_and_expire():
    now = [1000.0]
    pending = PendingLogins(ttl=60, clock=lambda: now[0])
    a = AuthRequest(url="u", state="sa", nonce="na", code_verifier="va", acr_values=None)
    b = AuthRequest(url="u", state="sb", nonce="nb", code_verifier="vb", acr_values=LOA_HIGH)
    pending.add(a)
    pending.add(b)
    assert pending.take("sa") is a
    with pytest.raises(OIDCError):
        pending.take("sa")
    with pytest.raises(OIDCError):
        pending.take(None)
    now[0] += 61
    with pytest.raises(OIDCError):
        pending.take("sb")
    assert len(pending) == 0


async def test_redirect_any_port_option_accepts_a_loopback_callback_on_another_port(http):
    async with start_oidc_provider(redirect_uris=[REDIRECT_URI], redirect_any_port=True) as p:
        c = make_client(p, http, redirect_uri="http://127.0.0.1:49152/portal/login/callback")
        await c.discover()
        req = c.authorization_request()
        callback = await p.login(req.url, pid=PID)
        assert callback.startswith("http://127.0.0.1:49152/portal/login/callback?")
        assert (await c.complete(query=query_of(callback), expected=req)).pid == PID
    async with start_oidc_provider(redirect_uris=[REDIRECT_URI]) as p:
        c = make_client(p, http, redirect_uri="http://127.0.0.1:49152/portal/login/callback")
        await c.discover()
        req = c.authorization_request()
        auth = urlsplit(req.url)
        async with http.get(f"{p.issuer}{auth.path}?{urlencode(query_of(req.url))}", allow_redirects=False) as r:
            assert r.status == 400  # unregistered redirect URI: the provider refuses to redirect
