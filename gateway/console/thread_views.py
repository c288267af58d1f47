"""Threads and the staff inbox: open a message with its replies (every opening audited, and shown
to the customer on their "my data" page), assign a waiting reply, and answer it. An answer is a new
message through billing's pipeline (the guard, the content-free notification e-mail, idempotent on
a double click, the author recorded) that marks the thread's waiting replies answered."""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web
from sqlalchemy import select

from gateway import audit
from gateway.billing import create_many
from gateway.console import drafts, threads
from gateway.console.pages import language_of, redirect, render, requires, staff_of, state_of
from gateway.console.views import _ID, SENDERS
from gateway.delivery import notify
from gateway.errors import GuardRefused, ValidationFailed
from gateway.storage import reading
from gateway.storage.schema import messages
from gateway.webkit import PageError


def _id(request: web.Request, name: str) -> str:
    value = request.match_info[name]
    if not _ID.fullmatch(value):
        raise PageError(404)
    return value


@requires(*SENDERS)
async def inbox(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    async with reading(state.engine) as conn:
        waiting = await threads.inbox(conn)
        people = await threads.assignable(conn)
    return render(request, "inbox.html", {"waiting": waiting, "people": people})


@requires(*SENDERS)
async def assign(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    reply_id = _id(request, "reply_id")
    form = await request.post()
    staff = staff_of(request)
    target = str(form.get("staff_id") or staff.id)
    async with state.engine.begin() as conn:
        if target not in {sid for sid, _ in await threads.assignable(conn)}:
            raise PageError(400)
        if not await threads.assign(conn, reply_id, target):
            raise PageError(404)
        await audit.append(conn, audit.Entry(staff.actor, "console.reply.assign", reply_id, {"to": f"staff:{target}"}))
    return redirect("/console/inbox")


async def _open(request: web.Request, message_id: str) -> threads.MessageView:
    """Decrypt the message and its thread for this staff member, and record that they did."""
    state = state_of(request)
    async with state.engine.begin() as conn:
        view = await threads.open_message(conn, state.crypto, message_id)
        if view is None:
            raise PageError(404)
        await audit.append(conn, audit.Entry(staff_of(request).actor, audit.STAFF_READ, view.customer_id,
                                             {"message_id": message_id}))
    view.email_attempts = [a.received_at for a in await threads.email_attempts(state.engine, view.customer_id)
                           if a.message_id == message_id]
    return view


def _page(request: web.Request, view: threads.MessageView, **extra: Any) -> web.Response:
    context = {"m": view, "findings": [], "refused": False, "errors": [], "answer_subject": f"Re: {view.subject}",
               "answer_body": "", "draft_id": secrets.token_urlsafe(16),
               "answered": request.query.get("answered", "")[:40], "status": 200, **extra}
    return render(request, "message.html", context, status=context["status"])


@requires(*SENDERS)
async def message(request: web.Request) -> web.StreamResponse:
    return _page(request, await _open(request, _id(request, "message_id")))


@requires(*SENDERS)
async def answer(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    staff = staff_of(request)
    message_id = _id(request, "message_id")
    form = await request.post()
    async with reading(state.engine) as conn:
        head = (await conn.execute(select(messages.c.customer_id, messages.c.category, messages.c.sensitivity,
                                          messages.c.auth_level).where(messages.c.id == message_id))).first()
    if head is None:
        raise PageError(404)
    draft = drafts.Draft(category=head.category, sensitivity=head.sensitivity, auth_level=head.auth_level,
                         subject=str(form.get("subject", ""))[:200], body=str(form.get("body", ""))[:drafts.MAX_BODY]
                         .replace("\r\n", "\n"), draft_id=str(form.get("draft_id", ""))[:64])
    if not _ID.fullmatch(draft.draft_id):
        raise PageError(400)
    again = {"answer_subject": draft.subject, "answer_body": draft.body, "draft_id": draft.draft_id}
    try:
        item = draft.message(head.customer_id, state.settings.max_attachment_bytes)
    except ValidationFailed as exc:
        return _page(request, await _open(request, message_id), errors=exc.extra["errors"], status=422, **again)
    refused, findings = drafts.check(draft.subject, draft.body, language_of(request))
    if refused:
        return _page(request, await _open(request, message_id), findings=findings, refused=True, status=422,
                     **again)
    [outcome] = await create_many(state.billing, staff.actor, [(f"console-{draft.draft_id}", item)])
    if outcome.error is not None:
        errors = [] if isinstance(outcome.error, GuardRefused) else \
            outcome.error.extra.get("errors") or [{"field": "message", "detail": outcome.error.detail}]
        return _page(request, await _open(request, message_id), errors=errors, refused=not errors, status=422,
                     **again)
    async with state.engine.begin() as conn:
        answered = await threads.mark_answered(conn, message_id, str(outcome.id), state.clock.now())
        if answered:
            await audit.append(conn, audit.Entry(staff.actor, "console.reply.answer", head.customer_id,
                                                 {"message_id": message_id, "answer_id": outcome.id,
                                                  "replies": len(answered)}))
    if state.parent is not None:
        notify(state.parent)
    return redirect(f"/console/messages/{message_id}?answered={outcome.id}")
