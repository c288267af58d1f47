"""Min strømside: the customer portal under /portal/ (an aiohttp sub-application).

``setup(app)`` mounts it. Everything here talks to the database through the signed-in customer's
id only; see :mod:`gateway.portal.store` for the queries and :mod:`gateway.portal.sessions` for
the server-side sessions.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.clock import SYSTEM, Clock
from gateway.crypto import Crypto
from gateway.periodic import Periodic
from gateway.portal import pages, privacy_views, sessions, signin, store, views
from gateway.portal.state import STATE, PortalState
from gateway.portal.webutil import portal_middleware
from gateway.settings import Settings
from gateway.webkit import security_headers

__all__ = ["make_portal_app", "setup"]
log = logging.getLogger("gateway.portal")
SWEEP_SECONDS = 60


def setup(app: web.Application, *, engine: AsyncEngine, crypto: Crypto, settings: Settings,
          clock: Clock = SYSTEM) -> None:
    """Mount the portal at /portal/ on the main application; `engine` is for its writes."""
    app.router.add_get("/portal", _to_portal, allow_head=False)  # before the sub-app, which would 404 it
    app.add_subapp("/portal/", make_portal_app(app, engine=engine, crypto=crypto, settings=settings,
                                                   clock=clock))
    app.cleanup_ctx.append(_portal_ctx)


def make_portal_app(parent: web.Application, *, engine: AsyncEngine, crypto: Crypto,
                    settings: Settings, clock: Clock = SYSTEM) -> web.Application:
    portal = web.Application(middlewares=[portal_middleware])
    state = PortalState.build(engine, crypto, settings, clock, hot=sessions.HOT_STATEMENTS + store.HOT_STATEMENTS)
    portal[STATE] = state
    parent[STATE] = state
    state.jinja = pages.setup(portal, Path(settings.templates_dir) / "portal")
    r = portal.router
    r.add_get("/", views.inbox, allow_head=False)
    r.add_get("/login", signin.login_page, allow_head=False)
    if not settings.is_production:
        r.add_post("/login/dev", signin.login_dev)  # development sign-in: absent (404) in production
    r.add_post("/login/oidc", signin.login_oidc)
    r.add_get("/login/callback", signin.login_callback, allow_head=False)
    r.add_post("/logout", signin.logout)
    r.add_post("/language", signin.language)
    r.add_get("/messages/{message_id}", views.message, allow_head=False)
    r.add_get("/messages/{message_id}/attachments/{attachment_id}", views.attachment, allow_head=False)
    r.add_post("/messages/{message_id}/replies", views.post_reply)
    r.add_get("/messages/{message_id}/replies/{reply_id}", views.reply, allow_head=False)
    r.add_get("/my-data", views.my_data, allow_head=False)
    r.add_post("/my-data/export", views.export)
    r.add_get("/my-data/email", privacy_views.email_page, allow_head=False)
    r.add_post("/my-data/email", privacy_views.email_request)
    r.add_post("/my-data/email/confirm", privacy_views.email_confirm)
    r.add_post("/my-data/requests", privacy_views.request_case)
    r.add_get("/static/portal.css", views.stylesheet, allow_head=False)
    return portal


async def _to_portal(request: web.Request) -> web.StreamResponse:
    # Served by the main app, outside the portal's middleware: its headers are added here.
    state = request.app[STATE]
    response = web.Response(status=301, headers={"Location": "/portal/"})
    security_headers(state.settings, state.csp, response)
    return response


async def _portal_ctx(app: web.Application) -> AsyncIterator[None]:
    state = app[STATE]
    state.http = aiohttp.ClientSession()
    sweeper = Periodic("portal session sweep", lambda: _sweep(state), SWEEP_SECONDS, at_start=True).start()
    yield
    await sweeper.stop()
    await state.http.close()
    await state.reads.dispose()


async def _sweep(state: PortalState) -> None:
    state.keys.purge()  # customer keys nobody used for a minute leave memory
    removed = await state.sessions.sweep()
    if removed:
        log.info("expired portal sessions removed", extra={"count": removed})
