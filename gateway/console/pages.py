"""Request plumbing for the console's views: who is signed in (checked against the account on
every request, so a disabled account is out at once), roles, rendering and error pages. The
session, CSRF and security-header middleware is gateway.webkit's, shared with the portal."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from gateway.console import accounts, i18n
from gateway.console.state import STATE, ConsoleState
from gateway.webkit import PageError, Session, redirect, session_of, site_middleware
from gateway.webkit import pages as kit

_STATE = web.RequestKey("console_state", ConsoleState)
STAFF = web.RequestKey("console_staff", object)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
__all__ = ["STAFF", "Staff", "console_middleware", "current_staff", "error_page", "language_of", "redirect",
           "render", "requires", "staff_of", "state_of"]


@dataclass(frozen=True)
class Staff:
    id: str
    first_name: str
    role: str
    session: Session

    @property
    def actor(self) -> str:
        return f"staff:{self.id}"


def state_of(request: web.Request) -> ConsoleState:
    state = request.get(_STATE)
    return state if state is not None else request.config_dict[STATE]


def language_of(request: web.Request) -> str:
    return kit.language_of(request, i18n.LANGUAGES, i18n.from_accept_language)


def render(request: web.Request, template: str, context: dict[str, Any] | None = None, *,
           status: int = 200) -> web.Response:
    state = state_of(request)
    session = session_of(request)
    lang = language_of(request)
    staff: Staff | None = request.get(STAFF)
    ctx: dict[str, Any] = {"t": i18n.translator(lang), "lang": lang, "languages": i18n.LANGUAGE_NAMES,
                           "csrf": session.csrf_token if session is not None else "", "staff": staff,
                           "company": state.settings.company_name, "here": request.path,
                           "staff_oidc": bool(state.settings.staff_oidc_issuer)}
    ctx.update(context or {})
    html = state.page(template).render(ctx)
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8",
                        headers={"Content-Language": lang})


error_page = kit.error_page_for(render, "console")
console_middleware = site_middleware(STATE, _STATE, error_page, "console")


def requires(*roles: str) -> Callable[[Handler], Handler]:
    """The roles that may use a view; anyone else signed in gets 403, anyone not signed in is sent
    to sign in (a page) or refused (a JSON call). `requires()` with no roles: any signed-in staff."""
    def wrap(handler: Handler) -> Handler:
        async def view(request: web.Request) -> web.StreamResponse:
            staff = await current_staff(request)
            if staff is None:
                if request.method == "GET":
                    raise web.HTTPFound("/console/login")
                raise PageError(403)
            if roles and staff.role not in roles:
                raise PageError(403)
            return await handler(request)
        view.roles = roles  # type: ignore[attr-defined]  # read by the role-matrix test
        view.__name__ = handler.__name__
        view.__doc__ = handler.__doc__
        return view
    return wrap


async def current_staff(request: web.Request) -> Staff | None:
    """The signed-in staff member, if the account is still active (else the session ends now)."""
    session = session_of(request)
    if session is None or not session.signed_in:
        return None
    state = state_of(request)
    async with state.reads.connect() as conn:
        member = await accounts.by_id(conn, str(session.subject_id))
    if member is None or member.status != accounts.ACTIVE:
        async with state.engine.begin() as conn:
            await accounts.end_sessions(conn, str(session.subject_id))
        return None
    staff = Staff(member.id, member.first_name, member.role, session)
    request[STAFF] = staff
    return staff


def staff_of(request: web.Request) -> Staff:
    staff = request.get(STAFF)
    assert isinstance(staff, Staff), "only inside a view wrapped by requires()"
    return staff
