"""Server-side web sessions for the portal.

The browser holds only a random 256-bit id; the database keeps its SHA-256 hash, the subject, the
authentication level (acr), the CSRF token and a little JSON (language, an outstanding sign-in).
A new id is issued at every sign-in (no fixation); sign-out deletes the row. Idle and absolute
timeouts come from the settings. A session of kind "pending" belongs to a visitor who has not
signed in yet: it carries the CSRF token of the sign-in forms and the outstanding OIDC request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.clock import SYSTEM, Clock
from gateway.settings import Settings
from gateway.storage.schema import web_sessions

CUSTOMER = "customer"
PENDING = "portal_pending"  # not "pending": the staff console has its own pre-sign-in kind
#: The cookie: "__Host-session" whenever the portal is served over https (always in production,
#: where Settings.validate demands an https GATEWAY_PUBLIC_URL). Browsers refuse "__Host-" cookies
#: without Secure, so a development portal on plain http uses this fallback name instead.
COOKIE_SECURE = "__Host-session"
COOKIE_DEV_HTTP = "portal_session"


_LOAD = select(web_sessions).where(web_sessions.c.id_hash == bindparam("id_hash"))
HOT_STATEMENTS = (_LOAD,)  # run on every request (see storage.reads.Reads)


def hash_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def _data(stored: str | None) -> dict[str, Any]:
    return json.loads(stored) if stored and stored != "{}" else {}  # most sessions carry nothing


@dataclass
class Session:
    id_hash: str
    kind: str
    subject_id: str | None
    acr: str | None
    csrf_token: str = field(repr=False)
    data: dict[str, Any]
    created_at: datetime
    last_seen_at: datetime

    @property
    def is_customer(self) -> bool:
        return self.kind == CUSTOMER and self.subject_id is not None

    def csrf_ok(self, token: object) -> bool:
        return isinstance(token, str) and hmac.compare_digest(
            token.encode("utf-8", "replace"), self.csrf_token.encode("ascii"))


@dataclass(frozen=True)
class CookiePolicy:
    name: str
    secure: bool

    @classmethod
    def for_settings(cls, settings: Settings) -> CookiePolicy:
        secure = settings.is_production or settings.public_url.startswith("https://")
        return cls(COOKIE_SECURE if secure else COOKIE_DEV_HTTP, secure)

    def attributes(self) -> dict[str, Any]:
        return {"path": "/", "httponly": True, "samesite": "Lax", "secure": self.secure}


class SessionStore:
    def __init__(self, engine: AsyncEngine, settings: Settings, reads: Any = None, clock: Clock = SYSTEM) -> None:
        self.engine = engine
        self.clock = clock
        self.reads = reads or engine  # anything with an async connect() for read-only statements
        self.idle = timedelta(seconds=settings.session_idle_seconds)
        self.absolute = timedelta(seconds=settings.session_absolute_seconds)
        # last_seen_at is written at most this often; a shorter effective idle time, never longer.
        self.touch_every = timedelta(seconds=min(30, settings.session_idle_seconds // 20))

    def expired(self, session: Session, now: datetime) -> bool:
        return now - session.last_seen_at >= self.idle or now - session.created_at >= self.absolute

    async def load(self, session_id: str | None) -> tuple[Session | None, bool]:
        """(the live session for this cookie value, whether the cookie should be cleared).

        An unknown or expired id gives (None, True), and an expired row is deleted. A row of another
        kind (a staff session, should the console ever share the cookie name) gives (None, False):
        it is not the portal's to use, nor to end.
        """
        if not session_id or len(session_id) > 128:
            return None, bool(session_id)
        id_hash = hash_id(session_id)
        async with self.reads.connect() as conn:
            row = (await conn.execute(_LOAD, {"id_hash": id_hash})).first()
        if row is None:
            return None, True
        if row.kind not in (CUSTOMER, PENDING):
            return None, False
        session = Session(row.id_hash, row.kind, row.subject_id, row.acr, row.csrf_token,
                          _data(row.data), row.created_at, row.last_seen_at)
        now = self.clock.now()
        if self.expired(session, now):
            async with self.engine.begin() as conn:
                await conn.execute(delete(web_sessions).where(web_sessions.c.id_hash == id_hash))
            return None, True
        if now - session.last_seen_at >= self.touch_every:
            async with self.engine.begin() as conn:
                await conn.execute(update(web_sessions).where(web_sessions.c.id_hash == id_hash)
                                   .values(last_seen_at=now))
            session.last_seen_at = now
        return session, False

    async def create(self, conn: AsyncConnection, *, kind: str, subject_id: str | None = None,
                     acr: str | None = None, data: dict[str, Any] | None = None) -> tuple[str, Session]:
        """A brand-new session (new random id and CSRF token) inside the caller's transaction."""
        session_id = secrets.token_urlsafe(32)
        now = self.clock.now()
        session = Session(hash_id(session_id), kind, subject_id, acr, secrets.token_urlsafe(32),
                          dict(data or {}), now, now)
        await conn.execute(web_sessions.insert().values(
            id_hash=session.id_hash, kind=kind, subject_id=subject_id, acr=acr, csrf_token=session.csrf_token,
            data=json.dumps(session.data, separators=(",", ":")), created_at=now, last_seen_at=now))
        return session_id, session

    async def save_data(self, session: Session) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(update(web_sessions).where(web_sessions.c.id_hash == session.id_hash)
                               .values(data=json.dumps(session.data, separators=(",", ":"))))

    @staticmethod
    async def delete(conn: AsyncConnection, session: Session) -> bool:
        """Delete the row; True only for the one caller that actually removed it (single use)."""
        result = await conn.execute(delete(web_sessions).where(web_sessions.c.id_hash == session.id_hash))
        return result.rowcount == 1

    async def sweep(self) -> int:
        """Delete every expired portal session (run periodically)."""
        now = self.clock.now()
        async with self.engine.begin() as conn:
            result = await conn.execute(delete(web_sessions).where(
                web_sessions.c.kind.in_((CUSTOMER, PENDING)),
                or_(web_sessions.c.last_seen_at <= now - self.idle, web_sessions.c.created_at <= now - self.absolute)))
        return result.rowcount or 0
