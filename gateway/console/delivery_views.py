"""Held notifications (the worker's re-check of a rendered e-mail failed): an admin releases one
only after the guard passes the e-mail again as it would now be rendered, or cancels it. Both audited."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select, update

from gateway import audit
from gateway.console.pages import redirect, requires, staff_of, state_of
from gateway.console.thread_views import _id, _open, _page
from gateway.delivery import notify
from gateway.delivery.notification_check import NotificationChecker
from gateway.guard import is_refused
from gateway.storage import reading
from gateway.storage.schema import customers, messages, notifications
from gateway.webkit import PageError

CANCELLED = "cancelled by staff"


async def _held(request: web.Request, message_id: str) -> Any:
    async with reading(state_of(request).engine) as conn:
        row = (await conn.execute(
            select(notifications.c.id, notifications.c.status, messages.c.customer_id, messages.c.category,
                   messages.c.sensitivity, customers.c.language)
            .join(messages, messages.c.id == notifications.c.message_id)
            .join(customers, customers.c.id == messages.c.customer_id)
            .where(notifications.c.message_id == message_id))).first()
    if row is None:
        raise PageError(404)
    if row.status != "held":
        raise PageError(400)
    return row


@requires("admin")
async def release(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    message_id = _id(request, "message_id")
    row = await _held(request, message_id)
    now = state.clock.now()
    checker = NotificationChecker(state.notifications, state.settings.public_url)
    _, findings = checker.render_and_check(language=row.language, message_id=message_id,
                                           category=row.category,
                                           sensitive=row.sensitivity == "sensitive", sent_at=now)
    refused = is_refused(findings)
    async with state.engine.begin() as conn:
        if not refused:
            await conn.execute(update(notifications).where(notifications.c.message_id == message_id,
                                                           notifications.c.status == "held")
                               .values(status="pending", next_attempt_at=now, last_error=None))
        await audit.append(conn, audit.Entry(staff_of(request).actor,
                                             "notification.release_refused" if refused else "notification.release",
                                             message_id, {"rules": sorted({f.rule for f in findings})}))
    if refused:
        return _page(request, await _open(request, message_id), status=422,
                     errors=[{"field": "notification", "detail": "the e-mail still fails the content guard"}])
    if state.parent is not None:
        notify(state.parent)
    return redirect(f"/console/messages/{message_id}")


@requires("admin")
async def cancel(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    message_id = _id(request, "message_id")
    await _held(request, message_id)
    async with state.engine.begin() as conn:
        await conn.execute(update(notifications).where(notifications.c.message_id == message_id,
                                                       notifications.c.status == "held")
                           .values(status="failed", last_error=CANCELLED))
        await audit.append(conn, audit.Entry(staff_of(request).actor, "notification.cancel", message_id))
    return redirect(f"/console/messages/{message_id}")
