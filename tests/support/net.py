"""Loopback networking for tests: a free port, and polling a URL until it shows something."""

from __future__ import annotations

import socket

import aiohttp


def free_port() -> int:
    """A port nobody listens on right now (bound and released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def page_shows(http: aiohttp.ClientSession, url: str, text: str) -> bool:
    """Whether GET `url` answers with a body containing `text`; False while nothing listens
    there yet. For wait_for: `await wait_for(lambda: page_shows(http, url, "ready"))`."""
    try:
        async with http.get(url) as response:
            return text in await response.text()
    except aiohttp.ClientConnectionError:
        return False
