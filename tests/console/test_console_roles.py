"""Roles on every console route and method: each role signed in (and a visitor who is not) calls every
route in gateway.console.ROUTES with a valid CSRF token; a role the route does not name gets 403, a
visitor is sent to sign in (GET) or refused (POST), and nothing answers 500. A route added without a
place in this matrix fails the test."""

from __future__ import annotations

from gateway.clock import FakeClock
from gateway.console import ROLES, ROUTES
from tests.console.console_helpers import console_client, enrol, sign_in
from tests.portal.portal_helpers import PortalClient
from tests.support.factories import put_customer as add_customer
from tests.support.service import Gateway

# Routes anyone may reach (sign-in, enrolment, the script and stylesheet): they check their own state.
PUBLIC = {"/login", "/login/second", "/login/totp", "/login/passkey/options", "/login/passkey", "/logout",
          "/login/oidc", "/login/oidc/callback",
          "/language", "/enrol/{token}", "/enrol", "/enrol/password", "/enrol/totp", "/enrol/passkey/options",
          "/enrol/passkey", "/static/{name}"}
# What each protected route allows; the test checks the code says the same.
EXPECTED: dict[str, tuple[str, ...]] = {
    "/": (),  # any signed-in staff member
    "/customers/search": ("agent", "admin"),
    "/customers/{customer_id}": ("agent", "admin"),
    "/customers/{customer_id}/compose": ("agent", "admin"),
    "/customers/{customer_id}/erase": ("admin",),
    "/check": ("agent", "admin"),
    "/inbox": ("agent", "admin"),
    "/replies/{reply_id}/assign": ("agent", "admin"),
    "/messages/{message_id}": ("agent", "admin"),
    "/messages/{message_id}/answer": ("agent", "admin"),
    "/messages/{message_id}/release": ("admin",),
    "/messages/{message_id}/cancel": ("admin",),
    "/templates": ("template_admin",),
    "/templates/check": ("template_admin",),
    "/templates/{name}/{language}": ("template_admin",),
    "/templates/versions/{version_id}/approve": ("template_admin",),
    "/templates/versions/{version_id}/reject": ("template_admin",),
    "/privacy/cases": ("admin",),
    "/privacy/cases/{case_id}": ("admin",),
    "/privacy/cases/{case_id}/answer": ("admin",),
    "/audit": ("auditor", "admin"),
    "/audit.csv": ("auditor", "admin"),
}


def _path(template: str) -> str:
    for placeholder, value in (("{customer_id}", "cust-1"), ("{reply_id}", "r-1"), ("{message_id}", "m-1"),
                               ("{case_id}", "case-1"), ("{name}/{language}", "invoice_ready/nb"),
                               ("{version_id}", "v-1"), ("{token}", "x"), ("{name}", "console.js")):
        template = template.replace(placeholder, value)
    return template


def test_every_route_is_classified() -> None:
    paths = {path for _, path, _ in ROUTES}
    assert paths == PUBLIC | set(EXPECTED), sorted(paths ^ (PUBLIC | set(EXPECTED)))
    for method, path, handler in ROUTES:
        if path in EXPECTED:
            assert getattr(handler, "roles", None) == EXPECTED[path], (method, path)
        else:
            assert not hasattr(handler, "roles"), (method, path)


async def _call(client: PortalClient, method: str, path: str, csrf: str) -> int:
    if method == "GET":
        return (await client.get("/console" + path)).status
    page = await client.request("POST", "/console" + path, data={"csrf_token": csrf, "q": "cust-1"})
    return page.status


async def test_role_matrix_over_every_protected_route(gw: Gateway) -> None:
    clock: FakeClock = gw.clock  # type: ignore[attr-defined]
    await add_customer(gw, await gw.token(), "cust-1")
    clients: dict[str, PortalClient] = {}
    for role in ROLES:
        who = await enrol(gw, clock, f"{role}@kraft.example.no", role)
        clients[role] = console_client(gw)
        assert (await sign_in(clients[role], clock, who)).location == "/console/"
    anonymous = console_client(gw)
    try:
        seen = []
        for method, path, _ in ROUTES:
            if path not in EXPECTED:
                continue
            for role, client in clients.items():
                csrf = (await client.get("/console/")).csrf
                status = await _call(client, method, _path(path), csrf)
                allowed = not EXPECTED[path] or role in EXPECTED[path]
                assert status != 500, (method, path, role)
                assert (status != 403) if allowed else (status == 403), (method, path, role, status)
                seen.append((method, path, role, status))
            anon_csrf = (await anonymous.get("/console/login")).csrf
            status = await _call(anonymous, method, _path(path), anon_csrf)
            assert status == (302 if method == "GET" else 403), (method, path, "anonymous", status)
        assert len(seen) == len(ROLES) * sum(1 for _, p, _ in ROUTES if p in EXPECTED)
    finally:
        for client in [*clients.values(), anonymous]:
            await client.close()


async def test_public_routes_without_their_state_refuse_without_error(gw: Gateway) -> None:
    anonymous = console_client(gw)
    try:
        csrf = (await anonymous.get("/console/login")).csrf
        for method, path, _ in ROUTES:
            if path not in PUBLIC or path in ("/logout", "/language"):
                continue
            status = await _call(anonymous, method, _path(path), csrf)
            assert status in (200, 302, 303, 400, 401, 403, 404), (method, path, status)
        assert (await anonymous.request("POST", "/console/login", data={"email": "x"})).status == 403  # no token
    finally:
        await anonymous.close()


async def test_security_headers_come_from_the_shared_middleware(gw: Gateway) -> None:
    client = console_client(gw)
    try:
        page = await client.get("/console/login")
        csp = page.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "default-src 'none'" in csp and "unsafe-inline" not in csp
        assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Cache-Control"] == "no-store"
        assert 'name="csrf_token"' in page.text and "<script src=\"/console/static/console.js\"" in page.text
        assert "<script>" not in page.text  # no inline script anywhere
        moved = await client.get("/console")
        assert moved.status == 301 and moved.location == "/console/" and "Content-Security-Policy" in moved.headers
        portal = await client.get("/portal/login")
        assert "script-src" not in portal.headers["Content-Security-Policy"]  # the portal's policy is unchanged
        # The portal's cookie is not a console session, nor the other way round.
        assert client.cookie_name != "__Host-session" and client.cookie_name.endswith("console")
    finally:
        await client.close()
