"""`gateway serve` without the in-process outbox worker, for the ingest benchmarks.

Identical to `gateway serve` (gateway.cli.cmd_serve: same settings, logging, Services, schema check,
make_app, run_app options) except make_app(..., run_worker=False), an option the app already has (the
tests use it). With the worker in-process, its claim transactions would compete with ingest for the
SQLite write lock and the CPU; the benchmark measures ingest alone.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from gateway import logs
from gateway.app import make_app
from gateway.cli import _check_schema
from gateway.services import Services
from gateway.settings import Settings


def main() -> None:
    settings = Settings.load()
    logs.setup(settings.log_level)
    services = Services.build(settings)
    asyncio.run(_check_schema(settings))
    web.run_app(make_app(services, run_worker=False), host=settings.host, port=settings.port, print=None,
                access_log=None, shutdown_timeout=30)


if __name__ == "__main__":
    main()
