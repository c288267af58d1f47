"""`gateway serve`: the HTTP service (API, portal, operations) with the outbox worker in-process.

One Python process uses one CPU core. With GATEWAY_SERVE_PROCESSES=N > 1 this process becomes a
small supervisor: it checks the configuration and the schema once (so a mistake is still one line
and exit 1), checks that the port can be bound, and forks N copies of the service, each listening
on the port with SO_REUSEPORT: the kernel spreads new connections evenly over them. (One shared
listening socket does not: an event loop accepts every connection waiting at once, so a burst of
connections, say a proxy's or a client's keep-alive pool, went mostly to one copy, which then did
most of the work while the other idled.)
Each copy has its own event loop, database pool, caches and worker; nothing is shared but the
database, the port and the metrics files:

- Prometheus counters are kept in prometheus_client's multiprocess mode (files in
  PROMETHEUS_MULTIPROC_DIR or a private temporary folder, summed at scrape time), so /metrics
  answers the same from any copy.
- SIGTERM or SIGINT to the supervisor stops every copy gracefully (in-flight requests finish, the
  worker records or hands back its jobs) and waits for them.
- If a copy dies, the supervisor stops the others and exits 1, so the process manager (systemd,
  Kubernetes) restarts the whole service and the failure is visible, never silently degraded.
- A copy whose supervisor disappears (SIGKILL) notices within a second and stops itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from gateway import logs
from gateway.settings import ConfigError, Settings
from gateway.storage import make_engine
from gateway.storage.migrate import require_current

if TYPE_CHECKING:
    from aiohttp import web

log = logging.getLogger("gateway.serve")
SHUTDOWN_TIMEOUT = 30.0
PARENT_POLL_SECONDS = 1.0


def serve(settings: Settings, *, run_worker: bool = True) -> int:
    logs.setup(settings.log_level)
    if settings.serve_processes > 1:
        return _supervise(settings, run_worker)
    app = _build_app(settings, run_worker)
    asyncio.run(check_schema(settings))
    check_ports(settings)
    asyncio.run(run_app(app, settings))
    return 0


async def run_app(app: web.Application, settings: Settings, *, reuse_port: bool = False) -> None:
    """What `web.run_app` does, with the runner that answers malformed requests with problem+json
    (`rest/malformed.py`; run_app cannot be given a runner): listen until SIGTERM or SIGINT, then stop
    accepting, let requests in flight finish (up to SHUTDOWN_TIMEOUT) and run the app's clean-up
    (the worker records or hands back its jobs) before the loop's remaining tasks are cancelled."""
    from aiohttp import web

    from gateway.cli.stopping import stop_on_signals
    from gateway.rest.malformed import ProblemAppRunner

    stop = stop_on_signals()
    runner = ProblemAppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT)
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.host, settings.port, reuse_port=reuse_port or None).start()
        await stop.wait()
    finally:
        await runner.cleanup()


async def check_schema(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    try:
        await require_current(engine)
    finally:
        await engine.dispose()


def _build_app(settings: Settings, run_worker: bool, *, first: bool = True) -> web.Application:
    """Services (keys, templates, guard) are checked here: a refusal raises before anything runs.
    The inbound SMTP server (GATEWAY_INBOUND_IN_SERVE) runs in the first process only."""
    from gateway.web.app import make_app
    from gateway.web.services import Services

    return make_app(Services.build(settings), run_worker=run_worker,
                    run_inbound=settings.inbound_in_serve and first)


def _check_services(settings: Settings) -> None:
    """What _build_app checks, without keeping anything: the supervisor serves nothing itself."""
    from gateway.web.services import Services

    asyncio.run(Services.build(settings).close())


# ---------------------------------------------------------------- supervisor


def _supervise(settings: Settings, run_worker: bool) -> int:
    metrics_dir, ours = _use_multiprocess_metrics()
    try:
        _check_services(settings)  # refuse bad keys or templates before forking anything
        _check_schema_apart(settings)
        check_ports(settings)
        _share_with_copies()
        context = multiprocessing.get_context("fork")
        children = [context.Process(target=_child, args=(settings, run_worker, os.getpid(), i == 0),
                                    name=f"gateway-serve-{i + 1}", daemon=False)
                    for i in range(settings.serve_processes)]
        for child in children:
            child.start()
        log.info("serving", extra={"processes": len(children), "pids": [c.pid for c in children]})
        return _wait(children)
    finally:
        if ours:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _check_schema_apart(settings: Settings) -> None:
    """check_schema in a short-lived forked child, so that the supervisor, whose memory the copies
    share, never imports Alembic (about 11 MB in every process of the tree, used only for this
    check). A schema out of date is refused as before: SchemaOutOfDate, one line, exit 1."""
    from gateway.storage.migrate import SchemaOutOfDate

    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_schema_child, args=(settings, send), name="gateway-schema-check")
    child.start()
    send.close()
    try:
        problem = receive.recv() if receive.poll(SHUTDOWN_TIMEOUT + 30) else "the schema check did not answer"
    except EOFError:
        problem = "the schema check ended without an answer"
    finally:
        receive.close()
        child.join(10)
        if child.exitcode is None:
            child.kill()
            child.join()
    if problem is not None:
        raise SchemaOutOfDate(problem)


