"""Health, readiness, metrics, and the OpenAPI document held together with the router."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import cast

from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.pool import QueuePool

from gateway.web.openapi import DOCUMENT
from tests.support.factories import canary_notice, put_canary_customer
from tests.support.service import Gateway, wait_for


async def test_healthz_and_readyz_need_no_credentials(gateway: Gateway) -> None:
    assert (await gateway.request("GET", "/healthz"))[:2] == (200, {"status": "ok"})
    status, body, _ = await gateway.request("GET", "/readyz")
    assert status == 200 and body == {"status": "ready", "checks": {"database": "ok", "keys": "ok"}}


async def test_readyz_fails_when_keys_become_unreadable(gateway: Gateway) -> None:
    keys_dir = Path(gateway.services.settings.keys_dir)
    os.chmod(keys_dir, 0o755)
    status, body, _ = await gateway.request("GET", "/readyz")
    assert status == 503 and body["checks"]["keys"] == "unavailable"


async def test_readyz_says_unavailable_while_the_database_does_not_answer_and_recovers(
        gateway: Gateway) -> None:
    # Every pooled connection taken: the probe cannot get one, so /readyz answers 503 after its
    # 2 s. The probe is left waiting, not cancelled (a cancelled connection would be left to the
    # garbage collector), and a second /readyz reuses it rather than starting another.
    engine = gateway.services.engine
    pool = cast(QueuePool, engine.pool)
    held: list[AsyncConnection] = []
    try:
        while len(held) < pool.size() + pool._max_overflow:  # the worker may hold one a moment
            held.append(await engine.connect())
        for _ in range(2):
            status, body, _ = await gateway.request("GET", "/readyz")
            assert status == 503 and body["checks"] == {"database": "unavailable", "keys": "ok"}
    finally:
        for conn in held:
            await conn.close()
    await wait_for(lambda: pool.checkedout() == 0)
    status, body, _ = await gateway.request("GET", "/readyz")
    assert status == 200 and body["status"] == "ready"


def _metric(text: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


async def test_metrics_count_accepted_and_sent_and_show_queue_depth(gateway: Gateway) -> None:
    token = await gateway.token()
    await put_canary_customer(gateway, token)
    before = (await gateway.request("GET", "/metrics"))[1].decode()
    await gateway.request("POST", "/api/v1/messages", token=token, json=canary_notice(),
                          headers={"Idempotency-Key": "m-1"})
    await wait_for(lambda: len(gateway.sink.mails) == 1)

    async def sent_counted() -> bool:
        text = (await gateway.request("GET", "/metrics"))[1].decode()
        return _metric(text, "gateway_notifications_sent_total") == \
            _metric(before, "gateway_notifications_sent_total") + 1

    await wait_for(sent_counted)
    status, body, response = await gateway.request("GET", "/metrics")
    text = body.decode()
    assert status == 200 and response.content_type == "text/plain"
    accepted = 'gateway_messages_accepted_total{category="invoice"}'
    assert _metric(text, accepted) == _metric(before, accepted) + 1
    assert _metric(text, 'gateway_outbox_queue_depth{status="sent"}') == 1
    assert _metric(text, 'gateway_outbox_queue_depth{status="pending"}') == 0
    assert "gateway_send_latency_seconds_bucket" in text


async def test_openapi_describes_exactly_the_served_routes(gateway: Gateway) -> None:
    status, served_doc, _ = await gateway.request("GET", "/api/v1/openapi.json")
    assert status == 200 and served_doc == DOCUMENT
    app = gateway.server.app
    served = set()
    for route in app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if path.startswith("/api/") or path in ("/healthz", "/readyz", "/metrics"):
            served.add((route.method.lower(), path))
    documented = {(method, path) for path, ops in DOCUMENT["paths"].items() for method in ops}
    assert served == documented
    # The scope each operation documents is the scope its handler enforces.
    for route in app.router.routes():
        path = route.resource.canonical if route.resource else ""
        operation = DOCUMENT["paths"].get(path, {}).get(route.method.lower())
        if operation and "security" in operation:
            assert operation["security"] == [{"apiKey": [route.handler.scope]}], path


def test_every_documented_api_error_is_problem_json() -> None:
    for path, operations in DOCUMENT["paths"].items():
        if not path.startswith("/api/"):
            continue
        for operation in operations.values():
            for code, response in operation["responses"].items():
                if int(code) >= 400:
                    assert "application/problem+json" in response["content"], (path, code)
