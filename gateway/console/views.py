"""The console's working pages: find a customer, see their messages, compose with the guard at
hand, preview, and send through billing's own pipeline."""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from aiohttp import web
from sqlalchemy import select

from gateway import audit
from gateway.billing import create_many
from gateway.billing.messages import CATEGORIES
from gateway.console import customers, drafts, threads
from gateway.console.pages import language_of, redirect, render, requires, staff_of, state_of
from gateway.delivery import notify
from gateway.errors import Conflict, GatewayError, GuardRefused, ValidationFailed
from gateway.storage import reading
from gateway.storage.schema import customers as customers_table
from gateway.webkit import PageError

SENDERS = ("agent", "admin")
SENSITIVITIES = ("normal", "sensitive")  # as billing/schemas.py declares them
AUTH_LEVELS = ("substantial", "high")  # the roles that read customers and write to them
_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


@requires()
async def home(request: web.Request) -> web.StreamResponse:
    return render(request, "home.html", {"query": "", "searched": False})


@requires(*SENDERS)
async def search(request: web.Request) -> web.StreamResponse:
    """POST, so that an e-mail address or national id typed here never lands in a URL or log."""
    state = state_of(request)
    form = await request.post()
    query = str(form.get("q", ""))[:254]
    async with state.reads.connect() as conn:
        found = await customers.find(conn, state.crypto, query)
    # Only an id comes back; opening the customer's page (decrypting the name) is what is audited.
    if found is not None:
        return redirect(f"/console/customers/{found}")
    return render(request, "home.html", {"query": query, "searched": True}, status=404)


def _customer_id(request: web.Request) -> str:
    customer_id = request.match_info["customer_id"]
    if not _ID.fullmatch(customer_id):
        raise PageError(404)
    return customer_id


