"""The privacy API for machine clients: erasure and access (export) of one customer."""

from __future__ import annotations

from aiohttp import web

from gateway import audit
from gateway.clock import SYSTEM
from gateway.privacy import erasure, export, retention
from gateway.privacy.context import PRIVACY
from gateway.rest.auth import API_KEY, requires
from gateway.storage import reading


@requires("customers:erase")
async def delete_customer(request: web.Request) -> web.Response:
    """Erase a customer: 204 whether this call erased them or they already were (idempotent)."""
    ctx = request.app[PRIVACY]
    await erasure.erase(ctx.engine, ctx.crypto, ctx.settings.erasure_log_file, request.match_info["customer_id"],
                        actor=f"api_key:{request[API_KEY].id}")
    return web.Response(status=204)


@requires("customers:export")
async def export_customer(request: web.Request) -> web.StreamResponse:
    """The right of access for billing/customer service: the portal's ZIP, streamed."""
    ctx = request.app[PRIVACY]
    customer_id = request.match_info["customer_id"]
    erasure.check_id(customer_id)
    response = web.StreamResponse(headers={
        "Content-Type": "application/zip", "Cache-Control": "no-store",
        "Content-Disposition": 'attachment; filename="customer-export.zip"'})

    async def write(chunk: bytes) -> None:
        if not response.prepared:
            await response.prepare(request)
        await response.write(chunk)

    async with reading(ctx.engine) as conn:
        summary = await export.write_zip(conn, ctx.crypto, customer_id, write, now=SYSTEM.now(),
                                         policy=retention.policy_from(ctx.settings))
    async with ctx.engine.begin() as conn:
        await audit.append(conn, audit.Entry(f"api_key:{request[API_KEY].id}", "customer.export", customer_id,
                                             {"messages": summary.messages, "attachments": summary.attachments}))
    await response.write_eof()
    return response
