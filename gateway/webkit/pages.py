"""Page plumbing both browser sites share: the redirect, the visitor's language (the session's
choice, else Accept-Language), the language switch and the HTML error page with its fallback.
Each site keeps its own renderer and word lists and hands them in."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from gateway.webkit.protect import PageError, session_of
from gateway.webkit.sessions import SessionStore

Render = Callable[..., web.Response]  # (request, template, context, *, status) -> page
ErrorPage = Callable[[web.Request, int], web.Response]
# status -> (title key, text key) of the site's error.html; anything else is the generic error.
_ERROR_KEYS = {404: ("not_found_title", "not_found_text"), 403: ("forbidden_title", "forbidden_text"),
               400: ("bad_request_title", "forbidden_text")}


def redirect(location: str, status: int = 303) -> web.Response:
    return web.Response(status=status, headers={"Location": location})


def language_of(request: web.Request, languages: Collection[str],
                from_accept_language: Callable[[str | None], str]) -> str:
    """The language chosen in this session, else the browser's preference among the site's."""
    session = session_of(request)
    if session is not None and session.data.get("lang") in languages:
        return str(session.data["lang"])
    return from_accept_language(request.headers.get("Accept-Language"))


async def save_language(request: web.Request, sessions: SessionStore,
                        languages: Collection[str]) -> MultiDictProxy[Any]:
    """The language switch: keep the posted language in the session (400 for one the site does not
    speak) and hand back the form, whose `next` the site checks against its own paths."""
    session = session_of(request)
    assert session is not None  # the middleware refused a POST without one (no CSRF token)
    form = await request.post()
    lang = form.get("lang")
    if lang not in languages:
        raise PageError(400)
    session.data["lang"] = lang
    await sessions.save_data(session)
    return form


def error_page_for(render: Render, site: str) -> ErrorPage:
    """The site's HTML error page of a status, rendered from its error.html; plain text if even that
    fails (the error page must not fail)."""
    log = logging.getLogger(f"gateway.{site}")

    def error_page(request: web.Request, status: int) -> web.Response:
        title, text = _ERROR_KEYS.get(status, ("error_title", "error_text"))
        try:
            return render(request, "error.html", {"title_key": title, "text_key": text}, status=status)
        except Exception:
            log.exception(f"{site} error page failed to render")
            return web.Response(status=status, text=str(status), content_type="text/plain")

    return error_page
