"""The machine client's status callback: PUT sets its URL (and tells it the signing secret), GET
shows it with the state of its events, POST …/replay sends given-up (or all) events again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy import func, select

from gateway.billing.api import read_json
from gateway.billing.context import BILLING
from gateway.callbacks import get_callback, put_callback, replay
from gateway.callbacks.registry import check_url
from gateway.errors import NotFound, ValidationFailed
from gateway.rest.auth import API_KEY, requires
from gateway.storage import reading
from gateway.storage.schema import callback_events


@requires("messages:read")
async def put_callbacks(request: web.Request) -> web.Response:
    services = request.app[BILLING]
    body = await read_json(request)
    if not isinstance(body, dict) or not set(body) <= {"url", "rotate_secret"} or "url" not in body:
        raise ValidationFailed([{"field": "url", "detail": "the body must be {\"url\": …, \"rotate_secret\": false}"}])
    rotate = body.get("rotate_secret", False)
    if not isinstance(rotate, bool):
        raise ValidationFailed([{"field": "rotate_secret", "detail": "must be true or false"}])
    url = check_url(body["url"], production=services.settings.is_production)
    callback = await put_callback(services.engine, services.crypto.keyring, request[API_KEY].id, url, rotate=rotate)
    return web.json_response({"url": callback.url, "secret": callback.secret}, status=201 if callback.created else 200)


@requires("messages:read")
async def get_callbacks(request: web.Request) -> web.Response:
    services = request.app[BILLING]
    client_id = request[API_KEY].id
    callback = await get_callback(services.engine, services.crypto.keyring, client_id)
    if callback is None:
        raise NotFound("No callback URL is set for this API key")
    async with reading(services.engine) as conn:
        rows = await conn.execute(select(callback_events.c.status, func.count())
                                  .where(callback_events.c.client_id == client_id).group_by(callback_events.c.status))
        events = {"pending": 0, "delivered": 0, "failed": 0}
        events.update({status: n for status, n in rows})
    return web.json_response({"url": callback.url, "events": events})


@requires("messages:read")
async def post_replay(request: web.Request) -> web.Response:
    """Body: {"message_id"?, "since"?, "include_delivered"?}. Events come again in their order."""
    services = request.app[BILLING]
    body = await read_json(request)
    if not isinstance(body, dict) or not set(body) <= {"message_id", "since", "include_delivered"}:
        raise ValidationFailed([{"field": "body", "detail": "only message_id, since and include_delivered"}])
    since = _since(body.get("since"))
    message_id = body.get("message_id")
    if message_id is not None and not isinstance(message_id, str):
        raise ValidationFailed([{"field": "message_id", "detail": "must be a string"}])
    include = body.get("include_delivered", False)
    if not isinstance(include, bool):
        raise ValidationFailed([{"field": "include_delivered", "detail": "must be true or false"}])
    count = await replay(services.engine, client_id=request[API_KEY].id, message_id=message_id, since=since,
                         include_delivered=include, actor=f"api_key:{request[API_KEY].id}")
    return web.json_response({"replayed": count})


def _since(value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise ValidationFailed([{"field": "since", "detail": "must be an RFC 3339 timestamp with a zone"}])
    return parsed
