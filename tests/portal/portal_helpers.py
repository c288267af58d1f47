"""Helpers for the portal tests: a cookie-explicit HTTP client, billing-API set-up, a gateway on a
chosen port (so GATEWAY_PUBLIC_URL can be the real address, as the OIDC redirect URI needs)."""

from __future__ import annotations

import base64
import dataclasses
import re
import socket
from html import unescape
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

from gateway.web.app import make_app
from gateway.delivery.devmail import MailSink
from gateway.web.services import Services
from gateway.settings import Settings
from tests.support.service import Gateway

PDF = b"%PDF-1.4\nCANARY-ATTACHMENT-BYTES\n%%EOF\n"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def start_on_port(settings: Settings, sink: MailSink, port: int, *, run_worker: bool = True) -> Gateway:
    services = Services.build(settings)
    server = TestServer(make_app(services, run_worker=run_worker), host="127.0.0.1", port=port)
    await server.start_server()
    return Gateway(services, server, aiohttp.ClientSession(), sink)


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


async def add_customer(gw: Gateway, token: str, customer_id: str, *, language: str = "nb",
                       national_id: str | None = None, email: str | None = None, **extra: Any) -> None:
    body: dict[str, Any] = {"email": email or f"{customer_id}@example.no", "name": f"Name of {customer_id}",
                            "language": language, **extra}
    if national_id:
        body["national_id"] = national_id
    status, answer, _ = await gw.request("PUT", f"/api/v1/customers/{customer_id}", token=token, json=body)
    assert status in (200, 201), answer


async def send(gw: Gateway, token: str, customer_id: str, key: str, *, subject: str = "Subject",
               body: str = "Body text", attachment: tuple[str, str, bytes] | None = ("faktura.pdf",
               "application/pdf", PDF), **extra: Any) -> str:
    notice: dict[str, Any] = {"customer_id": customer_id, "category": "invoice", "subject": subject,
                              "body": body, **extra}
    if attachment is not None:
        name, ctype, content = attachment
        notice["attachments"] = [{"filename": name, "content_type": ctype,
                                  "content_base64": base64.b64encode(content).decode()}]
    status, answer, _ = await gw.request("POST", "/api/v1/messages", token=token, json=notice,
                                         headers={"Idempotency-Key": key})
    assert status == 201, answer
    return answer["id"]


ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
