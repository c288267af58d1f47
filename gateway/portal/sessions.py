"""The portal's session kinds and cookie names; the sessions themselves are gateway.webkit's,
shared with the staff console."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.clock import SYSTEM, Clock
from gateway.settings import Settings
from gateway.webkit import HOT_STATEMENTS, CookiePolicy, SessionStore, hash_id

__all__ = ["COOKIE_DEV_HTTP", "COOKIE_SECURE", "CUSTOMER", "HOT_STATEMENTS", "PENDING", "cookie_policy", "hash_id",
           "session_store"]

CUSTOMER = "customer"
PENDING = "portal_pending"  # not "pending": the staff console has its own pre-sign-in kind
COOKIE_SECURE = "__Host-session"
COOKIE_DEV_HTTP = "portal_session"


def session_store(engine: AsyncEngine, settings: Settings, reads: Any = None, clock: Clock = SYSTEM) -> SessionStore:
    return SessionStore(engine, idle_seconds=settings.session_idle_seconds,
                        absolute_seconds=settings.session_absolute_seconds, signed_in_kind=CUSTOMER,
                        pending_kind=PENDING, reads=reads, clock=clock)


def cookie_policy(settings: Settings) -> CookiePolicy:
    return CookiePolicy.for_settings(settings, COOKIE_SECURE, COOKIE_DEV_HTTP)