@requires(*SENDERS)
async def customer(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    customer_id = _customer_id(request)
    async with state.engine.begin() as conn:
        who = await customers.summary(conn, state.crypto, customer_id)
        if who is None:
            raise PageError(404)
        listing = await customers.messages_of(conn, customer_id)
        await audit.append(conn, audit.Entry(staff_of(request).actor, "console.customer.read", customer_id,
                                             {"fields": ["name"]}))
    # Reply attempts by e-mail: when, and about which message; what they wrote was never kept.
    by_id = {m.id: m for m in listing}
    attempts = [(a, by_id.get(a.message_id or "")) for a in await threads.email_attempts(state.engine, customer_id)]
    return render(request, "customer.html", {"who": who, "messages": listing, "attempts": attempts,
                                             "sent": request.query.get("sent", "")[:40]})


async def _language(request: web.Request, customer_id: str) -> str:
    async with reading(state_of(request).engine) as conn:
        row = (await conn.execute(select(customers_table.c.language).where(
            customers_table.c.id == customer_id, customers_table.c.erased_at.is_(None)))).first()
    if row is None:
        raise PageError(404)
    return str(row.language)


def _compose(request: web.Request, customer_id: str, draft: drafts.Draft, **extra: Any) -> web.Response:
    context = {"customer_id": customer_id, "d": draft, "categories": CATEGORIES, "sensitivities": SENSITIVITIES,
               "auth_levels": AUTH_LEVELS, "templates": state_of(request).billing.message_templates.names(),
               "findings": [], "refused": False, "errors": [], "preview": None, "status": 200, **extra}
    return render(request, "compose.html", context, status=context["status"])


@requires(*SENDERS)
async def compose_page(request: web.Request) -> web.StreamResponse:
    customer_id = _customer_id(request)
    await _language(request, customer_id)
    return _compose(request, customer_id, drafts.Draft(draft_id=secrets.token_urlsafe(16)))


@requires(*SENDERS)
async def compose_post(request: web.Request) -> web.StreamResponse:
    """Preview or send (the button pressed). Either way the guard runs first, server-side."""
    state = state_of(request)
    customer_id = _customer_id(request)
    language = await _language(request, customer_id)
    form = await request.post()
    draft = drafts.Draft.from_form(form)
    try:
        item = draft.message(customer_id, state.settings.max_attachment_bytes)
        subject, body = drafts.texts(state.billing, item, language)
    except ValidationFailed as exc:
        return _compose(request, customer_id, draft, errors=exc.extra["errors"], status=422)
    refused, findings = drafts.check(subject, body, language_of(request))
    if refused or form.get("action") != "send":
        preview = None if refused else _preview(request, language, item, subject, body)
        return _compose(request, customer_id, draft, findings=findings, refused=refused, preview=preview,
                        status=422 if refused else 200)
    return await _send(request, customer_id, draft, item)


def _preview(request: web.Request, language: str, item: Any, subject: str, body: str) -> dict[str, Any]:
    state = state_of(request)
    email = drafts.email_preview(state.notifications, language, item.category, item.sensitivity == "sensitive",
                                 state.clock.now())
    return {"email": email, "subject": subject, "paragraphs": [p for p in body.split("\n\n") if p.strip()],
            "category": item.category, "attachments": [a.filename for a in item.attachments]}


async def _send(request: web.Request, customer_id: str, draft: drafts.Draft, item: Any) -> web.StreamResponse:
    state = state_of(request)
    staff = staff_of(request)
    if not draft.draft_id or not _ID.fullmatch(draft.draft_id):
        raise PageError(400)
    # The draft's id is the idempotency key: a double click (or a resend of the page) sends once.
    [outcome] = await create_many(state.billing, staff.actor, [(f"console-{draft.draft_id}", item)])
    if outcome.error is not None:
        return _refusal(request, customer_id, draft, outcome.error)
    if state.parent is not None:
        notify(state.parent)
    return redirect(f"/console/customers/{customer_id}?sent={outcome.id}")


def _refusal(request: web.Request, customer_id: str, draft: drafts.Draft, error: GatewayError) -> web.Response:
    if isinstance(error, GuardRefused):
        _, findings = drafts.check(draft.subject, draft.body, language_of(request))
        return _compose(request, customer_id, draft, findings=findings, refused=True, status=422)
    if isinstance(error, Conflict):
        draft.draft_id = secrets.token_urlsafe(16)  # this draft was sent already with other content
    errors = error.extra.get("errors") or [{"field": "message", "detail": error.detail}]
    return _compose(request, customer_id, draft, errors=errors, status=error.status)


@requires(*SENDERS)
async def check(request: web.Request) -> web.StreamResponse:
    """The guard as the agent types: {"subject", "body"} or {"customer_id", "template", "data"} in,
    {"ok", "findings": [{"rule", "message", "field", "line", "column", "excerpt"}]} out."""
    state = state_of(request)
    try:
        payload = json.loads(await request.text())
        if not isinstance(payload, dict):
            raise ValueError
    except ValueError:
        return _problem(400, "The request body is not a JSON object")
    subject, body = str(payload.get("subject", ""))[:400], str(payload.get("body", ""))[:drafts.MAX_BODY]
    if payload.get("template"):
        try:
            language = await _language(request, str(payload.get("customer_id", "")))
            data = json.loads(str(payload.get("data") or "{}"))
            subject, body = state.billing.message_templates.render(str(payload["template"]), language,
                                                                   data if isinstance(data, dict) else {})
        except (PageError, ValueError) as exc:
            return _problem(422, "The template data is not valid" if isinstance(exc, ValueError) else
                            "No such customer")
        except Exception as exc:  # noqa: BLE001 - a template that does not render is the agent's to fix
            return web.json_response({"ok": False, "findings": [], "template_error": str(exc)[:200]})
    refused, findings = drafts.check(subject, body, language_of(request))
    return web.json_response({"ok": not refused, "findings": [f.to_dict() for f in findings]})


def _problem(status: int, title: str) -> web.Response:
    return web.json_response({"type": "about:blank", "title": title, "status": status}, status=status,
                             content_type="application/problem+json")


async def static(request: web.Request) -> web.StreamResponse:
    found = state_of(request).static.get(request.match_info["name"])
    if found is None:
        raise PageError(404)
    body, kind = found
    return web.Response(body=body, content_type=kind, charset="utf-8", headers={"Cache-Control": "no-cache"})
