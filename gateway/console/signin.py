"""Staff sign-in: e-mail and password first, then a second factor (a TOTP code or a passkey).

The password step leaves the account id in the pre-sign-in session; only the second factor makes
a staff session (a new id and CSRF token). Every attempt is audited, by account id (never the
e-mail); failures count per account and per source and lock both for a while (throttle.py). An
unknown e-mail costs the same password hash as a known one and gets the same answer.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway import audit
from gateway.console import accounts, credentials, i18n, passkeys, throttle
from gateway.console.pages import redirect, render, state_of
from gateway.console.state import ConsoleState
from gateway.storage import reading
from gateway.storage.schema import staff
from gateway.webkit import (
    SESSION,
    PageError,
    Session,
    clear_session_cookie,
    save_language,
    session_of,
    set_session_cookie,
)

log = logging.getLogger("gateway.console")
SECOND_STEP_SECONDS = 300  # the password step is good for this long


async def pending_session(request: web.Request) -> Session:
    """The visitor's pre-sign-in session, made if there is none (it carries the forms' CSRF token)."""
    session = session_of(request)
    if session is not None:
        return session
    state = state_of(request)
    lang = i18n.from_accept_language(request.headers.get("Accept-Language"))
    async with state.engine.begin() as conn:
        session_id, session = await state.sessions.create(conn, kind=accounts.PENDING_KIND, data={"lang": lang})
    request[SESSION] = session
    set_session_cookie(request, session_id)
    return session


async def login_page(request: web.Request) -> web.StreamResponse:
    session = session_of(request)
    if session is not None and session.signed_in:
        return redirect("/console/", 302)
    await pending_session(request)
    notice = {"signed_out": "signed_out", "expired": "expired", "enrolled": "enrolled"}.get(
        request.query.get("notice", ""))
    return render(request, "login.html", {"notice": notice, "error": None})


def _sources(request: web.Request, staff_id: str | None) -> list[str]:
    keys = [throttle.source_key(request.remote)]
    return [*keys, throttle.account_key(staff_id)] if staff_id else keys


async def _failed(conn: AsyncConnection, state: ConsoleState, request: web.Request, staff_id: str | None,
                  step: str, now: datetime) -> bool:
    """Count and audit a failure; True when it locked the account or the source."""
    limits = state.limits
    locked = await throttle.failure(conn, throttle.source_key(request.remote), limits.source_failures, limits, now)
    if staff_id is not None:
        locked = await throttle.failure(conn, throttle.account_key(staff_id), limits.account_failures,
                                        limits, now) or locked
    actor = f"staff:{staff_id}" if staff_id else "anonymous"
    await audit.append(conn, audit.Entry(actor, "staff.signin.failed", staff_id, {"step": step, "locked": locked}))
    return locked


async def login_password(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    session = session_of(request)
    assert session is not None  # the CSRF check required one
    form = await request.post()
    email, password = str(form.get("email", "")).strip().lower(), str(form.get("password", ""))
    now = state.clock.now()
    async with reading(state.engine) as conn:
        row = (await conn.execute(select(staff.c.id, staff.c.status, staff.c.password_hash)
                                  .where(staff.c.email == email[:254]))).first()
        staff_id = str(row.id) if row is not None else None
        is_locked = await throttle.locked(conn, _sources(request, staff_id), now)
    # Always hash: a missing account, a locked one and a wrong password take the same time.
    good = credentials.verify_password(row.password_hash if row is not None else None, password)
    good = good and row is not None and row.status == accounts.ACTIVE
    if is_locked or not good:
        async with state.engine.begin() as conn:
            if is_locked:
                await audit.append(conn, audit.Entry(f"staff:{staff_id}" if staff_id else "anonymous",
                                                     "staff.signin.locked", staff_id, {"step": "password"}))
            else:
                is_locked = await _failed(conn, state, request, staff_id, "password", now)
        return render(request, "login.html", {"notice": None, "error": "locked" if is_locked else "sign_in_failed"},
                      status=429 if is_locked else 401)
    session.data["password_ok"] = {"staff_id": staff_id, "at": now.timestamp()}
    await state.sessions.save_data(session)
    return redirect("/console/login/second")


def _password_passed(state: ConsoleState, session: Session | None) -> str | None:
    """The account whose password was just given in this session, within SECOND_STEP_SECONDS."""
    passed: Any = session.data.get("password_ok") if session is not None else None
    if not isinstance(passed, dict):
        return None
    if state.clock.now().timestamp() - float(passed.get("at", 0)) > SECOND_STEP_SECONDS:
        return None
    return str(passed["staff_id"])


async def second_page(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    staff_id = _password_passed(state, session_of(request))
    if staff_id is None:
        return redirect("/console/login", 302)
    async with reading(state.engine) as conn:
        has_totp, has_passkey = await _factors(conn, staff_id)
    return render(request, "second.html", {"has_totp": has_totp, "has_passkey": has_passkey, "error": None})


async def _factors(conn: AsyncConnection, staff_id: str) -> tuple[bool, bool]:
    row = (await conn.execute(select(staff.c.totp_confirmed).where(staff.c.id == staff_id))).first()
    return bool(row and row.totp_confirmed), await passkeys.has_any(conn, staff_id)


async def login_totp(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    session = session_of(request)
    staff_id = _password_passed(state, session)
    if staff_id is None:
        return redirect("/console/login", 303)
    form = await request.post()
    now = state.clock.now()
    async with state.engine.begin() as conn:
        if await throttle.locked(conn, _sources(request, staff_id), now):
            locked = True
        else:
            row = (await conn.execute(select(staff).where(staff.c.id == staff_id))).one()
            step = None
            if row.totp_confirmed and row.status == accounts.ACTIVE:
                secret = credentials.open_totp(state.crypto, staff_id, row.key_wrapped, row.totp_secret_enc)
                step = credentials.totp_step(secret, str(form.get("code", "")), now, row.totp_last_step)
            if step is not None:
                await conn.execute(update(staff).where(staff.c.id == staff_id).values(totp_last_step=step))
                return await _signed_in(request, conn, session, staff_id, "totp")
            locked = await _failed(conn, state, request, staff_id, "totp", now)
        has_totp, has_passkey = await _factors(conn, staff_id)
    return render(request, "second.html", {"has_totp": has_totp, "has_passkey": has_passkey,
                                           "error": "locked" if locked else "code_failed"},
                  status=429 if locked else 401)


async def _signed_in(request: web.Request, conn: AsyncConnection, old: Session | None, staff_id: str,
                     method: str) -> web.Response:
    """Replace the pre-sign-in session by a staff session (new id and CSRF token), in `conn`'s transaction."""
    state = state_of(request)
    lang = old.data.get("lang", i18n.DEFAULT) if old is not None else i18n.DEFAULT
    if old is not None:
        await state.sessions.delete(conn, old)
    session_id, _ = await state.sessions.create(conn, kind=accounts.STAFF_KIND, subject_id=staff_id,
                                                acr=method, data={"lang": lang})
    await throttle.clear(conn, throttle.account_key(staff_id))
    await audit.append(conn, audit.Entry(f"staff:{staff_id}", "staff.signin", staff_id, {"method": method}))
    set_session_cookie(request, session_id)
    return redirect("/console/")


