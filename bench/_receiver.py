"""The callback receiver for bench/feedback.py: an aiohttp server in its own process.

    python bench/_receiver.py PORT STATS_FILE

Answers every POST /hook with 204 and keeps only a count and the monotonic times of the first and
last request (CLOCK_MONOTONIC is system-wide on Linux). GET /stats answers (and writes to
STATS_FILE) {"count", "first", "last"} and starts a new count. STATS_FILE is written once with
count 0 when the server is listening."""

from __future__ import annotations

import json
import os
import sys
import time

from aiohttp import web


def main() -> None:
    port, stats_file = int(sys.argv[1]), sys.argv[2]
    state = {"count": 0, "first": 0.0, "last": 0.0}

    def write() -> None:
        with open(stats_file + ".tmp", "w") as out:
            json.dump(state, out)
        os.replace(stats_file + ".tmp", stats_file)

    async def hook(request: web.Request) -> web.Response:
        await request.read()
        now = time.monotonic()
        if not state["count"]:
            state["first"] = now
        state["count"] += 1
        state["last"] = now
        return web.Response(status=204)

    async def stats(request: web.Request) -> web.Response:
        """The figures so far, and a new count from here."""
        write()
        answer = web.json_response(dict(state))
        state.update(count=0, first=0.0, last=0.0)
        return answer

    async def ready(app: web.Application) -> None:
        write()

    app = web.Application()
    app.router.add_post("/hook", hook)
    app.router.add_get("/stats", stats)
    app.on_startup.append(ready)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    main()
