"""The aiohttp application: API, operations endpoints, portal, and the in-process worker."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from gateway import audit, console, portal
from gateway.billing import api as billing
from gateway.billing import callbacks_api
from gateway.billing.context import BILLING
from gateway.crypto import Crypto
from gateway.crypto.cache import WRITE_TTL_SECONDS, purge_for_writes
from gateway.delivery.inapp import run_in_app
from gateway.delivery.worker import Worker
from gateway.periodic import Periodic
from gateway.privacy import api as privacy
from gateway.privacy.context import PRIVACY
from gateway.privacy.schedule import run_daily_in_app
from gateway.rest import draining
from gateway.rest.apikeys import KEYS
from gateway.rest.problems import problem_middleware
from gateway.rest.throttle import DIGEST_KEY, THROTTLE, RefusalThrottle, throttle_ctx
from gateway.web import feedback, mailer, ops, templates_check
from gateway.web.openapi import openapi_json
from gateway.web.services import SERVICES, Services


def make_app(services: Services, *, run_worker: bool = True, run_inbound: bool | None = None) -> web.Application:
    """`run_inbound` (default: GATEWAY_INBOUND_IN_SERVE) runs the inbound SMTP server in this app."""
    if run_inbound is None:
        run_inbound = services.settings.inbound_in_serve
    app = web.Application(client_max_size=services.settings.max_body_bytes,
                          middlewares=[problem_middleware])
    app[SERVICES] = services
    app[BILLING] = services
    app[PRIVACY] = services
    mailer.install(app, services.settings)
    app[KEYS] = services
    app[THROTTLE] = RefusalThrottle()
    app[DIGEST_KEY] = services.crypto.keyring.index_key
    draining.setup(app)
    app.cleanup_ctx.append(throttle_ctx)
    app.cleanup_ctx.append(_write_keys_ctx)
    add_api_routes(app)
    portal.setup(app, engine=services.engine, crypto=services.crypto, settings=services.settings,
                 clock=services.clock)
    console.setup(app, billing=services, notifications=services.notifications, clock=services.clock)
    if run_worker:
        run_in_app(app, lambda: Worker(services))
        feedback.run_dispatcher(app, services)
    if run_inbound:
        feedback.run_inbound(app, services)
    run_daily_in_app(app, lambda: services.settings.retention_check_seconds)
    app.on_startup.append(_record_start)
    return app


async def _write_keys_ctx(app: web.Application) -> AsyncIterator[None]:
    """Customer keys the write path has not used for WRITE_TTL_SECONDS leave memory even when no
    message comes (gateway/crypto/cache.py, for_writes)."""
    crypto = app[SERVICES].crypto

    # The key store may be briefly unreachable: a failed round is logged and the next one tries again.
    rounds = Periodic("write key cache purge", lambda: _purge(crypto), WRITE_TTL_SECONDS).start()
    yield
    await rounds.stop()


async def _purge(crypto: Crypto) -> None:
    purge_for_writes(crypto)


def make_ops_app(services: Services) -> web.Application:
    """Health, readiness and metrics alone: what a standalone `gateway worker` serves."""
    app = web.Application(middlewares=[problem_middleware])
    app[SERVICES] = services
    app.router.add_get("/healthz", ops.healthz, allow_head=False)
    app.router.add_get("/readyz", ops.readyz, allow_head=False)
    app.router.add_get("/metrics", ops.metrics_endpoint, allow_head=False)
    return app


def add_api_routes(app: web.Application) -> None:
    app.router.add_put("/api/v1/customers/{customer_id}", billing.put_customer)
    app.router.add_delete("/api/v1/customers/{customer_id}", privacy.delete_customer)
    app.router.add_get("/api/v1/customers/{customer_id}/export", privacy.export_customer, allow_head=False)
    app.router.add_post("/api/v1/messages", billing.post_message)
    app.router.add_post("/api/v1/messages/batch", billing.post_batch)
    app.router.add_get("/api/v1/messages/{message_id}", billing.get_message, allow_head=False)
    app.router.add_put("/api/v1/callbacks", callbacks_api.put_callbacks)
    app.router.add_get("/api/v1/callbacks", callbacks_api.get_callbacks, allow_head=False)
    app.router.add_post("/api/v1/callbacks/replay", callbacks_api.post_replay)
    app.router.add_post("/api/v1/templates/check", templates_check.post_check)
    app.router.add_get("/api/v1/openapi.json", openapi_json, allow_head=False)
    app.router.add_get("/healthz", ops.healthz, allow_head=False)
    app.router.add_get("/readyz", ops.readyz, allow_head=False)
    app.router.add_get("/metrics", ops.metrics_endpoint, allow_head=False)


async def _record_start(app: web.Application) -> None:
    """Audit the start, and any change to the templates since the last start (they are files,
    deployed outside the gateway, so a change shows up here first)."""
    settings = app[SERVICES].settings
    digest = templates_digest(Path(settings.templates_dir))
    async with app[SERVICES].engine.begin() as conn:
        last = await audit.latest_details(conn, ("templates.loaded", "templates.changed"))
        entries = [audit.Entry("system", "service.start", None, {"env": settings.env})]
        if last is None or last.get("digest") != digest:
            action = "templates.loaded" if last is None else "templates.changed"
            entries.append(audit.Entry("system", action, None, {"digest": digest}))
        await audit.append_many(conn, entries)


def templates_digest(templates_dir: Path) -> str:
    """One SHA-256 over every template's path and bytes."""
    digest = hashlib.sha256()
    for path in sorted(p for p in templates_dir.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(templates_dir)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
