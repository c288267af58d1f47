"""Delivery feedback inside the app: the callback dispatcher beside the outbox worker, and (when
GATEWAY_INBOUND_IN_SERVE) the inbound SMTP server, both started and stopped with the application."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from aiohttp import web

from gateway.callbacks.dispatch import Dispatcher
from gateway.inbound import InboundHandler, InboundServer
from gateway.web.services import Services

DISPATCHER = web.AppKey("callback_dispatcher", Dispatcher)
INBOUND = web.AppKey("inbound_server", InboundServer)


def run_dispatcher(app: web.Application, services: Services) -> None:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        dispatcher = Dispatcher(services.engine, services.crypto.keyring, services.settings, clock=services.clock)
        stop = asyncio.Event()
        app[DISPATCHER] = dispatcher
        task = asyncio.create_task(dispatcher.run(stop), name="callback-dispatcher")
        yield
        stop.set()
        await task

    app.cleanup_ctx.append(ctx)


def run_inbound(app: web.Application, services: Services) -> None:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        s = services.settings
        handler = InboundHandler(services.engine, services.crypto, s, services.dkim, services.clock)
        server = app[INBOUND] = await InboundServer(handler, s.inbound_host, s.inbound_port).start()
        yield
        await server.stop()

    app.cleanup_ctx.append(ctx)
