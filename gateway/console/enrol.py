"""Enrolment from the one-time link: the link is spent on first opening and exchanged for a
pre-sign-in session (so the token in the address is worthless afterwards, even in a log); then a
password, then a second factor (a TOTP app, or a security key or passkey). The account is active
once a second factor is confirmed, and the holder signs in with both."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway import audit
from gateway.console import accounts, credentials, i18n, passkeys
from gateway.console.pages import redirect, render, state_of
from gateway.console.signin import pending_session
from gateway.storage import reading
from gateway.storage.schema import staff
from gateway.webkit import SESSION, PageError, Session, clear_session_cookie, session_of, set_session_cookie

ENROL_SECONDS = 1800  # an opened link must be completed within half an hour


async def open_link(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    now = state.clock.now()
    old = session_of(request)
    async with state.engine.begin() as conn:
        staff_id = await accounts.open_link(conn, request.match_info["token"], now)
        if staff_id is None:
            await audit.append(conn, audit.Entry("anonymous", "staff.enrol.link_refused", None))
        else:
            if old is not None:
                await state.sessions.delete(conn, old)
            lang = i18n.from_accept_language(request.headers.get("Accept-Language"))
            session_id, session = await state.sessions.create(
                conn, kind=accounts.PENDING_KIND, data={"lang": lang, "enrol": staff_id, "at": now.timestamp()})
            await audit.append(conn, audit.Entry(f"staff:{staff_id}", "staff.enrol.link_opened", staff_id))
    if staff_id is None:
        await pending_session(request)
        return render(request, "enrol.html", {"step": "bad_link"}, status=404)
    request[SESSION] = session
    set_session_cookie(request, session_id)
    return redirect("/console/enrol", 303)


def _enrolling(request: web.Request) -> tuple[Session, str]:
    state = state_of(request)
    session = session_of(request)
    staff_id = session.data.get("enrol") if session is not None else None
    if session is None or not isinstance(staff_id, str) \
            or state.clock.now().timestamp() - float(session.data.get("at", 0)) > ENROL_SECONDS:
        raise PageError(403)
    return session, staff_id


async def _row(conn: AsyncConnection, staff_id: str) -> Any:
    row = (await conn.execute(select(staff).where(staff.c.id == staff_id))).first()
    if row is None or row.status != accounts.INVITED:
        raise PageError(403)
    return row


async def page(request: web.Request, *, error: str | None = None, status: int = 200) -> web.StreamResponse:
    state = state_of(request)
    _, staff_id = _enrolling(request)
    async with state.engine.begin() as conn:
        row = await _row(conn, staff_id)
        if row.password_hash is None:
            return render(request, "enrol.html", {"step": "password", "error": error,
                                                  "min": credentials.MIN_PASSWORD}, status=status)
        if row.totp_secret_enc is None:
            secret, wrapped, sealed = credentials.new_totp(state.crypto, staff_id)
            await conn.execute(update(staff).where(staff.c.id == staff_id)
                               .values(key_wrapped=wrapped, totp_secret_enc=sealed, totp_confirmed=0))
        else:
            secret = credentials.open_totp(state.crypto, staff_id, row.key_wrapped,
                                           row.totp_secret_enc)
    uri = credentials.provisioning_uri(secret, row.email, state.settings.company_name)
    return render(request, "enrol.html", {"step": "second", "error": error, "secret": secret,
                                          "qr": credentials.qr_svg(uri)}, status=status)


async def set_password(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    _, staff_id = _enrolling(request)
    form = await request.post()
    password, again = str(form.get("password", "")), str(form.get("password_again", ""))
    async with state.engine.begin() as conn:
        row = await _row(conn, staff_id)
        problem = credentials.password_problem(password, row.email)
        if problem is None and password != again:
            problem = "password_mismatch"
        if problem is None:
            await conn.execute(update(staff).where(staff.c.id == staff_id)
                               .values(password_hash=credentials.hash_password(password)))
            await audit.append(conn, audit.Entry(f"staff:{staff_id}", "staff.enrol.password", staff_id))
    if problem is not None:
        return await page(request, error=problem, status=400)
    return redirect("/console/enrol")


async def _activate(conn: AsyncConnection, request: web.Request, session: Session, staff_id: str,
                    factor: str) -> None:
    state = state_of(request)
    await conn.execute(update(staff).where(staff.c.id == staff_id)
                       .values(status=accounts.ACTIVE, enrolled_at=state.clock.now()))
    await state.sessions.delete(conn, session)
    await audit.append(conn, audit.Entry(f"staff:{staff_id}", "staff.enrol", staff_id, {"factor": factor}))
    clear_session_cookie(request)


async def confirm_totp(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    session, staff_id = _enrolling(request)
    form = await request.post()
    async with state.engine.begin() as conn:
        row = await _row(conn, staff_id)
        step = None
        if row.password_hash is not None and row.totp_secret_enc is not None:
            secret = credentials.open_totp(state.crypto, staff_id, row.key_wrapped,
                                           row.totp_secret_enc)
            step = credentials.totp_step(secret, str(form.get("code", "")), state.clock.now(), None)
        if step is not None:
            await conn.execute(update(staff).where(staff.c.id == staff_id)
                               .values(totp_confirmed=1, totp_last_step=step))
            await _activate(conn, request, session, staff_id, "totp")
    if step is None:
        return await page(request, error="code_failed", status=400)
    return redirect("/console/login?notice=enrolled")


async def passkey_options(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    session, staff_id = _enrolling(request)
    async with reading(state.engine) as conn:
        row = await _row(conn, staff_id)
        if row.password_hash is None:
            raise PageError(403)
        options, challenge = await passkeys.registration_options(conn, state.settings, staff_id,
                                                                 row.first_name)
    session.data["passkey_challenge"] = challenge
    await state.sessions.save_data(session)
    return web.Response(text=options, content_type="application/json")


async def register_passkey(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    session, staff_id = _enrolling(request)
    challenge = session.data.pop("passkey_challenge", None)
    body = await request.text()
    async with state.engine.begin() as conn:
        row = await _row(conn, staff_id)
        ok = row.password_hash is not None and isinstance(challenge, str) and \
            await passkeys.verify_registration(conn, state.settings, state.clock, staff_id, challenge, body)
        if ok:
            await _activate(conn, request, session, staff_id, "passkey")
    if not ok:
        return web.json_response({"ok": False, "error": "passkey_failed"}, status=400)
    return web.json_response({"ok": True, "location": "/console/login?notice=enrolled"})
