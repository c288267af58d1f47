"""Request plumbing shared by the portal's views: the session and CSRF middleware, security
headers, HTML error pages, rendering, redirects and the safe `next` target."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from aiohttp import web

from gateway.portal import i18n
from gateway.portal.sessions import Session
from gateway.portal.state import STATE, PortalState

log = logging.getLogger("gateway.portal")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SESSION = web.RequestKey("portal_session", object)
_STATE = web.RequestKey("portal_state", PortalState)
NEW_COOKIE = web.RequestKey("portal_new_cookie", object)
# A `next` target: a portal path of plain segments (ids are URL-safe base64); nothing else.
_NEXT = re.compile(r"/portal/(?:[A-Za-z0-9_-]{1,64}(?:/[A-Za-z0-9_-]{1,64}){0,4})?")
_NO_NEXT = ("/portal/login", "/portal/logout", "/portal/language", "/portal/static")


class PortalError(Exception):
    """Answer with an HTML error page of this status."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class NotFound(PortalError):
    def __init__(self) -> None:
        super().__init__(404)


def state_of(request: web.Request) -> PortalState:
    # The middleware puts it on the request: request.config_dict builds a new chain on every call.
    state = request.get(_STATE)
    return state if state is not None else request.config_dict[STATE]


def session_of(request: web.Request) -> Session | None:
    return request.get(SESSION)


def safe_next(value: Any) -> str:
    """A same-site portal path to continue to after sign-in; the inbox for anything else."""
    if isinstance(value, str) and _NEXT.fullmatch(value) and not value.startswith(_NO_NEXT):
        return value
    return "/portal/"


def login_url(next_path: str, *, level: str | None = None, notice: str | None = None) -> str:
    url = "/portal/login?next=" + quote(safe_next(next_path), safe="/")
    if level == "high":
        url += "&level=high"
    if notice:
        url += "&notice=" + notice
    return url


def redirect(location: str, status: int = 303) -> web.Response:
    return web.Response(status=status, headers={"Location": location})


def language_of(request: web.Request) -> str:
    session = session_of(request)
    if session is not None and session.data.get("lang") in i18n.LANGUAGES:
        return str(session.data["lang"])
    return i18n.from_accept_language(request.headers.get("Accept-Language"))


def render(request: web.Request, template: str, context: dict[str, Any] | None = None, *,
           status: int = 200, lang: str | None = None) -> web.Response:
    session = session_of(request)
    state = state_of(request)
    lang = lang or language_of(request)
    ctx: dict[str, Any] = {
        "t": i18n.translator(lang),
        "tr": i18n.texts(lang),
        "lang": lang,
        "signed_in": session is not None and session.is_customer,
        "csrf": session.csrf_token if session is not None else "",
        "here": safe_next(request.path),
        "company": state.settings.company_name,
    }
    ctx.update(context or {})
    # The environment aiohttp_jinja2.setup made, used directly: render_template would look it up
    # through request.config_dict and the context processors (the portal has none) on every page.
    html = state.templates(template, lang).render(ctx)
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8",
                        headers={"Content-Language": lang})


def error_page(request: web.Request, status: int) -> web.Response:
    keys = {404: ("not_found_title", "not_found_text"), 403: ("forbidden_title", "forbidden_text"),
            400: ("bad_request_title", "forbidden_text")}
    title, text = keys.get(status, ("error_title", "error_text"))
    try:
        return render(request, "error.html", {"title_key": title, "text_key": text}, status=status)
    except Exception:  # the error page must not fail; fall back to plain text
        log.exception("portal error page failed to render")
        return web.Response(status=status, text=str(status), content_type="text/plain")


def set_session_cookie(request: web.Request, session_id: str) -> None:
    request[NEW_COOKIE] = session_id


def clear_session_cookie(request: web.Request) -> None:
    request[NEW_COOKIE] = ""


def security_headers(state: PortalState, response: web.StreamResponse) -> None:
    """The portal's security headers, for a response made outside the portal's middleware."""
    _security_headers(state, response)


def _security_headers(state: PortalState, response: web.StreamResponse) -> None:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", state.csp)
    headers.setdefault("Cache-Control", "no-store")
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
    if state.settings.is_production:
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"


def _origin_ok(request: web.Request, state: PortalState) -> bool:
    """A second line of defence after the token: a cross-site form post is refused outright.

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
    return origin in (state.settings.public_origin, f"{request.scheme}://{request.host}")


@web.middleware
async def portal_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    state = request.config_dict[STATE]
    request[_STATE] = state
    cookie_value = request.cookies.get(state.cookie.name)
    session, stale = await state.sessions.load(cookie_value) if cookie_value else (None, False)
    request[SESSION] = session
    try:
        if request.method == "POST":
            form = await request.post()
            if session is None or not session.csrf_ok(form.get("csrf_token")) or not _origin_ok(request, state):
                raise PortalError(403)
        response = await handler(request)
    except PortalError as exc:
        response = error_page(request, exc.status)
    except web.HTTPException as exc:
        if 300 <= exc.status < 400:
            response = redirect(exc.headers.get("Location", "/portal/"), exc.status)
        else:
            status = exc.status if exc.status in (400, 403, 404, 405, 413) else 500
            response = error_page(request, status)
            if exc.status == 405 and "Allow" in exc.headers:
                response.headers["Allow"] = exc.headers["Allow"]
    except Exception:
        log.exception("portal request failed", extra={"route": _route_name(request)})
        response = error_page(request, 500)
    _security_headers(state, response)
    new_cookie = request.get(NEW_COOKIE)
    if new_cookie:
        response.set_cookie(state.cookie.name, str(new_cookie), **state.cookie.attributes())
    elif new_cookie == "" or stale:
        response.del_cookie(state.cookie.name, path="/", secure=state.cookie.secure, httponly=True,
                            samesite="Lax")
    return response


def _route_name(request: web.Request) -> str | None:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else None