async def passkey_options(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    session = session_of(request)
    staff_id = _password_passed(state, session)
    if staff_id is None or session is None:
        raise PageError(403)
    async with reading(state.engine) as conn:
        options, challenge = await passkeys.authentication_options(conn, state.settings, staff_id)
    session.data["passkey_challenge"] = challenge
    await state.sessions.save_data(session)
    return web.Response(text=options, content_type="application/json")


async def login_passkey(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    session = session_of(request)
    staff_id = _password_passed(state, session)
    if staff_id is None or session is None:
        raise PageError(403)
    challenge = session.data.pop("passkey_challenge", None)
    body = await request.text()
    now = state.clock.now()
    async with state.engine.begin() as conn:
        ok = not await throttle.locked(conn, _sources(request, staff_id), now) and isinstance(challenge, str) \
            and await passkeys.verify_authentication(conn, state.settings, staff_id, challenge, body)
        if ok:
            response = await _signed_in(request, conn, session, staff_id, "passkey")
            return web.json_response({"ok": True, "location": response.headers["Location"]})
        locked = await _failed(conn, state, request, staff_id, "passkey", now)
    return web.json_response({"ok": False, "error": "locked" if locked else "passkey_failed"},
                             status=429 if locked else 401)


async def logout(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    session = session_of(request)
    assert session is not None
    async with state.engine.begin() as conn:
        await state.sessions.delete(conn, session)
        if session.signed_in:
            await audit.append(conn, audit.Entry(f"staff:{session.subject_id}", "staff.signout", session.subject_id))
    clear_session_cookie(request)
    return redirect("/console/login?notice=signed_out")


async def language(request: web.Request) -> web.StreamResponse:
    form = await save_language(request, state_of(request).sessions, i18n.LANGUAGES)
    back = str(form.get("next", "/console/"))
    return redirect(back if back.startswith("/console/") and "//" not in back else "/console/")

    return redirect(back if back.startswith("/console/") and "//" not in back else "/console/")
