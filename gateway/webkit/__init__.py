"""What the browser-facing sites (the portal and the staff console) share: server-side sessions,
CSRF, the origin check, security headers and the request middleware doing all of it."""

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
           "clear_session_cookie", "csp", "hash_id", "origin_ok", "security_headers", "session_of",
           "set_session_cookie", "site_middleware"]
