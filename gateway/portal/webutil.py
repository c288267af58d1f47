"""Request plumbing shared by the portal's views: HTML error pages, rendering, redirects and the safe
`next` target; the session, CSRF and security-header middleware is gateway.webkit's."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from aiohttp import web

from gateway.portal import i18n
from gateway.portal.state import STATE, PortalState
from gateway.webkit import (  # re-exported for the portal's views
    SESSION,
    PageError,
    clear_session_cookie,
    redirect,
    session_of,
    set_session_cookie,
    site_middleware,
)
from gateway.webkit import pages as kit

__all__ = ["SESSION", "NotFound", "PortalError", "clear_session_cookie", "error_page", "language_of", "login_url",
           "portal_middleware", "redirect", "render", "safe_next", "session_of", "set_session_cookie", "state_of"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_STATE = web.RequestKey("portal_state", PortalState)
# A `next` target: a portal path of plain segments (ids are URL-safe base64); nothing else.
_NEXT = re.compile(r"/portal/(?:[A-Za-z0-9_-]{1,64}(?:/[A-Za-z0-9_-]{1,64}){0,4})?")
_NO_NEXT = ("/portal/login", "/portal/logout", "/portal/language", "/portal/static")


PortalError = PageError  # answer with the portal's HTML error page of this status


class NotFound(PortalError):
    def __init__(self) -> None:
        super().__init__(404)


def state_of(request: web.Request) -> PortalState:
    # The middleware puts it on the request: request.config_dict builds a new chain on every call.
    state = request.get(_STATE)
    return state if state is not None else request.config_dict[STATE]


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


def language_of(request: web.Request) -> str:
    return kit.language_of(request, i18n.LANGUAGES, i18n.from_accept_language)


def render(request: web.Request, template: str, context: dict[str, Any] | None = None, *,
           status: int = 200, lang: str | None = None) -> web.Response:
    session = session_of(request)
    state = state_of(request)
    lang = lang or language_of(request)
    ctx: dict[str, Any] = {
        "t": i18n.translator(lang),
        "tr": i18n.texts(lang),
        "lang": lang,
        "signed_in": session is not None and session.signed_in,
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


error_page = kit.error_page_for(render, "portal")
portal_middleware = site_middleware(STATE, _STATE, error_page, "portal")
