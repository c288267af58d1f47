"""Bearer API keys with scopes for machine clients."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import audit
from gateway.rest import apikeys
from gateway.rest.problems import problem

# The engine API keys are looked up in (set by the app factory), and the key a request was made with.
KEYS_ENGINE = web.AppKey("api_keys_engine", AsyncEngine)
API_KEY = web.RequestKey("api_key", apikeys.ApiKey)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def requires(scope: str) -> Callable[[Handler], Handler]:
    def decorate(handler: Handler) -> Handler:
        handler.scope = scope  # type: ignore[attr-defined]  # read by the OpenAPI test

        @wraps(handler)
        async def wrapper(request: web.Request) -> web.StreamResponse:
            engine = request.app[KEYS_ENGINE]
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            key = await apikeys.authenticate(engine, token.strip()) if scheme.lower() == "bearer" else None
            if key is None:
                if header:
                    resource = request.match_info.route.resource
                    path = resource.canonical if resource is not None else None
                    async with engine.begin() as conn:
                        await audit.append(conn, audit.Entry("anonymous", "api.auth_failed", None, {"path": path}))
                return problem(401, "A valid API key is required (Authorization: Bearer <key>)",
                               instance=request.path, headers={"WWW-Authenticate": 'Bearer realm="gateway"'})
            if not key.allows(scope):
                return problem(403, f"This API key lacks the scope {scope}", instance=request.path)
            request[API_KEY] = key
            return await handler(request)

        return wrapper

    return decorate
