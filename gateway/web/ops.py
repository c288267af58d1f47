"""Health, readiness and metrics: no credentials (operators fence /metrics at the proxy)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp import web
from sqlalchemy import text

from gateway import metrics
from gateway.callbacks.dispatch import depth as callback_depth
from gateway.crypto import Keyring, KeyringError
from gateway.delivery import outbox
from gateway.storage import reading
from gateway.web.services import SERVICES


async def healthz(request: web.Request) -> web.Response:
    """Liveness: the process answers. Dependencies are /readyz's business."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    checks: dict[str, str] = {}
    try:
        async with asyncio.timeout(2):
            async with reading(services.engine) as conn:
                await conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:  # noqa: BLE001 - any failure means not ready; the reason goes to the log
        checks["database"] = "unavailable"
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
