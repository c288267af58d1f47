"""What every browser-facing site of the gateway (portal, console) does on each request, in one
place: load the server-side session from its cookie, refuse a state-changing request without the
session's CSRF token or from another site, turn errors into the site's HTML error page, set the
security headers, and set or clear the cookie."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from aiohttp import web

from gateway.settings import Settings
from gateway.webkit.sessions import CookiePolicy, Session, SessionStore

log = logging.getLogger("gateway.web")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SESSION = web.RequestKey("web_session", object)
NEW_COOKIE = web.RequestKey("web_new_cookie", object)
CSRF_HEADER = "X-CSRF-Token"  # the console's script sends the token so on its JSON requests
_SAFE = ("GET", "HEAD", "OPTIONS")
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


class SiteState(Protocol):
    settings: Settings
    sessions: SessionStore
    cookie: CookiePolicy
    csp: str


S = TypeVar("S", bound=SiteState)


class PageError(Exception):
    """Answer with the site's HTML error page of this status."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def csp(form_action_extra: str = "", *, script: bool = False) -> str:
    """The one Content-Security-Policy: nothing inline, nothing from elsewhere. A site with a
    script of its own (the console) gets script-src 'self' and connect-src 'self' for its JSON."""
    form_action = "'self'" + (f" {form_action_extra}" if form_action_extra else "")
    scripts = "script-src 'self'; connect-src 'self'; " if script else ""
    return (f"default-src 'none'; {scripts}style-src 'self'; img-src 'self'; "
            f"form-action {form_action}; frame-ancestors 'none'; base-uri 'none'")


def session_of(request: web.Request) -> Session | None:
    return request.get(SESSION)


def set_session_cookie(request: web.Request, session_id: str) -> None:
    request[NEW_COOKIE] = session_id


def clear_session_cookie(request: web.Request) -> None:
    request[NEW_COOKIE] = ""


def security_headers(settings: Settings, policy: str, response: web.StreamResponse) -> None:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", policy)
    headers.setdefault("Cache-Control", "no-store")
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
    if settings.is_production:
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"


def origin_ok(request: web.Request, settings: Settings) -> bool:
    """A second line of defence after the token: a cross-site request is refused outright.

    Sec-Fetch-Site, when the browser sends it, must say same-origin (or none: typed by the user).
    Origin, when sent, must be this site; "null" is what browsers send under Referrer-Policy:
    no-referrer, so it proves nothing either way and is left to the token.
    """
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return True
    return origin in (settings.public_origin, f"{request.scheme}://{request.host}")


async def csrf_token_of(request: web.Request) -> object:
    """The token a state-changing request carries: the header (scripts) or the form field."""
    header = request.headers.get(CSRF_HEADER)
    if header is not None:
        return header
    if request.content_type in _FORMS:
        return (await request.post()).get("csrf_token")
    return None


def site_middleware(state_key: web.AppKey[Any], request_key: web.RequestKey[Any],
                    error_page: Callable[[web.Request, int], web.Response], name: str) -> Any:
    """The middleware of one site; its state (under `state_key`) is put on the request under
    `request_key` (request.config_dict builds a new chain on every call)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        state = request.config_dict[state_key]
        request[request_key] = state
        cookie_value = request.cookies.get(state.cookie.name)
        request[SESSION], stale = None, False
        try:  # loading the session reads the database: its failure gets the site's error page too
            session, stale = await state.sessions.load(cookie_value) if cookie_value else (None, False)
            request[SESSION] = session
            if request.method not in _SAFE:
                token = await csrf_token_of(request)
                if session is None or not session.csrf_ok(token) or not origin_ok(request, state.settings):
                    raise PageError(403)
            response = await handler(request)
        except PageError as exc:
            response = error_page(request, exc.status)
        except UnicodeDecodeError:  # a form body that is not UTF-8 (aiohttp decodes it on request.post())
            response = error_page(request, 400)
        except web.HTTPException as exc:
            response = _from_http_exception(request, exc, error_page)
        except Exception:
            log.exception(f"{name} request failed", extra={"route": _route_name(request)})
            response = error_page(request, 500)
        security_headers(state.settings, state.csp, response)
        new_cookie = request.get(NEW_COOKIE)
        if new_cookie:
            response.set_cookie(state.cookie.name, str(new_cookie), **state.cookie.attributes())
        elif new_cookie == "" or stale:
            response.del_cookie(state.cookie.name, path="/", secure=state.cookie.secure, httponly=True,
                                samesite="Lax")
        return response

    return middleware


def _from_http_exception(request: web.Request, exc: web.HTTPException,
                         error_page: Callable[[web.Request, int], web.Response]) -> web.Response:
    if 300 <= exc.status < 400:
        return web.Response(status=exc.status, headers={"Location": exc.headers.get("Location", "/")})
    status = exc.status if exc.status in (400, 403, 404, 405, 413) else 500
    response = error_page(request, status)
    if exc.status == 405 and "Allow" in exc.headers:
        response.headers["Allow"] = exc.headers["Allow"]
    return response


def _route_name(request: web.Request) -> str | None:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else None
