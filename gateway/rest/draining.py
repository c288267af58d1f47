"""Shutdown while a request body is still uploading.

On SIGTERM aiohttp stops listening and waits up to the shutdown timeout for running handlers. A
handler waiting for a slow client's body would hold the whole shutdown for that long and then be
dropped without an answer; instead it answers 503 (with Retry-After, connection closed) as soon as
the shutdown begins, and the client retries against a running instance."""

from __future__ import annotations

import asyncio

from aiohttp import web

STOPPING = web.AppKey("stopping", asyncio.Event)


def setup(app: web.Application) -> None:
    app[STOPPING] = asyncio.Event()

    async def stopping(app: web.Application) -> None:
        app[STOPPING].set()

    app.on_shutdown.append(stopping)


async def read_body(request: web.Request) -> bytes:
    """The whole body; answers 503 if the service starts stopping before it has arrived."""
    stopping = request.app.get(STOPPING)
    if stopping is None or request.content.is_eof():
        return await request.read()  # the usual case: the body came with the headers
    if stopping.is_set():
        raise _shutting_down(request)
    reading = asyncio.ensure_future(request.read())
    waiting = asyncio.ensure_future(stopping.wait())
    try:
        await asyncio.wait((reading, waiting), return_when=asyncio.FIRST_COMPLETED)
    except BaseException:  # the request itself was cancelled (the client went away)
        reading.cancel()
        raise
    finally:
        waiting.cancel()
    if not reading.done():
        reading.cancel()
        raise _shutting_down(request)
    return reading.result()  # raises 413 over client_max_size, as request.read() does


def _shutting_down(request: web.Request) -> web.HTTPServiceUnavailable:
    return web.HTTPServiceUnavailable(reason="The service is shutting down; retry the request",
                                      headers={"Retry-After": "1", "Connection": "close"})
