"""The portal's pages (sign-in is in signin.py). Every handler that shows content first resolves the
signed-in customer and then looks objects up by (id, customer id): another customer's id is a 404 like a missing one."""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

from aiohttp import web

from gateway import audit
from gateway.portal import i18n, store
from gateway.portal.webutil import (
    NotFound,
    login_url,
    redirect,
    render,
    session_of,
    state_of,
)
from gateway.privacy import requests as privacy_requests
from gateway.privacy.export import write_zip as export_zip
from gateway.privacy.retention import RetentionPolicy, erase_after, policy_from
from gateway.storage import reading
from gateway.storage.types import utcnow
from gateway.webkit import Session
from gateway.webkit.oidc import LOA_HIGH, acr_satisfies

log = logging.getLogger("gateway.portal")
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
T = TypeVar("T")


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
    if session is None or not session.signed_in:
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


async def _message_part(request: web.Request, session: Session, message_id: str,
                        part_of: Callable[[Any, store.Owner], Awaitable[T | None]],
                        ) -> tuple[store.Owner, T] | web.Response:
    """A part of the signed-in customer's message (an attachment, a reply) with its owner: 404 when
    the message or the part is not theirs or missing, the step-up page when the message needs a
    higher sign-in level than the session's."""
    state = state_of(request)
    async with state.reads.connect() as conn:
        who, row = await _owned(conn, state, session, message_id)
        if _needs_step_up(row, session):
            return _step_up(request, "step_up_text")
        found = await part_of(conn, who)
    if found is None:
        raise NotFound()
    return who, found


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
        async with state.engine.begin() as conn:
            await store.mark_read(conn, who.id, message_id, _actor(session))
    return render(request, "message.html", {"m": view, "reply_error": None, "reply_text": "",
                                            "max_reply": store.MAX_REPLY_CHARS,
                                            "sent": request.query.get("sent") == "1"})


async def attachment(request: web.Request) -> web.StreamResponse:
    session = _require_customer(request)
    message_id, attachment_id = _id(request, "message_id"), _id(request, "attachment_id")
    keys = state_of(request).keys
    part = await _message_part(request, session, message_id,
                               lambda conn, who: store.attachment(conn, keys, who, message_id, attachment_id))
    if isinstance(part, web.Response):
        return part
    who, (info, content) = part
    async with state_of(request).engine.begin() as conn:
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
    crypto = state.crypto
    form = await request.post()
    text = str(form.get("body", "")).replace("\r\n", "\n").strip()
    async with state.engine.begin() as conn:
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
    keys = state_of(request).keys
    part = await _message_part(request, session, message_id,
                               lambda conn, who: store.reply(conn, keys, who, message_id, reply_id))
    if isinstance(part, web.Response):
        return part
    _, found = part
    return render(request, "reply.html", {"r": found, "message_id": message_id})


def _kept_until(who: store.Customer, policy: RetentionPolicy) -> datetime | None:
    """The erasure date by the retention rule (gateway/privacy/retention.py): relationship ended and
    the configured years (5) after the last invoice was settled, in Norway's calendar."""
    return erase_after(who.relationship_ended_at, who.last_invoice_settled_at, policy)


async def my_data(request: web.Request) -> web.StreamResponse:
    session = _require_customer(request)
    state = state_of(request)
    async with state.reads.connect() as conn:
        who = await _customer(conn, request, session)
        n = await store.counts(conn, who.id)
        staff_reads = await audit.staff_reads(conn, who.id)
    async with reading(state.engine) as conn:
        cases = await privacy_requests.for_customer(conn, who.id)
    contact = store.contact(state.crypto, who)
    national_id = contact["national_id"]
    masked = (national_id[:6] + "*****") if national_id else None
    return render(request, "my_data.html", {
        "who": who, "contact": contact, "national_id_masked": masked, "n": n,
        "kept_until": _kept_until(who, policy_from(state.settings)),
        "language_name": i18n.LANGUAGE_NAMES.get(who.language, who.language),
        "staff_reads": staff_reads,
        "cases": cases, "email_changed": request.query.get("email_changed") == "1",
        "request_sent": request.query.get("request"),
    })


async def export(request: web.Request) -> web.StreamResponse:
    """The right of access: everything held about the customer as one ZIP with a JSON index,
    streamed (gateway/privacy/export.py; the same archive as the API's and the CLI's export)."""
    session = _require_customer(request)
    state = state_of(request)
    async with state.reads.connect() as conn:
        who = await _customer(conn, request, session)
        n = await store.counts(conn, who.id)
        if n["high"] and not _is_high(session):
            return render(request, "step_up.html", {
                "text_key": "step_up_export", "login_href": login_url("/portal/my-data", level="high")}, status=403)
    response = web.StreamResponse(headers={
        "Content-Type": "application/zip",
        "Content-Disposition": 'attachment; filename="min-stromside-data.zip"',
        "Content-Security-Policy": "default-src 'none'; sandbox; frame-ancestors 'none'",
        "Cache-Control": "no-store",
    })

    async def write(chunk: bytes) -> None:
        if not response.prepared:
            await response.prepare(request)
        await response.write(chunk)

    async with reading(state.engine) as conn:
        summary = await export_zip(conn, state.crypto, who.id, write, now=utcnow())
    async with state.engine.begin() as conn:
        await audit.append(conn, audit.Entry(_actor(session), "portal.export", who.id,
                                             {"messages": summary.messages, "attachments": summary.attachments}))
    await response.write_eof()
    return response


async def stylesheet(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    if request.headers.get("If-None-Match") == state.css_etag:
        return web.Response(status=304, headers={"ETag": state.css_etag, "Cache-Control": "public, max-age=3600"})
    return web.Response(body=state.css, content_type="text/css", charset="utf-8",
                        headers={"ETag": state.css_etag, "Cache-Control": "public, max-age=3600"})

