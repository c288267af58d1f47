"""The machine client's status callback: PUT sets its URL (and tells it the signing secret), GET
shows it with the state of its events, POST …/replay sends given-up (or all) events again. Bodies
are declared in callback_schemas.py."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import func, select

from gateway.billing import callback_schemas as schemas
from gateway.billing.context import BILLING
from gateway.callbacks import get_callback, put_callback, replay
from gateway.callbacks.registry import check_url
from gateway.errors import GatewayError, NotFound
from gateway.rest.auth import API_KEY, requires
from gateway.storage import reading
from gateway.storage.schema import callback_events


async def _body(request: web.Request) -> bytes:
    if request.content_type != "application/json":
        raise GatewayError("The request body must be application/json")
    return await request.read()  # raises 413 over client_max_size


@requires("messages:read")
async def put_callbacks(request: web.Request) -> web.Response:
    services = request.app[BILLING]
    body = schemas.decode(schemas.CallbackRequest, await _body(request))
    url = check_url(body.url, production=services.settings.is_production)
    callback = await put_callback(services.engine, services.crypto.keyring, request[API_KEY].id, url,
                                  rotate=body.rotate_secret)
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
    """Events come again in their order per message."""
    services = request.app[BILLING]
    body = schemas.decode(schemas.ReplayRequest, await _body(request))
    client_id = request[API_KEY].id
    count = await replay(services.engine, client_id=client_id,
                         message_id=body.message_id if isinstance(body.message_id, str) else None,
                         since=None if body.since is schemas.UNSET else schemas.since_utc(body.since),
                         include_delivered=body.include_delivered, actor=f"api_key:{client_id}")
    return web.json_response({"replayed": count})
