"""Requests that are not valid HTTP/1.x, answered as RFC 9457 problems.

aiohttp refuses a request its parser cannot read (bad request line, method, URL, header, Content-Length,
chunked framing, a line or header block over its limits) before any middleware runs, and answers with a
plain-text 400 that repeats the offending line: a URL or header may carry a national id number or a token,
and that text then sits in a client's or proxy's log. Its error log line carries the same bytes.

`ProblemAppRunner` is `web.AppRunner` whose connections answer these with problem+json instead: a fixed
detail per kind of fault (never the request's bytes), 400, or 414/431 when a request line or header is
too long, or 505 for an HTTP version other than 1.0/1.1 (HTTP/0.9, "HTTP/2.0" in a request line, which
aiohttp's parser lets through), and `Connection: close` (the rest of the stream cannot be trusted).
aiohttp has no option for this (aio-libs/aiohttp#3287): `RequestHandler.handle_error` is the one place
that builds the answer, and the runner's `_make_server` (the hook `web.AppRunner` and `web.ServerRunner`
implement) is where its protocol class can be chosen.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import (
    BadHttpMethod,
    BadStatusLine,
    HttpProcessingError,
    InvalidHeader,
    InvalidURLError,
    LineTooLong,
)

from gateway.rest.problems import problem

log = logging.getLogger("gateway.http")
Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]

MALFORMED = "malformed-request"
MALFORMED_TITLE = "The request is not valid HTTP"
_TOO_MANY_HEADERS = "Too many headers received"  # aiohttp's own text: no request bytes in it
# Where aiohttp's parser raises LineTooLong (the function's name is in the traceback): in the C
# parser's callback for the request target (414) or for a header field (431), or in the pure-Python
# parser's header parsing (431). Anywhere else (the pure-Python parser's line reader, which does not
# say which line) answers 400.
_URL_TOO_LONG = frozenset({"cb_on_url"})
_HEADER_TOO_LONG = frozenset({"cb_on_header_field", "cb_on_header_value", "parse_headers"})
# llhttp's reason (the text before the first colon of the C parser's message; the request's bytes
# follow the colon and are never used) -> what the client is told. First match wins.
_REASONS = (
    ("content-length", "The Content-Length header is not valid"),
    ("chunk", "The chunked body is not valid"),
    ("transfer-encoding", "The Transfer-Encoding header is not valid"),
    ("header", "A header field is not valid"),
)


class ProblemRequestHandler(web.RequestHandler):
    """aiohttp's connection protocol, answering requests its parser refused with problem+json."""

    __slots__ = ()

    def handle_error(self, request: web.BaseRequest, status: int = 500, exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        if not isinstance(exc, HttpProcessingError):  # a handler's failure (500, 504): aiohttp's own answer
            return super().handle_error(request, status, exc, message)
        status, detail = _answer(exc)
        # Not logger.exception: the exception's message and traceback hold the request's bytes.
        level = logging.DEBUG if isinstance(exc, BadHttpMethod) else logging.INFO  # scanners, TLS on this port
        log.log(level, "malformed request refused", extra={"status": status, "fault": type(exc).__name__})
        if request.writer.output_size > 0:  # as aiohttp: a response has begun, nothing more can be said
            raise ConnectionError("response already started; cannot answer the malformed request")
        return _closing_problem(status, detail)


class ProblemServer(web.Server):
    """`web.Server` whose connections are `ProblemRequestHandler`s."""

    def __call__(self) -> web.RequestHandler:
        return ProblemRequestHandler(self, loop=self._loop, **self._kwargs)


class ProblemAppRunner(web.AppRunner):
    """`web.AppRunner` for the gateway's HTTP servers: malformed requests get problem+json (module doc)."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        # aiohttp builds the Server (application start-up, request factory, handler arguments); only the
        # protocol it makes per connection changes, so its class is swapped rather than its state copied.
        server.__class__ = ProblemServer
        server.request_handler = _http1_only(server.request_handler)
        return server


def _answer(exc: HttpProcessingError) -> tuple[int, str]:
    if isinstance(exc, LineTooLong) or exc.message == _TOO_MANY_HEADERS:
        raised_in = _raised_in(exc)
        if raised_in in _URL_TOO_LONG:
            return 414, "The request target (URL) is longer than this server accepts"
        if raised_in in _HEADER_TOO_LONG or exc.message == _TOO_MANY_HEADERS:
            return 431, "The request's header fields are longer or more numerous than this server accepts"
        return 400, "A line of the request is longer than this server accepts"
    if isinstance(exc, BadHttpMethod):
        return 400, "The request method is not a valid HTTP method"
    if isinstance(exc, BadStatusLine):
        return 400, "The request line is not 'METHOD target HTTP/1.1'"
    if isinstance(exc, InvalidURLError):
        return 400, "The request target is not a valid URL (percent-encode anything but visible ASCII)"
    if isinstance(exc, InvalidHeader):
        return 400, "A header field is not valid"
    reason = exc.message.partition(":")[0].lower()
    return 400, next((detail for key, detail in _REASONS if key in reason), "The request is not valid HTTP/1.1")


def _raised_in(exc: BaseException) -> str:
    """The name of the function the exception was raised in (the innermost frame of its traceback)."""
    tb = exc.__traceback__
    if tb is None:
        return ""
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_code.co_name.rpartition(".")[2]  # Cython's names are qualified with the module


def _http1_only(handler: Handler) -> Handler:
    """The application's handler, for HTTP/1.0 and 1.1 only: aiohttp's parser also passes HTTP/0.9
    ("GET /path" alone) and any 2.x version, and would answer them as if they were HTTP/1.1."""

    async def http1_only(request: web.BaseRequest) -> web.StreamResponse:
        if request.version.major != 1:
            log.info("malformed request refused", extra={"status": 505, "fault": "HttpVersion"})
            return _closing_problem(505, "This server speaks HTTP/1.1 (and 1.0) only")
        return await handler(request)

    return http1_only


def _closing_problem(status: int, detail: str) -> web.Response:
    kwargs: dict[str, Any] = {"type_": MALFORMED, "title": MALFORMED_TITLE} if status == 400 else {}
    response = problem(status, detail, headers={"Connection": "close"}, **kwargs)
    response.force_close()
    return response
