"""Helpers for tests that run the real service: settings, a running gateway, polling."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
from aiohttp.web_runner import BaseRunner

from gateway.clock import SYSTEM, Clock
from gateway.delivery.devmail import MailSink
from gateway.rest import apikeys
from gateway.rest.malformed import ProblemAppRunner
from gateway.settings import Settings
from gateway.web.app import make_app
from gateway.web.services import Services

ROOT = Path(__file__).resolve().parents[2]


def make_settings(database_url: str, keys_dir: Path, sink: MailSink, **overrides: Any) -> Settings:
    base = Settings(
        database_url=database_url,
        keys_dir=str(keys_dir),
        templates_dir=str(ROOT / "templates"),
        smtp_host=sink.host,
        smtp_port=sink.port,
        public_url="https://min.example.no",
        mail_from="Eksempel Kraft <no-reply@kraft.example.no>",
        retry_base_seconds=0.05,
        lease_seconds=30,
        send_rate_per_second=10_000,
        smtp_timeout_seconds=5,
    )
    return dataclasses.replace(base, **overrides)


class GatewayTestServer(TestServer):
    """aiohttp's TestServer with the runner `gateway serve` uses, so tests see what clients see
    (malformed requests answered as problem+json, rest/malformed.py), and no access log, as in serve."""

    async def _make_runner(self, **kwargs: Any) -> BaseRunner:
        return ProblemAppRunner(self.app, **{"access_log": None, **kwargs})


@dataclasses.dataclass
class Gateway:
    """A running service on loopback, with helpers that talk to it like a client would."""

    services: Services
    server: TestServer
    http: aiohttp.ClientSession
    sink: MailSink

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))

    async def token(self, *scopes: str, name: str = "billing") -> str:
        _, secret = await apikeys.create(self.services.engine, name, frozenset(scopes or apikeys.SCOPES))
        return secret

    async def request(self, method: str, path: str, *, token: str | None = None,
                      headers: dict[str, str] | None = None, **kwargs: Any) -> tuple[int, Any, Any]:
        all_headers = dict(headers or {})
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        async with self.http.request(method, self.url(path), headers=all_headers, **kwargs) as response:
            body: Any = await response.read()
            if response.content_type in ("application/json", "application/problem+json"):
                body = await response.json(content_type=None)
            return response.status, body, response


async def start_gateway(settings: Settings, sink: MailSink, *, run_worker: bool = True, clock: Clock = SYSTEM,
                        port: int | None = None) -> Gateway:
    """The service on loopback (on `port`, when the URL must be known before it starts), keeping
    time by `clock` (a FakeClock lets a test move time instead of waiting for it)."""
    services = Services.build(settings, clock)
    server = GatewayTestServer(make_app(services, run_worker=run_worker), host="127.0.0.1", port=port)
    await server.start_server()
    return Gateway(services, server, aiohttp.ClientSession(), sink)


async def stop_gateway(gateway: Gateway) -> None:
    await gateway.http.close()
    await gateway.server.close()
    await gateway.services.close()


async def wait_for(predicate: Callable[[], Awaitable[bool] | bool], timeout: float = 15.0,
                   interval: float = 0.05) -> None:
    """Poll until predicate() is true; fail the test with a clear message on timeout."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)
