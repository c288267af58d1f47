"""`gateway inbound`: the SMTP server for bounces and replies, in one process or, with
GATEWAY_INBOUND_PROCESSES=N > 1, in N forked copies that share the port with SO_REUSEPORT (the
kernel spreads connections over them), as `gateway serve` does. One copy is one event loop on one
core; aiosmtpd's per-command work, not the database, is what a report costs, so copies add reports
per second up to the cores there are. Each copy answers 250 only after the report is committed
(its own group commit), so a copy killed at any moment loses nothing it acknowledged. The
supervisor stops every copy on SIGTERM/SIGINT and, if one dies, stops the others and exits 1, so
the process manager restarts the whole service."""

from __future__ import annotations

import asyncio
import multiprocessing
import os

from gateway import logs
from gateway.cli.serve import _check_services, _stop_when_orphaned, _wait, check_port, check_schema
from gateway.cli.stopping import stop_on_signals
from gateway.settings import Settings

PORT_SETTING = "GATEWAY_INBOUND_HOST/GATEWAY_INBOUND_PORT"


def run(settings: Settings) -> int:
    logs.setup(settings.log_level)
    if settings.inbound_processes <= 1:
        check_port(settings.inbound_host, settings.inbound_port, PORT_SETTING)  # in use: one line, exit 1
        asyncio.run(_serve(settings, reuse_port=False, parent=None))
        return 0
    _check_services(settings)  # a bad key or template: one line and exit 1, before anything forks
    asyncio.run(check_schema(settings))
    check_port(settings.inbound_host, settings.inbound_port, PORT_SETTING)
    context = multiprocessing.get_context("fork")
    children = [context.Process(target=_child, args=(settings, os.getpid()), name=f"gateway-inbound-{i + 1}")
                for i in range(settings.inbound_processes)]
    for child in children:
        child.start()
    print(f"inbound SMTP on {settings.inbound_host}:{settings.inbound_port} "
          f"({settings.inbound_processes} processes)", flush=True)
    return _wait(children)


def _child(settings: Settings, parent: int) -> None:
    os.setpgrp()  # Ctrl-C reaches the supervisor only; it stops the copies with SIGTERM
    asyncio.run(_serve(settings, reuse_port=True, parent=parent))


async def _serve(settings: Settings, *, reuse_port: bool, parent: int | None) -> None:
    from gateway.inbound import InboundHandler, InboundServer
    from gateway.storage.migrate import require_current
    from gateway.web.services import Services

    services = Services.build(settings)
    await require_current(services.engine)
    stop = stop_on_signals()
    guard = asyncio.create_task(_stop_when_orphaned(parent)) if parent is not None else None
    handler = InboundHandler(services.engine, services.crypto, settings, services.dkim)
    server = await InboundServer(handler, settings.inbound_host, settings.inbound_port, reuse_port=reuse_port).start()
    if parent is None:
        print(f"inbound SMTP on {settings.inbound_host}:{server.port}", flush=True)
    try:
        await stop.wait()
    finally:
        if guard is not None:
            guard.cancel()
        await server.stop()
        await services.close()