def _schema_child(settings: Settings, send: Connection) -> None:
    from gateway.storage.migrate import SchemaOutOfDate

    try:
        asyncio.run(check_schema(settings))
    except SchemaOutOfDate as exc:
        send.send(str(exc))
    except Exception as exc:  # noqa: BLE001 - any failure is the answer, one line naming only its kind
        send.send(f"the database schema could not be checked ({type(exc).__name__})")
    else:
        send.send(None)
    finally:
        send.close()


def _share_with_copies() -> None:
    """Before forking: collect what the checks left, then freeze what remains (the imported code,
    the guard's model) out of the garbage collector's reach. The copies share these pages with the
    supervisor only while nobody writes to them, and a collection in a copy writes to the header of
    every object it examines: unfrozen, each copy's first full collections would copy most of the
    shared heap into private memory (measured: see docs/performance.md, the billing run)."""
    gc.collect()
    gc.freeze()


def _use_multiprocess_metrics() -> tuple[str, bool]:
    """The folder for the metrics files: PROMETHEUS_MULTIPROC_DIR if the operator set it
    (prometheus_client's own convention; emptied, since counters restart with the service),
    else a private temporary one. Returns it and whether it is ours to remove."""
    # prometheus_client picks its value store when first imported; it must not be imported yet.
    if "prometheus_client" in sys.modules:
        raise RuntimeError("prometheus_client was imported before the multiprocess set-up")
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        os.makedirs(given, exist_ok=True)
        for stale in Path(given).glob("*.db"):
            stale.unlink()
        return given, False
    path = tempfile.mkdtemp(prefix="gateway-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    return path, True


def check_ports(settings: Settings) -> None:
    """The HTTP port, and the inbound SMTP port when serve runs it (GATEWAY_INBOUND_IN_SERVE)."""
    check_port(settings.host, settings.port)
    if settings.inbound_in_serve:
        check_port(settings.inbound_host, settings.inbound_port, "GATEWAY_INBOUND_HOST/GATEWAY_INBOUND_PORT")


def check_port(host: str, port: int, setting: str = "GATEWAY_HOST/GATEWAY_PORT") -> None:
    """Fail with one line if nothing could listen on the port (in use, no such address). Bound
    without SO_REUSEPORT, so a port another `gateway serve` already shares is refused too."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
            sock.listen(1)
    except OSError as exc:
        raise ConfigError(f"{setting}: cannot listen on {host}:{port} ({exc.strerror})") from None


def _wait(children: Sequence[BaseProcess]) -> int:
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        if not stopping:  # once: a second SIGTERM would cut a copy's graceful shutdown short
            stopping = True
            _signal_all(children, signal.SIGTERM)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)
    try:
        ready = wait([c.sentinel for c in children])  # returns when the first copy exits
        failed = not stopping
        if failed:
            dead = next(c for c in children if c.sentinel in ready)
            dead.join()  # its pipe may close a moment before it can be reaped
            log.error("serve process died; stopping the others", extra={"pid": dead.pid, "exit_code": dead.exitcode})
    finally:
        if not stopping:  # whatever happened here, no copy is left running
            _signal_all(children, signal.SIGTERM)
        for child in children:
            child.join(SHUTDOWN_TIMEOUT + 10)
        for child in children:
            if child.exitcode is None:
                child.kill()
                child.join()
    return 1 if failed or any(c.exitcode != 0 for c in children) else 0


def _signal_all(children: Sequence[BaseProcess], sig: int) -> None:
    for child in children:
        if child.exitcode is None and child.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, sig)


# ---------------------------------------------------------------- one copy


def _child(settings: Settings, run_worker: bool, parent: int, first: bool) -> None:
    os.setpgrp()  # Ctrl-C reaches the supervisor only; it stops the copies with SIGTERM
    app = _build_app(settings, run_worker, first=first)

    async def orphan_guard(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(_stop_when_orphaned(parent))
        yield
        task.cancel()

    app.cleanup_ctx.append(orphan_guard)
    asyncio.run(run_app(app, settings, reuse_port=True))


async def _stop_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        await asyncio.sleep(PARENT_POLL_SECONDS)
    log.error("supervisor gone; stopping", extra={"pid": os.getpid()})
    os.kill(os.getpid(), signal.SIGTERM)
