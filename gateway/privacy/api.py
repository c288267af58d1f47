"""The privacy API for machine clients: erasure and access (export) of one customer."""

from __future__ import annotations

from aiohttp import web

from gateway.privacy import erasure
from gateway.privacy.context import PRIVACY
from gateway.rest.auth import API_KEY, requires


@requires("customers:erase")
async def delete_customer(request: web.Request) -> web.Response:
    """Erase a customer: 204 whether this call erased them or they already were (idempotent)."""
    ctx = request.app[PRIVACY]
    await erasure.erase(ctx.engine, ctx.crypto, ctx.settings.erasure_log_file, request.match_info["customer_id"],
                        actor=f"api_key:{request[API_KEY].id}")
    return web.Response(status=204)
