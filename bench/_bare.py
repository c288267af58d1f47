"""The baseline for bench/ingest_http.py: a bare aiohttp JSON handler in its own process(es).

POST /api/v1/messages parses the JSON body and answers 201 {"id", "status"}; nothing else.
GET /bare answers a small HTML page: the baseline for bench/portal_open.py.
`_bare.py PORT [PROCESSES]`: with PROCESSES > 1, that many forked copies each listen on the port with
SO_REUSEPORT, the way `gateway serve` runs with GATEWAY_SERVE_PROCESSES, so both sides get the same
cores and the same spread of connections.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import socket
import sys

from aiohttp import web


async def post_message(request: web.Request) -> web.Response:
    body = json.loads(await request.read())
    if not isinstance(body, dict):
        return web.json_response({"error": "object expected"}, status=400)
    return web.json_response({"id": secrets.token_urlsafe(16), "status": "pending"}, status=201)


PAGE = "<!doctype html><html lang=en><title>bare</title><p>" + "x" * 2000 + "</p></html>"


async def page(request: web.Request) -> web.Response:
    return web.Response(text=PAGE, content_type="text/html")


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def _stop_when_orphaned(app: web.Application) -> None:
    parent = os.getppid()

    async def watch() -> None:
        while os.getppid() == parent:
            await asyncio.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)

    app["orphan_watch"] = asyncio.get_running_loop().create_task(watch())


def run(sock: socket.socket, forked: bool = False) -> None:
    app = web.Application()
    if forked:  # a copy whose parent is gone (killed by the bench) must not keep the port
        app.on_startup.append(_stop_when_orphaned)
    app.router.add_post("/api/v1/messages", post_message)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/bare", page)
    web.run_app(app, sock=sock, print=None, access_log=None)


def listen(port: int, reuse_port: bool) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(1024)
    return sock


def main() -> None:
    port, processes = int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 1
    if processes == 1:
        run(listen(port, reuse_port=False))
        return
    children = []
    for _ in range(processes):
        pid = os.fork()
        if pid == 0:
            run(listen(port, reuse_port=True), forked=True)
            os._exit(0)
        children.append(pid)
    signal.signal(signal.SIGTERM, lambda *_: [os.kill(c, signal.SIGTERM) for c in children])
    for child in children:
        os.waitpid(child, 0)


if __name__ == "__main__":
    main()
