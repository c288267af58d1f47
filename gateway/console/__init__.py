"""The staff console under /console/ (an aiohttp sub-application): staff sign-in with a second
factor, finding a customer, composing with the guard at hand, sending through billing's pipeline,
threads with delivery feedback, templates, the audit view, and (admins) erasure and privacy cases.

``setup(app, billing=..., notifications=...)`` mounts it. Sessions, CSRF and security headers are
gateway.webkit's, the same as the portal's. ``ROUTES`` is every route with the roles allowed
(the role-matrix test walks it).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.billing.context import BillingContext
from gateway.clock import SYSTEM, Clock
from gateway.console import (
    audit_views,
    credentials,
    delivery_views,
    enrol,
    oidc_signin,
    privacy_views,
    signin,
    template_views,
    thread_views,
    views,
)
from gateway.console.accounts import ROLES
from gateway.console.pages import Handler, console_middleware
from gateway.console.state import STATE, ConsoleState
from gateway.delivery.notification import NotificationRenderer
from gateway.periodic import Periodic
from gateway.webkit import security_headers

__all__ = ["ROLES", "ROUTES", "STATE", "follow_email_templates", "refresh_email_templates", "setup"]
refresh_email_templates = template_views.refresh_emails
log = logging.getLogger("gateway.console")
TEMPLATE_REFRESH_SECONDS = 5
SWEEP_SECONDS = 60

ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/", views.home),
    ("GET", "/login", signin.login_page),
    ("POST", "/login", signin.login_password),
    ("GET", "/login/second", signin.second_page),
    ("POST", "/login/totp", signin.login_totp),
    ("POST", "/login/passkey/options", signin.passkey_options),
    ("POST", "/login/passkey", signin.login_passkey),
    ("POST", "/login/oidc", oidc_signin.start),
    ("GET", "/login/oidc/callback", oidc_signin.callback),
    ("POST", "/logout", signin.logout),
    ("POST", "/language", signin.language),
    ("GET", "/enrol/{token}", enrol.open_link),
    ("GET", "/enrol", enrol.page),
    ("POST", "/enrol/password", enrol.set_password),
    ("POST", "/enrol/totp", enrol.confirm_totp),
    ("POST", "/enrol/passkey/options", enrol.passkey_options),
    ("POST", "/enrol/passkey", enrol.register_passkey),
    ("POST", "/customers/search", views.search),
    ("GET", "/customers/{customer_id}", views.customer),
    ("GET", "/customers/{customer_id}/compose", views.compose_page),
    ("POST", "/customers/{customer_id}/compose", views.compose_post),
    ("GET", "/customers/{customer_id}/erase", privacy_views.erase_page),
    ("POST", "/customers/{customer_id}/erase", privacy_views.erase),
    ("POST", "/check", views.check),
    ("GET", "/inbox", thread_views.inbox),
    ("POST", "/replies/{reply_id}/assign", thread_views.assign),
    ("GET", "/messages/{message_id}", thread_views.message),
    ("POST", "/messages/{message_id}/answer", thread_views.answer),
    ("POST", "/messages/{message_id}/release", delivery_views.release),
    ("POST", "/messages/{message_id}/cancel", delivery_views.cancel),
    ("GET", "/templates", template_views.index),
    ("POST", "/templates/check", template_views.check),
    ("GET", "/templates/{name}/{language}", template_views.edit),
    ("POST", "/templates/{name}/{language}", template_views.save),
    ("POST", "/templates/versions/{version_id}/approve", template_views.approve),
    ("POST", "/templates/versions/{version_id}/reject", template_views.reject),
    ("GET", "/privacy/cases", privacy_views.cases),
    ("GET", "/privacy/cases/{case_id}", privacy_views.case),
    ("POST", "/privacy/cases/{case_id}/answer", privacy_views.answer),
    ("GET", "/audit", audit_views.view),
    ("GET", "/audit.csv", audit_views.export),
    ("GET", "/static/{name}", views.static),
]


def setup(app: web.Application, *, billing: BillingContext, notifications: NotificationRenderer,
          clock: Clock = SYSTEM) -> None:
    """Mount the console at /console/ on the main application."""
    app.router.add_get("/console", _to_console, allow_head=False)
    console = web.Application(middlewares=[console_middleware])
    state = ConsoleState.build(billing, notifications, clock=clock)
    state.parent = app
    console[STATE] = state
    for method, path, handler in ROUTES:
        if method == "GET":
            console.router.add_get(path, handler, allow_head=False)
        else:
            console.router.add_route(method, path, handler)
    app.add_subapp("/console/", console)
    app[STATE] = state
    app.cleanup_ctx.append(_console_ctx)


async def _to_console(request: web.Request) -> web.StreamResponse:
    # Served by the main app, outside the console's middleware: its headers are added here.
    state = request.app[STATE]
    response = web.Response(status=301, headers={"Location": "/console/"})
    security_headers(state.settings, state.csp, response)
    return response


async def _console_ctx(app: web.Application) -> AsyncIterator[None]:
    state = app[STATE]
    await template_views.refresh(state)  # approved template versions are live from the start
    credentials.prepare()  # the dummy hash for unknown accounts: instant, no hashing
    rounds = [Periodic("console session sweep", lambda: _sweep(state), SWEEP_SECONDS, at_start=True).start(),
              # versions approved in another process go live here within TEMPLATE_REFRESH_SECONDS
              Periodic("console template refresh", lambda: template_views.refresh(state),
                       TEMPLATE_REFRESH_SECONDS).start()]
    yield
    for periodic in rounds:
        await periodic.stop()
    await state.reads.dispose()
    if state.http is not None:
        await state.http.close()


def follow_email_templates(engine: AsyncEngine, notifications: NotificationRenderer) -> Periodic:
    """For a process without the console (`gateway worker`, after refresh_email_templates at start):
    versions approved later go live within TEMPLATE_REFRESH_SECONDS once the result is started."""
    return Periodic("e-mail template refresh", lambda: template_views.refresh_emails(engine, notifications),
                    TEMPLATE_REFRESH_SECONDS)


async def _sweep(state: ConsoleState) -> None:
    removed = await state.sessions.sweep()
    if removed:
        log.info("expired console sessions removed", extra={"count": removed})
