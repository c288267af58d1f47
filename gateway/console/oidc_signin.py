"""Staff sign-in through the company's OpenID provider, instead of password and second factor.

Off unless GATEWAY_STAFF_OIDC_ISSUER is set. The provider must vouch for more than one factor (an
`amr` method among GATEWAY_STAFF_OIDC_AMR, or an `acr` at GATEWAY_STAFF_OIDC_ACR); the claim named
by GATEWAY_STAFF_OIDC_CLAIM (default `email`) must equal the e-mail of an existing, active staff
account: accounts are never created here. The relying party is webkit's (the portal's too); the
authorization request (state, nonce, PKCE verifier) stays in the pre-sign-in session, used once.
Success and every refusal are audited; the session is the one password+TOTP sign-in makes."""

from __future__ import annotations

import logging

import aiohttp
from aiohttp import web
from sqlalchemy import select

from gateway import audit
from gateway.console import accounts
from gateway.console.pages import redirect, render, state_of
from gateway.console.signin import _signed_in, pending_session
from gateway.console.state import ConsoleState
from gateway.storage import reading
from gateway.storage.schema import staff
from gateway.webkit import SESSION, PageError, clear_session_cookie, session_of
from gateway.webkit.oidc import AuthRequest, OIDCClient, OIDCError, mfa_satisfied

log = logging.getLogger("gateway.console")
FLOW_SECONDS = 600  # a sign-in at the provider must come back within this long


def enabled(state: ConsoleState) -> bool:
    return bool(state.settings.staff_oidc_issuer)


async def client_of(state: ConsoleState) -> OIDCClient:
    """The relying party, discovered on first use (and again after a failed discovery)."""
    known = state.oidc
    if known is not None and known.discovered:
        return known
    async with state.oidc_lock:
        if state.http is None:
            state.http = aiohttp.ClientSession()
        s = state.settings
        client = OIDCClient(s.staff_oidc_issuer, s.staff_oidc_client_id, s.staff_oidc_client_secret,
                            f"{s.public_url}/console/login/oidc/callback", state.http,
                            identity_claim=s.staff_oidc_claim)
        await client.discover()
        state.oidc = client
        return client


async def start(request: web.Request) -> web.StreamResponse:
    """POST /console/login/oidc: off to the provider."""
    state = state_of(request)
    if not enabled(state):
        raise PageError(404)
    session = await pending_session(request)
    try:
        auth = (await client_of(state)).authorization_request(
            acr_values=state.settings.staff_oidc_acr or None, prompt="login")
    except OIDCError as exc:
        log.warning("staff identity provider unavailable", extra={"reason": exc.reason})
        return render(request, "login.html", {"notice": None, "error": "oidc_failed"}, status=503)
    session.data["oidc"] = {"state": auth.state, "nonce": auth.nonce, "verifier": auth.code_verifier,
                            "acr_values": auth.acr_values, "at": state.clock.now().timestamp()}
    await state.sessions.save_data(session)
    return redirect(auth.url)


async def callback(request: web.Request) -> web.StreamResponse:
    """GET /console/login/oidc/callback: the provider's answer; a staff session or a refusal."""
    state = state_of(request)
    if not enabled(state):
        raise PageError(404)
    session = session_of(request)
    pending = session.data.get("oidc") if session is not None and not session.signed_in else None
    if session is None or not isinstance(pending, dict):
        return await _refused(request, "state_unknown", None)
    async with state.engine.begin() as conn:  # single use, whatever happens next
        won = await state.sessions.delete(conn, session)
    request[SESSION] = None
    clear_session_cookie(request)
    if not won or state.clock.now().timestamp() - float(pending.get("at", 0)) > FLOW_SECONDS:
        return await _refused(request, "state_unknown", None)
    expected = AuthRequest(url="", state=pending["state"], nonce=pending["nonce"],
                           code_verifier=pending["verifier"], acr_values=pending.get("acr_values"))
    try:
        identity = await (await client_of(state)).complete(query=request.query, expected=expected)
    except OIDCError as exc:
        return await _refused(request, exc.reason, None)
    amr = frozenset(state.settings.staff_oidc_amr.split())
    staff_id = await _active_staff(state, identity.pid)
    if not mfa_satisfied(identity, amr, state.settings.staff_oidc_acr or None):
        return await _refused(request, "no_mfa", staff_id)
    if staff_id is None:
        return await _refused(request, "no_account", None)
    async with state.engine.begin() as conn:
        return await _signed_in(request, conn, session, staff_id, "oidc")


async def _active_staff(state: ConsoleState, claimed: str) -> str | None:
    async with reading(state.engine) as conn:
        row = (await conn.execute(select(staff.c.id).where(
            staff.c.email == claimed.strip().lower(), staff.c.status == accounts.ACTIVE))).first()
    return None if row is None else str(row.id)


async def _refused(request: web.Request, reason: str, staff_id: str | None) -> web.Response:
    """Audit (reason only: never the claim's value) and show the sign-in page under a fresh session."""
    state = state_of(request)
    async with state.engine.begin() as conn:
        await audit.append(conn, audit.Entry(f"staff:{staff_id}" if staff_id else "anonymous",
                                             "staff.signin.failed", staff_id, {"step": "oidc", "reason": reason}))
    request[SESSION] = None
    await pending_session(request)
    error = "oidc_no_mfa" if reason == "no_mfa" else "oidc_failed"
    return render(request, "login.html", {"notice": None, "error": error}, status=403 if staff_id else 400)
