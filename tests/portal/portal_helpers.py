"""Helpers for the portal tests: a cookie-explicit HTTP client (customers and messages come from
tests/support/factories.py; a gateway on a chosen port from start_gateway(port=...))."""

from __future__ import annotations

import dataclasses
import re
from html import unescape
from typing import Any

import aiohttp

from tests.support.service import Gateway

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclasses.dataclass
class Page:
    status: int
    headers: Any
    body: bytes
    url: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def csrf(self) -> str:
        match = _CSRF.search(self.text)
        assert match, "no CSRF token on the page"
        return unescape(match.group(1))

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")


class PortalClient:
    """A browser-like client that keeps exactly one session cookie, explicitly (no cookie jar)."""

    def __init__(self, gw: Gateway, cookie_name: str | None = None) -> None:
        self.gw = gw
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
        self.cookie_name = cookie_name or gw.server.app[_state_key()].cookie.name
        self.cookie: str | None = None
        self.last: Page | None = None

    async def close(self) -> None:
        await self.http.close()

    async def request(self, method: str, path: str, *, data: dict[str, Any] | None = None,
                      headers: dict[str, str] | None = None, cookie: str | None = None) -> Page:
        all_headers = dict(headers or {})
        value = cookie if cookie is not None else self.cookie
        if value:
            all_headers["Cookie"] = f"{self.cookie_name}={value}"
        async with self.http.request(method, self.gw.url(path), data=data, headers=all_headers,
                                     allow_redirects=False) as resp:
            body = await resp.read()
            for header in resp.headers.getall("Set-Cookie", []):
                name, _, rest = header.partition("=")
                if name == self.cookie_name:
                    new_value = rest.split(";", 1)[0].strip('"')
                    self.cookie = new_value or None
            page = Page(resp.status, resp.headers, body, path)
        self.last = page
        return page

    async def get(self, path: str, **kw: Any) -> Page:
        return await self.request("GET", path, **kw)

    async def post(self, path: str, data: dict[str, Any] | None = None, *, csrf: str | None = "auto",
                   **kw: Any) -> Page:
        form = dict(data or {})
        if csrf == "auto":
            assert self.last is not None
            form["csrf_token"] = self.last.csrf
        elif csrf is not None:
            form["csrf_token"] = csrf
        return await self.request("POST", path, data=form, **kw)

    async def sign_in(self, customer_id: str, *, level: str = "substantial", next_path: str = "/portal/") -> Page:
        page = await self.get("/portal/login?next=" + next_path)
        assert page.status == 200, page.status
        return await self.post("/portal/login/dev", {"customer_id": customer_id, "level": level,
                                                     "next": next_path})


def _state_key() -> Any:
    from gateway.portal.state import STATE
    return STATE

