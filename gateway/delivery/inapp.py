"""The outbox worker inside `gateway serve`: started with the application, stopped gracefully
with it (in-flight sends finish and are recorded, the rest is handed back)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from gateway.delivery.queue import WAKEUP
from gateway.delivery.worker import Worker

WORKER = web.AppKey("worker", Worker)
WORKER_TASK = web.AppKey("worker_task", asyncio.Task)
WORKER_STOP = web.AppKey("worker_stop", asyncio.Event)


def run_in_app(app: web.Application, make_worker: Callable[[], Worker]) -> None:
    async def worker_ctx(app: web.Application) -> AsyncIterator[None]:
        worker = make_worker()
        stop = asyncio.Event()
        app[WORKER], app[WORKER_STOP], app[WAKEUP] = worker, stop, worker.wakeup
        app[WORKER_TASK] = asyncio.create_task(worker.run(stop), name="outbox-worker")
        yield
        stop.set()
        await app[WORKER_TASK]

    app.cleanup_ctx.append(worker_ctx)
