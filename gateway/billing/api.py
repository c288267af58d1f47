"""The machine-client API: customers, messages, batches and status."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gateway import customers, metrics
from gateway.billing import rules
from gateway.billing.context import BILLING
from gateway.billing.group_commit import create_many
from gateway.billing.intake import Outcome
from gateway.billing.messages import MessageInput
from gateway.billing.status import status
from gateway.delivery.queue import notify
from gateway.errors import GatewayError
from gateway.rest.auth import API_KEY, requires
from gateway.rest.problems import error_dict, instance_of, problem


@requires("customers:write")
async def put_customer(request: web.Request) -> web.Response:
    services = request.app[BILLING]
    customer_id = request.match_info["customer_id"]
    data = rules.customer(customer_id, await rules.read_body(request))
    created = await customers.upsert(services.engine, services.crypto, customer_id,
                                     data, actor=f"api_key:{request[API_KEY].id}")
    # Personal data is never echoed back: the id is all the client needs.
    return web.json_response({"id": customer_id}, status=201 if created else 200)


@requires("messages:write")
async def post_message(request: web.Request) -> web.Response:
    services = request.app[BILLING]
    if "Idempotency-Key" not in request.headers:
        return problem(400, "The Idempotency-Key header is required", instance=instance_of(request))
    key = rules.idempotency_key(request.headers["Idempotency-Key"])
    item = rules.message(await rules.read_body(request), services.settings.max_attachment_bytes)
    [outcome] = await create_many(services, request[API_KEY].id, [(key, item)])
    if outcome.error is not None:
        metrics.rejected.labels(outcome.error.type).inc()
        raise outcome.error
    if not outcome.replayed:
        metrics.accepted.labels(item.category).inc()
        notify(request.app)
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
    return web.json_response({"id": outcome.id, "status": outcome.status}, status=201, headers=headers)


@requires("messages:write")
async def post_batch(request: web.Request) -> web.Response:
    services = request.app[BILLING]
    parsed = rules.batch(await rules.read_body(request), services.settings.max_attachment_bytes)
    valid = [p for p in parsed if not isinstance(p, GatewayError)]
    stored = iter(await create_many(services, request[API_KEY].id, valid))
    results = []
    for entry in parsed:
        outcome = Outcome(error=entry) if isinstance(entry, GatewayError) else next(stored)
        results.append(_batch_result(outcome, None if isinstance(entry, GatewayError) else entry[1]))
    notify(request.app)
    return web.json_response({"results": results})


def _batch_result(outcome: Outcome, item: MessageInput | None) -> dict[str, Any]:
    if outcome.error is not None:
        metrics.rejected.labels(outcome.error.type).inc()
        return {"error": error_dict(outcome.error)}
    if not outcome.replayed and item is not None:
        metrics.accepted.labels(item.category).inc()
    return {"id": outcome.id, "status": outcome.status}


@requires("messages:read")
async def get_message(request: web.Request) -> web.Response:
    return web.json_response(await status(request.app[BILLING], request.match_info["message_id"]))
