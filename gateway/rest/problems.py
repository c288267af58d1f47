"""RFC 9457 problem details for every error the API returns."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from aiohttp import web

from gateway.errors import GatewayError

PROBLEM_TYPE = "application/problem+json"
log = logging.getLogger("gateway.api")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def problem_body(status: int, detail: str, *, type_: str = "about:blank", title: str | None = None,
                 instance: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": type_ if type_ == "about:blank" else f"urn:gateway:problem:{type_}",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return body


def instance_of(request: web.Request) -> str | None:
    """The problem's ``instance``: the route's template (``/api/v1/customers/{customer_id}``), never
    the raw path, whose segments are caller input (a customer id may be an e-mail address or a national
    id number, and an error body may end up in a log). None for a path that matched no route."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else None


def problem(status: int, detail: str, **kwargs: Any) -> web.Response:
    headers = kwargs.pop("headers", None)
    return web.Response(status=status, text=json.dumps(problem_body(status, detail, **kwargs)),
                        content_type=PROBLEM_TYPE, headers=headers)


def from_error(error: GatewayError, instance: str | None = None) -> web.Response:
    return problem(error.status, error.detail, type_=error.type, title=error.title,
                   instance=instance, **error.extra)


def error_dict(error: GatewayError) -> dict[str, Any]:
    return problem_body(error.status, error.detail, type_=error.type, title=error.title, **error.extra)


@web.middleware
async def problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn domain errors and aiohttp's HTTP errors into problem+json for API paths."""
    try:
        return await handler(request)
    except GatewayError as exc:
        return from_error(exc, instance_of(request))
    except web.HTTPException as exc:
        if not _wants_problem(request) or exc.status < 400:
            raise
        detail = exc.reason if exc.status != 413 else "The request body is larger than the configured limit"
        if exc.status == 503:  # shutting down (rest/draining.py): the client should retry
            return problem(503, detail, instance=instance_of(request),
                           headers={k: v for k, v in exc.headers.items() if k in ("Retry-After", "Connection")})
        return problem(exc.status, detail, instance=instance_of(request), headers=_keep_headers(exc))
    except Exception:
        log.exception("unhandled error", extra={"path": instance_of(request)})
        if not _wants_problem(request):
            raise
        return problem(500, "An internal error occurred; nothing was stored", instance=instance_of(request))


def _wants_problem(request: web.Request) -> bool:
    return request.path.startswith("/api/") or request.path in ("/healthz", "/readyz", "/metrics")


def _keep_headers(exc: web.HTTPException) -> dict[str, str]:
    return {k: v for k, v in exc.headers.items() if k in ("Allow", "WWW-Authenticate", "Retry-After")}
