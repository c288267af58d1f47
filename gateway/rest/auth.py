"""Bearer API keys with scopes for machine clients."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps

from aiohttp import web

from gateway.rest import apikeys, throttle
from gateway.rest.apikeys import KEYS
from gateway.rest.problems import instance_of, problem

API_KEY = web.RequestKey("api_key", apikeys.ApiKey)  # the key a request was made with

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def requires(scope: str) -> Callable[[Handler], Handler]:
    def decorate(handler: Handler) -> Handler:
        handler.scope = scope  # type: ignore[attr-defined]  # read by the OpenAPI test

        @wraps(handler)
        async def wrapper(request: web.Request) -> web.StreamResponse:
            keys = request.app[KEYS]
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            if header and (wait := throttle.retry_after(request)) is not None \
                    and not apikeys.known_good(keys.engine, token.strip()):
                return throttle.too_many(request, wait)  # before any look-up: refusals must cost little
            key = await apikeys.authenticate(keys.engine, token.strip(), keys.clock) \
                if scheme.lower() == "bearer" else None
            if key is None:
                if header:  # counted and audited per window (rest/throttle.py), not per request
                    await throttle.record(request, token.strip())
                return problem(401, "A valid API key is required (Authorization: Bearer <key>)",
                               instance=instance_of(request), headers={"WWW-Authenticate": 'Bearer realm="gateway"'})
            if not key.allows(scope):
                return problem(403, f"This API key lacks the scope {scope}", instance=instance_of(request))
            request[API_KEY] = key
            return await handler(request)

        return wrapper

    return decorate
