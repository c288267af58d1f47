"""What the browser-facing sites (the portal and the staff console) share: server-side sessions,
CSRF, the origin check, security headers, the request middleware doing all of it, and the page
plumbing (redirect, language, language switch, error page)."""

from gateway.webkit.pages import error_page_for, language_of, redirect, save_language
from gateway.webkit.protect import (
    CSRF_HEADER,
    SESSION,
    PageError,
    clear_session_cookie,
    csp,
    origin_ok,
    security_headers,
    session_of,
    set_session_cookie,
    site_middleware,
)
from gateway.webkit.sessions import HOT_STATEMENTS, CookiePolicy, Session, SessionStore, hash_id

__all__ = ["CSRF_HEADER", "HOT_STATEMENTS", "SESSION", "CookiePolicy", "PageError", "Session", "SessionStore",
           "clear_session_cookie", "csp", "error_page_for", "hash_id", "language_of", "origin_ok", "redirect",
           "save_language", "security_headers", "session_of", "set_session_cookie", "site_middleware"]
