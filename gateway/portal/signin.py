"""Signing in and out of the portal (development sign-in, OpenID Connect), and the language choice."""

from __future__ import annotations

import logging

from aiohttp import web

from gateway import audit
from gateway.portal import i18n, store
from gateway.portal.sessions import CUSTOMER, PENDING
from gateway.portal.views import _ID, _actor, _is_high
from gateway.portal.webutil import (
    SESSION,
    NotFound,
    clear_session_cookie,
    language_of,
    login_url,
    redirect,
    render,
    safe_next,
    session_of,
    set_session_cookie,
    state_of,
)
from gateway.storage.types import utcnow
from gateway.webkit import Session, save_language
from gateway.webkit.oidc import LOA_HIGH, LOA_SUBSTANTIAL, AuthRequest, OIDCError

log = logging.getLogger("gateway.portal")


async def login_page(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    session = session_of(request)
    next_path = safe_next(request.query.get("next"))
    want_high = request.query.get("level") == "high"
    if session is not None and session.signed_in and (not want_high or _is_high(session)):
        return redirect(next_path, 302)
    new_session_id = None
    if session is None:
        lang = i18n.from_accept_language(request.headers.get("Accept-Language"))
        async with state.engine.begin() as conn:
            new_session_id, session = await state.sessions.create(conn, kind=PENDING, data={"lang": lang})
        request[SESSION] = session
        set_session_cookie(request, new_session_id)
    notice = request.query.get("notice")
    response = render(request, "login.html", {
        "next": next_path,
        "want_high": want_high,
        "oidc": state.settings.oidc_enabled,
        "dev": not state.settings.is_production,
        "notice_key": {"signed_out": "signed_out", "expired": "expired"}.get(notice or ""),
        "error_key": None,
    })
    response.headers["Content-Security-Policy"] = state.csp_login
    return response


def _login_error(request: web.Request, error_key: str, status: int = 400, next_path: str = "/portal/") -> web.Response:
    state = state_of(request)
    response = render(request, "login.html", {
        "next": safe_next(next_path), "want_high": False, "oidc": state.settings.oidc_enabled,
        "dev": not state.settings.is_production, "notice_key": None, "error_key": error_key,
    }, status=status)
    response.headers["Content-Security-Policy"] = state.csp_login
    return response


async def _sign_in(request: web.Request, old: Session | None, customer_id: str, acr: str,
                   method: str, next_path: str) -> web.Response:
    """Replace whatever session the browser had by a new customer session (new id and CSRF token)."""
    state = state_of(request)
    async with state.engine.begin() as conn:
        if old is not None:
            await state.sessions.delete(conn, old)
        language = await store.customer_language(conn, customer_id) or i18n.DEFAULT
        session_id, _ = await state.sessions.create(conn, kind=CUSTOMER, subject_id=customer_id, acr=acr,
                                                    data={"lang": language})
        await audit.append(conn, audit.Entry(f"customer:{customer_id}", "portal.signin", customer_id,
                                             {"method": method, "acr": acr}))
    set_session_cookie(request, session_id)
    return redirect(next_path)


async def _audit_failure(request: web.Request, method: str, reason: str) -> None:
    async with state_of(request).engine.begin() as conn:
        await audit.append(conn, audit.Entry("anonymous", "portal.signin.failed", None,
                                             {"method": method, "reason": reason}))


async def login_dev(request: web.Request) -> web.StreamResponse:
    """Development only (the route does not exist in production): sign in by customer id."""
    state = state_of(request)
    if state.settings.is_production:  # defence in depth: never registered in production
        raise NotFound()
    form = await request.post()
    customer_id = str(form.get("customer_id", "")).strip()
    acr = LOA_HIGH if form.get("level") == "high" else LOA_SUBSTANTIAL
    valid = bool(_ID.fullmatch(customer_id))
    if valid:
        async with state.reads.connect() as conn:
            valid = await store.exists(conn, customer_id)
    if not valid:
        await _audit_failure(request, "development", "unknown_customer")
        return _login_error(request, "unknown_customer", next_path=str(form.get("next", "")))
    return await _sign_in(request, session_of(request), customer_id, acr, "development",
                          safe_next(form.get("next")))


async def login_oidc(request: web.Request) -> web.StreamResponse:
    """Start the OpenID Connect flow; the request (state, nonce, PKCE verifier) stays server-side."""
    state = state_of(request)
    if not state.settings.oidc_enabled:
        raise NotFound()
    session = session_of(request)
    assert session is not None  # the CSRF check required one
    form = await request.post()
    high = form.get("level") == "high"
    try:
        client = await state.oidc()
        auth = client.authorization_request(acr_values=LOA_HIGH if high else LOA_SUBSTANTIAL,
                                            prompt="login" if high else None, ui_locales=language_of(request))
    except OIDCError as exc:
        log.warning("identity provider unavailable", extra={"reason": exc.reason})
        return _login_error(request, "sign_in_failed", status=503)
    session.data["oidc"] = {"state": auth.state, "nonce": auth.nonce, "verifier": auth.code_verifier,
                            "acr_values": auth.acr_values, "next": safe_next(form.get("next")),
                            "at": utcnow().timestamp()}
    await state.sessions.save_data(session)
    return redirect(auth.url)


async def _failed_callback(request: web.Request, reason: str, error_key: str = "sign_in_failed",
                           status: int = 400) -> web.Response:
    """Audit the refusal and show the sign-in page again, under a fresh pre-sign-in session."""
    state = state_of(request)
    async with state.engine.begin() as conn:
        await audit.append(conn, audit.Entry("anonymous", "portal.signin.failed", None,
                                             {"method": "oidc", "reason": reason}))
        session_id, session = await state.sessions.create(conn, kind=PENDING, data={"lang": language_of(request)})
    request[SESSION] = session
    set_session_cookie(request, session_id)
    return _login_error(request, error_key, status=status)


async def login_callback(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    if not state.settings.oidc_enabled:
        raise NotFound()
    session = session_of(request)
    pending = session.data.get("oidc") if session is not None else None
    if session is None or not isinstance(pending, dict):
        return await _failed_callback(request, "state_unknown")
    # Single use: the session that started the flow is deleted here, whatever happens next.
    async with state.engine.begin() as conn:
        won = await state.sessions.delete(conn, session)
    request[SESSION] = None
    clear_session_cookie(request)
    if not won or utcnow().timestamp() - float(pending.get("at", 0)) > 600:
        return await _failed_callback(request, "state_unknown")
    expected = AuthRequest(url="", state=pending["state"], nonce=pending["nonce"],
                           code_verifier=pending["verifier"], acr_values=pending.get("acr_values"))
    try:
        client = await state.oidc()
        identity = await client.complete(query=request.query, expected=expected)
    except OIDCError as exc:
        key = "sign_in_cancelled" if exc.reason == "access_denied" else "sign_in_failed"
        return await _failed_callback(request, exc.reason, key)
    async with state.reads.connect() as conn:
        customer_id = await store.find_by_national_id_index(conn, state.crypto.blind_index(identity.pid))
    if customer_id is None:
        return await _failed_callback(request, "no_customer", "no_customer", status=403)
    return await _sign_in(request, None, customer_id, identity.acr or LOA_SUBSTANTIAL, "oidc",
                          safe_next(pending.get("next")))


async def logout(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    session = session_of(request)
    assert session is not None
    async with state.engine.begin() as conn:
        await state.sessions.delete(conn, session)
        if session.signed_in:
            await audit.append(conn, audit.Entry(_actor(session), "portal.signout", session.subject_id, {}))
    clear_session_cookie(request)
    return redirect("/portal/login?notice=signed_out")


async def language(request: web.Request) -> web.StreamResponse:
    form = await save_language(request, state_of(request).sessions, i18n.LANGUAGES)
    if form.get("to_login") == "1":
        return redirect(login_url(str(form.get("next", "")), level=str(form.get("level", ""))))
    return redirect(safe_next(form.get("next")))
