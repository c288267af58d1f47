"""The portal's pages. Every handler that shows content first resolves the signed-in customer and
then looks objects up by (id, customer id): another customer's id is a 404 like a missing one."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import math
import re
import unicodedata
import zipfile
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from aiohttp import web

from gateway import audit
from gateway.storage.types import utcnow
from gateway.portal import i18n, store
from gateway.portal.oidc import LOA_HIGH, LOA_SUBSTANTIAL, OIDCError, acr_satisfies
from gateway.portal.oidc import AuthRequest
from gateway.portal.pages import iso
from gateway.portal.sessions import CUSTOMER, PENDING, Session
from gateway.portal.webutil import (
    SESSION,
    NotFound,
    PortalError,
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

log = logging.getLogger("gateway.portal")
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
RETENTION_YEARS = 5


# ------------------------------------------------------------------------------- helpers

def _is_high(session: Session) -> bool:
    return acr_satisfies(session.acr, LOA_HIGH)


def _id(request: web.Request, name: str) -> str:
    value = request.match_info[name]
    if not _ID.fullmatch(value):
        raise NotFound()
    return value


def _require_customer(request: web.Request) -> Session:
    session = session_of(request)
    if session is None or not session.is_customer:
        raise web.HTTPFound(login_url(request.path))
    return session


async def _customer(conn: Any, request: web.Request, session: Session) -> store.Customer:
    who = await store.customer(conn, state_of(request).keys, str(session.subject_id))
    if who is None:  # erased or removed while signed in: the session is worthless
        raise web.HTTPFound(login_url(request.path))
    return who


def _actor(session: Session) -> str:
    return f"customer:{session.subject_id}"


def _step_up(request: web.Request, text_key: str) -> web.Response:
    return render(request, "step_up.html", {"text_key": text_key,
                                            "login_href": login_url(request.path, level="high")}, status=403)


def _content_disposition(filename: str) -> str:
    """attachment; an ASCII fallback without quotes or controls, and the UTF-8 name (RFC 6266/8187)."""
    normal = unicodedata.normalize("NFKD", filename)
    ascii_name = "".join(c for c in normal if 32 <= ord(c) < 127 and c not in '"\\/;%')
    ascii_name = ascii_name.strip(" .") or "attachment"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _safe_zip_name(filename: str) -> str:
    name = "".join(c if (c.isalnum() or c in "._- ") else "_" for c in filename).strip(" .")
    return (name or "attachment")[:100]


# ------------------------------------------------------------------------------- sign-in

async def login_page(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    session = session_of(request)
    next_path = safe_next(request.query.get("next"))
    want_high = request.query.get("level") == "high"
    if session is not None and session.is_customer and (not want_high or _is_high(session)):
        return redirect(next_path, 302)
    new_session_id = None
    if session is None:
        lang = i18n.from_accept_language(request.headers.get("Accept-Language"))
        async with state.services.engine.begin() as conn:
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
    async with state.services.engine.begin() as conn:
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
    async with state_of(request).services.engine.begin() as conn:
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
    async with state.services.engine.begin() as conn:
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
    async with state.services.engine.begin() as conn:
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
        customer_id = await store.find_by_national_id_index(conn, state.services.crypto.blind_index(identity.pid))
    if customer_id is None:
        return await _failed_callback(request, "no_customer", "no_customer", status=403)
    return await _sign_in(request, None, customer_id, identity.acr or LOA_SUBSTANTIAL, "oidc",
                          safe_next(pending.get("next")))


async def logout(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    session = session_of(request)
    assert session is not None
    async with state.services.engine.begin() as conn:
        await state.sessions.delete(conn, session)
        if session.is_customer:
            await audit.append(conn, audit.Entry(_actor(session), "portal.signout", session.subject_id, {}))
    clear_session_cookie(request)
    return redirect("/portal/login?notice=signed_out")


async def language(request: web.Request) -> web.StreamResponse:
    session = session_of(request)
    assert session is not None
    form = await request.post()
    lang = form.get("lang")
    if lang not in i18n.LANGUAGES:
        raise PortalError(400)
    session.data["lang"] = lang
    await state_of(request).sessions.save_data(session)
    if form.get("to_login") == "1":
        return redirect(login_url(str(form.get("next", "")), level=str(form.get("level", ""))))
    return redirect(safe_next(form.get("next")))


# ------------------------------------------------------------------------------- pages

async def inbox(request: web.Request) -> web.StreamResponse:
    session = _require_customer(request)
    state = state_of(request)
    try:
        page = int(request.query.get("page", "1"))
    except ValueError:
        page = 1
    page = max(1, min(page, 100_000))
    async with state.reads.connect() as conn:
        who = await _customer(conn, request, session)
        items, total, unread = await store.inbox(conn, state.keys, who, page, _is_high(session))
    pages = max(1, math.ceil(total / store.PAGE_SIZE))
    if page > pages:
        return redirect(f"/portal/?page={pages}", 302)
    return render(request, "inbox.html", {"items": items, "total": total, "unread": unread,
                                          "page": page, "pages": pages})


async def _owned(conn: Any, state: Any, session: Any, message_id: str) -> tuple[store.Owner, Any]:
    """The signed-in customer's message; another customer's answers 404 exactly like a missing one."""
    owned = await store.owned_message(conn, state.keys, str(session.subject_id), message_id)
    if owned is None:
        raise NotFound()
    return owned


def _needs_step_up(row: Any, session: Any) -> bool:
    """A message sent with auth_level "high" opens only for a session signed in at that level."""
    return bool(row.auth_level == "high" and not _is_high(session))


async def message(request: web.Request) -> web.StreamResponse:
    session = _require_customer(request)
    message_id = _id(request, "message_id")
    state = state_of(request)
    async with state.reads.connect() as conn:
        page = await store.message_page(conn, state.keys, str(session.subject_id), message_id)
        if page is None:
            raise NotFound()  # another customer's message answers exactly like a missing one
        who, row, parts = page
        if _needs_step_up(row, session):
            return _step_up(request, "step_up_text")
        view = await store.message_view(conn, state.keys, who, row, parts=parts)
    if row.read_at is None:
        async with state.services.engine.begin() as conn:
            await store.mark_read(conn, who.id, message_id, _actor(session))
    return render(request, "message.html", {"m": view, "reply_error": None, "reply_text": "",
                                            "max_reply": store.MAX_REPLY_CHARS,
                                            "sent": request.query.get("sent") == "1"})


async def attachment(request: web.Request) -> web.StreamResponse:
    session = _require_customer(request)
    message_id, attachment_id = _id(request, "message_id"), _id(request, "attachment_id")
    state = state_of(request)
    async with state.reads.connect() as conn:
        who, row = await _owned(conn, state, session, message_id)
        if _needs_step_up(row, session):
            return _step_up(request, "step_up_text")
        found = await store.attachment(conn, state.keys, who, message_id, attachment_id)
    if found is None:
        raise NotFound()
    info, content = found
    async with state.services.engine.begin() as conn:
        await audit.append(conn, audit.Entry(_actor(session), "portal.attachment.download", attachment_id,
                                             {"message_id": message_id, "customer_id": who.id}))
    return web.Response(body=content, headers={
        "Content-Type": info.content_type + ("; charset=utf-8" if info.content_type.startswith("text/") else ""),
        "Content-Disposition": _content_disposition(info.filename),
        # A downloaded file is never a page: no script, no plugins, no framing, even if opened.
        "Content-Security-Policy": "default-src 'none'; sandbox; frame-ancestors 'none'",
    })


async def post_reply(request: web.Request) -> web.StreamResponse:
    session = _require_customer(request)
    message_id = _id(request, "message_id")
    state = state_of(request)
    crypto = state.services.crypto
    form = await request.post()
    text = str(form.get("body", "")).replace("\r\n", "\n").strip()
    async with state.services.engine.begin() as conn:
        who = await _customer(conn, request, session)
        row = await store.message_head(conn, who.id, message_id)
        if row is None:
            raise NotFound()
        if _needs_step_up(row, session):
            return _step_up(request, "step_up_text")
        error = None
        if not text:
            error = "reply_empty"
        elif len(text) > store.MAX_REPLY_CHARS:
            error = "reply_too_long"
        if error is None:
            reply_id = await store.add_reply(conn, crypto, who, message_id, text)
            await audit.append(conn, audit.Entry(_actor(session), "portal.reply.create", reply_id,
                                                 {"message_id": message_id, "customer_id": who.id}))
        else:
            view = await store.message_view(conn, state.keys, who, row)
    if error is not None:
        return render(request, "message.html", {"m": view, "reply_error": error, "reply_text": text[:20_000],
                                                "max_reply": store.MAX_REPLY_CHARS, "sent": False}, status=400)
    return redirect(f"/portal/messages/{message_id}?sent=1#reply-{reply_id}")


async def reply(request: web.Request) -> web.StreamResponse:
    session = _require_customer(request)
    message_id, reply_id = _id(request, "message_id"), _id(request, "reply_id")
    state = state_of(request)
    async with state.reads.connect() as conn:
        who, row = await _owned(conn, state, session, message_id)
        if _needs_step_up(row, session):
            return _step_up(request, "step_up_text")
        found = await store.reply(conn, state.keys, who, message_id, reply_id)
    if found is None:
        raise NotFound()
    return render(request, "reply.html", {"r": found, "message_id": message_id})


def _kept_until(who: store.Customer) -> datetime | None:
    """The erasure date: relationship ended and 5 years after the last invoice was settled."""
    if who.relationship_ended_at is None:
        return None
    settled = who.last_invoice_settled_at
    after_settled = settled.replace(year=settled.year + RETENTION_YEARS) if settled is not None else None
    if after_settled is not None and settled is not None and settled.month == 2 and settled.day == 29:
        after_settled = settled + timedelta(days=365 * RETENTION_YEARS + 1)
    return max(d for d in (who.relationship_ended_at, after_settled) if d is not None)


async def my_data(request: web.Request) -> web.StreamResponse:
    session = _require_customer(request)
    state = state_of(request)
    async with state.reads.connect() as conn:
        who = await _customer(conn, request, session)
        n = await store.counts(conn, who.id)
    contact = store.contact(state.services.crypto, who)
    national_id = contact["national_id"]
    masked = (national_id[:6] + "*****") if national_id else None
    return render(request, "my_data.html", {
        "who": who, "contact": contact, "national_id_masked": masked, "n": n,
        "kept_until": _kept_until(who), "language_name": i18n.LANGUAGE_NAMES.get(who.language, who.language),
    })


async def export(request: web.Request) -> web.StreamResponse:
    """The right of access: everything held about the customer as one ZIP with a JSON index."""
    session = _require_customer(request)
    state = state_of(request)
    crypto = state.services.crypto
    async with state.reads.connect() as conn:
        who = await _customer(conn, request, session)
        n = await store.counts(conn, who.id)
        if n["high"] and not _is_high(session):
            return render(request, "step_up.html", {
                "text_key": "step_up_export", "login_href": login_url("/portal/my-data", level="high")}, status=403)
        views, contents = await store.everything(conn, crypto, who)
    contact = store.contact(crypto, who)
    data = await asyncio.to_thread(_build_zip, who, contact, views, contents)
    async with state.services.engine.begin() as conn:
        await audit.append(conn, audit.Entry(_actor(session), "portal.export", who.id,
                                             {"messages": len(views), "attachments": len(contents)}))
    return web.Response(body=data, headers={
        "Content-Type": "application/zip",
        "Content-Disposition": 'attachment; filename="min-stromside-data.zip"',
        "Content-Security-Policy": "default-src 'none'; sandbox; frame-ancestors 'none'",
    })


def _build_zip(who: store.Customer, contact: dict[str, str | None], views: list[store.MessageView],
               contents: dict[str, bytes]) -> bytes:
    index: dict[str, Any] = {
        "format": "min-stromside-export/1",
        "generated_at": iso(utcnow()),
        "customer": {
            "id": who.id, **contact, "language": who.language, "created_at": iso(who.created_at),
            "last_invoice_settled_at": iso(who.last_invoice_settled_at) or None,
            "relationship_ended_at": iso(who.relationship_ended_at) or None,
        },
        "retention": {
            "rule": "kept while the customer relationship lasts and 5 years after the last invoice is settled",
            "erase_after": iso(_kept_until(who)) or None,
        },
        "messages": [],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for view in views:
            entry: dict[str, Any] = {
                "id": view.id, "category": view.category, "auth_level": view.auth_level,
                "created_at": iso(view.created_at), "read_at": iso(view.read_at) or None,
                "subject": view.subject, "body": view.body, "data": view.data,
                "attachments": [], "replies": [
                    {"id": r.id, "author": r.author, "created_at": iso(r.created_at), "body": r.body}
                    for r in view.replies],
            }
            for a in view.attachments:
                path = f"attachments/{view.id}/{a.id}-{_safe_zip_name(a.filename)}"
                archive.writestr(path, contents.get(a.id, b""))
                entry["attachments"].append({"id": a.id, "filename": a.filename, "content_type": a.content_type,
                                             "size": a.size, "path": path})
            index["messages"].append(entry)
        archive.writestr("index.json", json.dumps(index, ensure_ascii=False, indent=2))
    return buffer.getvalue()


async def stylesheet(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    if request.headers.get("If-None-Match") == state.css_etag:
        return web.Response(status=304, headers={"ETag": state.css_etag, "Cache-Control": "public, max-age=3600"})
    return web.Response(body=state.css, content_type="text/css", charset="utf-8",
                        headers={"ETag": state.css_etag, "Cache-Control": "public, max-age=3600"})

