"""Health, readiness and metrics: no credentials (operators fence /metrics at the proxy)."""

from __future__ import annotations

import asyncio
import logging
import weakref
from pathlib import Path

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import metrics
from gateway.callbacks.dispatch import depth as callback_depth
from gateway.crypto import Keyring, KeyringError
from gateway.delivery import outbox
from gateway.storage import reading
from gateway.web.services import SERVICES

log = logging.getLogger(__name__)

# One database probe at a time per engine. A probe that outlives /readyz's 2 s is left to finish
# rather than cancelled: cancelling a connection mid-query leaves it to the garbage collector
# (holding SQLite's read mark, or a PostgreSQL session). While it is still running, /readyz says
# "unavailable" without starting another, so a hung database cannot pile probes up.
_probes: weakref.WeakKeyDictionary[AsyncEngine, asyncio.Task[None]] = weakref.WeakKeyDictionary()


async def _select_one(engine: AsyncEngine) -> None:
    async with reading(engine) as conn:
        await conn.execute(text("SELECT 1"))


async def _database_ready(engine: AsyncEngine) -> bool:
    probe = _probes.get(engine)
    if probe is None or probe.done():
        probe = _probes[engine] = asyncio.create_task(_select_one(engine))
        # Its failure is reported by whichever /readyz awaits it; this only marks it retrieved
        # for one that finishes after every caller has given up.
        probe.add_done_callback(lambda task: task.cancelled() or task.exception())
    try:
        await asyncio.wait_for(asyncio.shield(probe), timeout=2)
    except TimeoutError:
        log.warning("readyz: the database did not answer within 2 s")
        return False
    except Exception as exc:  # noqa: BLE001 - any failure means not ready; its kind goes to the log
        log.warning("readyz: the database check failed (%s)", type(exc).__name__)
        return False
    return True


async def healthz(request: web.Request) -> web.Response:
    """Liveness: the process answers. Dependencies are /readyz's business."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    checks: dict[str, str] = {}
    checks["database"] = "ok" if await _database_ready(services.engine) else "unavailable"
    try:
        Keyring.load(Path(services.settings.keys_dir))
        checks["keys"] = "ok"
    except (KeyringError, OSError, ValueError):  # missing, unreadable or malformed: not ready
        checks["keys"] = "unavailable"
    ready = all(v == "ok" for v in checks.values())
    return web.json_response({"status": "ready" if ready else "not ready", "checks": checks},
                             status=200 if ready else 503)


async def metrics_endpoint(request: web.Request) -> web.Response:
    for status, count in (await outbox.depth(request.app[SERVICES].engine)).items():
        metrics.queue_depth.labels(status).set(count)
    for status, count in (await callback_depth(request.app[SERVICES].engine)).items():
        metrics.callback_queue.labels(status).set(count)
    body, content_type = metrics.exposition()
    return web.Response(body=body, headers={"Content-Type": content_type})
