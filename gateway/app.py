"""The aiohttp application: API, operations endpoints, portal, and the in-process worker."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from gateway import audit
from gateway.api import billing, ops, templates_check
from gateway.api.appkeys import SERVICES, WORKER, WORKER_STOP, WORKER_TASK
from gateway.api.openapi import openapi_json
from gateway.api.problems import problem_middleware
from gateway.services import Services
from gateway.worker import Worker

log = logging.getLogger("gateway.app")


def make_app(services: Services, *, run_worker: bool = True) -> web.Application:
    app = web.Application(client_max_size=services.settings.max_body_bytes,
                          middlewares=[problem_middleware])
    app[SERVICES] = services
    add_api_routes(app)
    if run_worker:
        app.cleanup_ctx.append(_worker_ctx)
    app.on_startup.append(_record_start)
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
    async with app[SERVICES].engine.begin() as conn:
        await audit.append(conn, audit.Entry("system", "service.start", None,
                                             {"env": app[SERVICES].settings.env}))


async def _worker_ctx(app: web.Application) -> AsyncIterator[None]:
    worker = Worker(app[SERVICES])
    stop = asyncio.Event()
    app[WORKER], app[WORKER_STOP] = worker, stop
    app[WORKER_TASK] = asyncio.create_task(worker.run(stop), name="outbox-worker")
    yield
    # Graceful shutdown: in-flight sends finish and are recorded, the rest is handed back.
    stop.set()
    await app[WORKER_TASK]
