"""The aiohttp application: API, operations endpoints, portal, and the in-process worker."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web
from sqlalchemy import select

from gateway import audit, portal
from gateway.api import billing, draining, ops, templates_check
from gateway.api.appkeys import SERVICES, WORKER, WORKER_STOP, WORKER_TASK
from gateway.api.openapi import openapi_json
from gateway.api.problems import problem_middleware
from gateway.api.throttle import THROTTLE, RefusalThrottle, throttle_ctx
from gateway.db.schema import audit_log
from gateway.services import Services
from gateway.worker import Worker

log = logging.getLogger("gateway.app")


def make_app(services: Services, *, run_worker: bool = True) -> web.Application:
    app = web.Application(client_max_size=services.settings.max_body_bytes,
                          middlewares=[problem_middleware])
    app[SERVICES] = services
    app[THROTTLE] = RefusalThrottle()
    draining.setup(app)
    app.cleanup_ctx.append(throttle_ctx)
    add_api_routes(app)
    portal.setup(app)
    if run_worker:
        app.cleanup_ctx.append(_worker_ctx)
    app.on_startup.append(_record_start)
    return app


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
    app.router.add_post("/api/v1/messages", billing.post_message)
    app.router.add_post("/api/v1/messages/batch", billing.post_batch)
    app.router.add_get("/api/v1/messages/{message_id}", billing.get_message, allow_head=False)
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
        last = (await conn.execute(
            select(audit_log.c.details).where(audit_log.c.action.in_(("templates.loaded", "templates.changed")))
            .order_by(audit_log.c.seq.desc()).limit(1))).scalar()
        entries = [audit.Entry("system", "service.start", None, {"env": settings.env})]
        if last is None or json.loads(last).get("digest") != digest:
            action = "templates.loaded" if last is None else "templates.changed"
            entries.append(audit.Entry("system", action, None, {"digest": digest}))
        await audit.append_many(conn, entries)


def templates_digest(templates_dir: Path) -> str:
    """One SHA-256 over every template's path and bytes."""
    digest = hashlib.sha256()
    for path in sorted(p for p in templates_dir.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(templates_dir)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


async def _worker_ctx(app: web.Application) -> AsyncIterator[None]:
    worker = Worker(app[SERVICES])
    stop = asyncio.Event()
    app[WORKER], app[WORKER_STOP] = worker, stop
    app[WORKER_TASK] = asyncio.create_task(worker.run(stop), name="outbox-worker")
    yield
    # Graceful shutdown: in-flight sends finish and are recorded, the rest is handed back.
    stop.set()
    await app[WORKER_TASK]
