"""The baseline for bench/ingest_http.py: a bare aiohttp JSON handler in its own process.

POST /api/v1/messages parses the JSON body and answers 201 {"id", "status"}; nothing else.
"""

from __future__ import annotations

import json
import secrets
import sys

from aiohttp import web


async def post_message(request: web.Request) -> web.Response:
    body = json.loads(await request.read())
    if not isinstance(body, dict):
        return web.json_response({"error": "object expected"}, status=400)
    return web.json_response({"id": secrets.token_urlsafe(16), "status": "pending"}, status=201)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def main() -> None:
    app = web.Application()
    app.router.add_post("/api/v1/messages", post_message)
    app.router.add_get("/healthz", healthz)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)


if __name__ == "__main__":
    main()
