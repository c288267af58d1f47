"""Requests aiohttp's parser refuses (or that are not HTTP/1.x) get an RFC 9457 problem, never the
plain-text 400 that echoed the bad line: no byte of the request in the answer or in the logs, the
connection closed, the service still serving. Real servers on loopback, raw bytes over a socket."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from dataclasses import dataclass
from pathlib import Path

import pytest

from gateway.delivery.devmail import MailSink
from tests.support.live import LiveGateway
from tests.support.net import free_port
from tests.support.processes import start_worker
from tests.support.service import Gateway, make_settings, wait_for

MARKER = "01019012345"  # shaped like a fødselsnummer: what a careless client might put in a URL or header
HEAD = "Host: 127.0.0.1\r\n"
MALFORMED = "urn:gateway:problem:malformed-request"


@dataclass(frozen=True)
class Case:
    raw: bytes
    status: int
    detail: str  # a word the detail must contain: the fault is named, the bytes are not


def _case(text: str, status: int, detail: str) -> Case:
    return Case(text.encode("utf-8"), status, detail)


CASES = {
    "extra token in the request line": _case(f"GET /{MARKER} HTTP/1.1 x\r\n{HEAD}\r\n", 400, "request line"),
    "space in the target": _case(f"GET /a {MARKER} HTTP/1.1\r\n{HEAD}\r\n", 400, "request line"),
    "unknown HTTP version": _case(f"GET /{MARKER} HTTP/1.{MARKER}\r\n{HEAD}\r\n", 400, "request line"),
    "invalid method": _case(f"G{MARKER}@T / HTTP/1.1\r\n{HEAD}\r\n", 400, "method"),
    "non-ASCII in the target": _case(f"GET /{MARKER}-bjørn HTTP/1.1\r\n{HEAD}\r\n", 400, "URL"),
    "header line without a colon": _case(f"GET / HTTP/1.1\r\n{HEAD}x-{MARKER}\r\n\r\n", 400, "header"),
    "invalid header name": _case(f"GET / HTTP/1.1\r\n{HEAD}X(){MARKER}: y\r\n\r\n", 400, "header"),
    "control character in a header value": _case(f"GET / HTTP/1.1\r\n{HEAD}X-Id: \x01{MARKER}\r\n\r\n", 400,
                                                 "header"),
    "Content-Length not a number": _case(f"POST /api/v1/messages HTTP/1.1\r\n{HEAD}Content-Length: {MARKER}x\r\n\r\n",
                                         400, "Content-Length"),
    "two Content-Lengths": _case(f"POST /{MARKER} HTTP/1.1\r\n{HEAD}Content-Length: 1\r\nContent-Length: 2\r\n\r\nab",
                                 400, "Content-Length"),
    "Transfer-Encoding not ending in chunked": _case(
        f"POST /{MARKER} HTTP/1.1\r\n{HEAD}Transfer-Encoding: chunked, x{MARKER}\r\n\r\n", 400, "Transfer-Encoding"),
    "bad chunk size": _case(f"POST /api/v1/messages HTTP/1.1\r\n{HEAD}Transfer-Encoding: chunked\r\n\r\n"
                            f"zz{MARKER}\r\nabc\r\n0\r\n\r\n", 400, "chunked"),
    "URL too long": _case(f"GET /{MARKER}{'a' * 9000} HTTP/1.1\r\n{HEAD}\r\n", 414, "URL"),
    "header value too long": _case(f"GET / HTTP/1.1\r\n{HEAD}X-Id: {MARKER}{'a' * 9000}\r\n\r\n", 431, "header"),
    "header name too long": _case(f"GET / HTTP/1.1\r\n{HEAD}X{MARKER}{'a' * 9000}: y\r\n\r\n", 431, "header"),
    "too many headers": _case("GET / HTTP/1.1\r\n" + HEAD + "".join(f"X-{i}: {MARKER}\r\n" for i in range(200))
                              + "\r\n", 431, "header"),
    "TLS on the HTTP port": Case(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + MARKER.encode(), 400, "method"),
    "HTTP/0.9": _case(f"GET /{MARKER}\r\n\r\n", 505, "HTTP/1.1"),
    "HTTP/2.0 in a request line": _case(f"GET /{MARKER} HTTP/2.0\r\n{HEAD}\r\n", 505, "HTTP/1.1"),
}


@dataclass(frozen=True)
class Answer:
    raw: bytes
    status: int
    headers: dict[str, str]
    body: dict[str, object]


async def send_raw(port: int, raw: bytes) -> Answer:
    """Write the bytes, read until the server closes the connection (it must: Connection: close)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(raw)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), timeout=10)
    finally:
        writer.close()
    return _parse(answer)


