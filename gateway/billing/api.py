"""The machine-client API: customers, messages, batches and status."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from gateway import customers, metrics
from gateway.billing import messages
from gateway.billing.context import BILLING
from gateway.billing.group_commit import create_many
from gateway.billing.intake import Outcome
from gateway.billing.messages import MessageInput
from gateway.billing.status import status
from gateway.delivery.queue import notify
from gateway.errors import GatewayError, ValidationFailed
from gateway.rest.auth import API_KEY, requires
from gateway.rest.problems import error_dict, problem

MAX_BATCH = 1000


async def read_json(request: web.Request) -> Any:
    if request.content_type != "application/json":
        raise GatewayError("The request body must be application/json")
    raw = await request.read()  # raises 413 over client_max_size
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise GatewayError("The request body is not valid JSON") from None


@requires("customers:write")
async def put_customer(request: web.Request) -> web.Response:
    services = request.app[BILLING]
    data = customers.parse_customer(request.match_info["customer_id"], await read_json(request))
    created = await customers.upsert(services.engine, services.crypto, request.match_info["customer_id"],
                                     data, actor=f"api_key:{request[API_KEY].id}")
    # Personal data is never echoed back: the id is all the client needs.
    return web.json_response({"id": request.match_info["customer_id"]}, status=201 if created else 200)


def _idempotency_key(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value or len(value) > messages.MAX_IDEMPOTENCY_KEY \
            or not value.isprintable() or not value.isascii():
        raise ValidationFailed([{"field": field, "detail": "must be 1-255 printable ASCII characters"}])
    return value


@requires("messages:write")
async def post_message(request: web.Request) -> web.Response:
    services = request.app[BILLING]
    if "Idempotency-Key" not in request.headers:
        return problem(400, "The Idempotency-Key header is required", instance=request.path)
    key = _idempotency_key(request.headers["Idempotency-Key"], "Idempotency-Key")
    item = messages.parse_message(await read_json(request), services.settings.max_attachment_bytes)
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
    body = await read_json(request)
    if not isinstance(body, dict) or set(body) != {"messages"} or not isinstance(body["messages"], list):
        raise ValidationFailed([{"field": "messages", "detail": "the body must be {\"messages\": [...]}"}])
    items = body["messages"]
    if not 1 <= len(items) <= MAX_BATCH:
        raise ValidationFailed([{"field": "messages", "detail": f"must hold 1 to {MAX_BATCH} messages"}])
    parsed: list[tuple[str, MessageInput] | GatewayError] = [
        _parse_batch_item(item, index, services.settings.max_attachment_bytes)
        for index, item in enumerate(items)
    ]
    valid = [p for p in parsed if not isinstance(p, GatewayError)]
    stored = iter(await create_many(services, request[API_KEY].id, valid))
    results = []
    for entry in parsed:
        outcome = Outcome(error=entry) if isinstance(entry, GatewayError) else next(stored)
        results.append(_batch_result(outcome, None if isinstance(entry, GatewayError) else entry[1]))
    notify(request.app)
    return web.json_response({"results": results})


def _parse_batch_item(item: Any, index: int, max_attachment_bytes: int) -> tuple[str, MessageInput] | GatewayError:
    try:
        if not isinstance(item, dict):
            raise ValidationFailed([{"field": f"messages[{index}]", "detail": "must be a JSON object"}])
        fields = dict(item)
        key = _idempotency_key(fields.pop("idempotency_key", None), "idempotency_key")
        return key, messages.parse_message(fields, max_attachment_bytes)
    except GatewayError as exc:
        return exc


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