def _parse(answer: bytes) -> Answer:
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    return Answer(answer, int(status_line.split()[1]), headers, json.loads(body))


def assert_problem(answer: Answer, case: Case) -> None:
    assert answer.status == case.status, answer.raw[:300]
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.headers["connection"].lower() == "close"
    assert set(answer.body) == {"type", "title", "status", "detail"}
    assert answer.body["status"] == case.status
    assert answer.body["type"] == (MALFORMED if case.status == 400 else "about:blank")
    assert case.detail in str(answer.body["detail"])
    assert MARKER.encode() not in answer.raw  # not in the body, not in a header
    assert b"Traceback" not in answer.raw


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("name", list(CASES))
async def test_a_malformed_request_gets_a_problem_without_its_bytes(
        name: str, gateway: Gateway, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    case = CASES[name]

    assert_problem(await send_raw(gateway.server.port or 0, case.raw), case)

    status, body, _ = await gateway.request("GET", "/healthz")  # a new connection is served as ever
    assert status == 200, body
    refused = [r for r in caplog.records if r.getMessage() == "malformed request refused"]
    assert [getattr(r, "status", None) for r in refused] == [case.status]
    assert MARKER not in caplog.text
    assert all(MARKER not in str(r.__dict__) for r in caplog.records)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_good_request_after_a_malformed_one_on_the_api_is_answered(gateway: Gateway) -> None:
    bad = CASES["bad chunk size"]
    assert_problem(await send_raw(gateway.server.port or 0, bad.raw), bad)
    token = await gateway.token("messages:write")
    status, body, _ = await gateway.request("POST", "/api/v1/messages", token=token, data=b"{",
                                            headers={"Content-Type": "application/json",
                                                     "Idempotency-Key": "after-malformed"})
    assert status == 400 and body["status"] == 400  # the JSON error of a well-formed request, as before


# ---------------------------------------------------------------- the real `gateway serve`


def _send_blocking(port: int, raw: bytes) -> Answer:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(raw)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return _parse(b"".join(chunks))


@pytest.mark.slow
def test_gateway_serve_answers_malformed_requests_and_logs_none_of_their_bytes(live: LiveGateway) -> None:
    port = int(live.base_url.rsplit(":", 1)[1])
    for name in ("extra token in the request line", "non-ASCII in the target", "bad chunk size",
                 "URL too long", "too many headers", "HTTP/0.9"):
        assert_problem(_send_blocking(port, CASES[name].raw), CASES[name])
    assert live.request("GET", "/healthz")[0] == 200

    live.process.terminate()  # serve's own loop (serve.run_app) still stops cleanly on SIGTERM
    assert live.process.process.wait(timeout=60) == 0
    log = live.process.log.read_text(errors="replace")
    assert log.count('"malformed request refused"') == 6
    assert MARKER not in log


@pytest.mark.slow
async def test_a_standalone_workers_ops_port_answers_malformed_requests_the_same(
        sqlite_url: str, keys_dir: Path, sink: MailSink, tmp_path: Path) -> None:
    port = free_port()
    worker = start_worker(make_settings(sqlite_url, keys_dir, sink), tmp_path, worker_metrics_port=port)
    try:
        async def healthy() -> bool:
            try:
                return (await send_raw(port, f"GET /healthz HTTP/1.1\r\n{HEAD}Connection: close\r\n\r\n".encode())
                        ).status == 200
            except OSError:
                return False

        await wait_for(healthy, timeout=60)
        for name in ("invalid header name", "header value too long"):
            assert_problem(await send_raw(port, CASES[name].raw), CASES[name])
        assert await healthy()
        worker.terminate()
        assert await worker.wait() == 0
        log = worker.log.read_text(errors="replace")
        assert log.count('"malformed request refused"') == 2
        assert MARKER not in log
    finally:
        worker.stop()
