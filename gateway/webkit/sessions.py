"""Server-side web sessions, one implementation for the portal and the staff console.

The browser holds only a random 256-bit id; the database keeps its SHA-256 hash, the subject, the
authentication level (acr), the CSRF token and a little JSON (language, an outstanding sign-in).
A new id is issued at every sign-in (no fixation); sign-out deletes the row. Idle and absolute
timeouts are the store's, measured on its injected clock. Each store serves a set of session
kinds (the portal: "customer" and "portal_pending"; the console: "staff" and "console_pending")
and treats a row of any other kind as none of its business.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.clock import SYSTEM, Clock
from gateway.settings import Settings
from gateway.storage.schema import web_sessions
from gateway.storage.writer import writer_for

_LOAD = select(web_sessions).where(web_sessions.c.id_hash == bindparam("id_hash"))
HOT_STATEMENTS = (_LOAD,)  # run on every request (see storage.reads.Reads)


def hash_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def _delete_sync(conn: Connection, id_hash: str) -> None:
    conn.execute(delete(web_sessions).where(web_sessions.c.id_hash == id_hash))


_TOUCH = update(web_sessions).where(web_sessions.c.id_hash == bindparam("h")).values(last_seen_at=bindparam("at"))


def _touch_sync(conn: Connection, due: dict[str, datetime]) -> None:
    conn.execute(_TOUCH, [{"h": id_hash, "at": at} for id_hash, at in due.items()])


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
    signed_in_kind: str = ""  # the store's kind for a signed-in subject

    @property
    def signed_in(self) -> bool:
        return self.kind == self.signed_in_kind and self.subject_id is not None

    def csrf_ok(self, token: object) -> bool:
        return isinstance(token, str) and hmac.compare_digest(
            token.encode("utf-8", "replace"), self.csrf_token.encode("ascii"))


@dataclass(frozen=True)
class CookiePolicy:
    """The cookie's name and attributes: a "__Host-" name whenever the site is served over https
    (always in production, where Settings.validate demands an https GATEWAY_PUBLIC_URL). Browsers
    refuse "__Host-" cookies without Secure, so plain-http development uses the fallback name."""

    name: str
    secure: bool

    @classmethod
    def for_settings(cls, settings: Settings, secure_name: str, http_name: str) -> CookiePolicy:
        secure = settings.is_production or settings.public_url.startswith("https://")
        return cls(secure_name if secure else http_name, secure)

    def attributes(self) -> dict[str, Any]:
        return {"path": "/", "httponly": True, "samesite": "Lax", "secure": self.secure}


class SessionStore:
    def __init__(self, engine: AsyncEngine, *, idle_seconds: int, absolute_seconds: int, signed_in_kind: str,
                 pending_kind: str, reads: Any = None, clock: Clock = SYSTEM) -> None:
        self.engine = engine
        self.reads = reads or engine  # anything with an async connect() for read-only statements
        self.clock = clock
        self.signed_in_kind = signed_in_kind
        self.pending_kind = pending_kind
        self.kinds = (signed_in_kind, pending_kind)
        self.idle = timedelta(seconds=idle_seconds)
        self.absolute = timedelta(seconds=absolute_seconds)
        # last_seen_at is written at most this often; a shorter effective idle time, never longer.
        self.touch_every = timedelta(seconds=min(30, idle_seconds // 20))
        self._due: dict[str, datetime] = {}  # touches waiting for the next write
        self._writing: asyncio.Future[None] | None = None  # the write the next touch joins
        self._last: asyncio.Future[None] | None = None  # the latest write (the next one waits for it)

    def expired(self, session: Session, now: datetime) -> bool:
        return now - session.last_seen_at >= self.idle or now - session.created_at >= self.absolute

    async def load(self, session_id: str | None) -> tuple[Session | None, bool]:
        """(the live session for this cookie value, whether the cookie should be cleared).

        An unknown or expired id gives (None, True), and an expired row is deleted. A row of
        another store's kind gives (None, False): it is not this store's to use, nor to end.
        """
        if not session_id or len(session_id) > 128:
            return None, bool(session_id)
        id_hash = hash_id(session_id)
        async with self.reads.connect() as conn:
            row = (await conn.execute(_LOAD, {"id_hash": id_hash})).first()
        if row is None:
            return None, True
        if row.kind not in self.kinds:
            return None, False
        session = Session(row.id_hash, row.kind, row.subject_id, row.acr, row.csrf_token,
                          _data(row.data), row.created_at, row.last_seen_at, self.signed_in_kind)
        now = self.clock.now()
        if self.expired(session, now):
            await writer_for(self.engine).run(_delete_sync, id_hash)
            return None, True
        if now - session.last_seen_at >= self.touch_every:
            await self._touch(id_hash, now)
            session.last_seen_at = now
        return session, False

    async def _touch(self, id_hash: str, now: datetime) -> None:
        """Record that the session was used, in one write with every other touch due meanwhile.
        Sessions signed in together come due together (a whole office, a bench's customers): one
        transaction each, every request waited for the write lock in turn."""
        self._due[id_hash] = now
        if self._writing is None:
            self._writing = self._last = asyncio.ensure_future(self._write_touches(self._last))
        await asyncio.shield(self._writing)  # a request that goes away does not cancel the others' write

    async def _write_touches(self, previous: asyncio.Future[None] | None) -> None:
        # Touches made while the previous write runs (or, with none, on this turn of the event
        # loop) join this one; whatever that write's outcome, its own waiters heard it.
        if previous is not None and not previous.done():
            await asyncio.wait([previous])
        else:
            await asyncio.sleep(0)
        due, self._due, self._writing = self._due, {}, None  # later touches make the next write
        await writer_for(self.engine).run(_touch_sync, due)

    async def create(self, conn: AsyncConnection, *, kind: str, subject_id: str | None = None,
                     acr: str | None = None, data: dict[str, Any] | None = None) -> tuple[str, Session]:
        """A brand-new session (new random id and CSRF token) inside the caller's transaction."""
        if kind not in self.kinds:
            raise ValueError(f"this store does not keep sessions of kind {kind!r}")
        session_id = secrets.token_urlsafe(32)
        now = self.clock.now()
        session = Session(hash_id(session_id), kind, subject_id, acr, secrets.token_urlsafe(32),
                          dict(data or {}), now, now, self.signed_in_kind)
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

    async def end_subject(self, conn: AsyncConnection, subject_ids: Iterable[str]) -> int:
        """End every session of these subjects at once (an account disabled or reset)."""
        result = await conn.execute(delete(web_sessions).where(
            web_sessions.c.kind.in_(self.kinds), web_sessions.c.subject_id.in_(tuple(subject_ids))))
        return result.rowcount or 0

    async def sweep(self) -> int:
        """Delete every expired session of this store's kinds (run periodically)."""
        now = self.clock.now()
        async with self.engine.begin() as conn:
            result = await conn.execute(delete(web_sessions).where(
                web_sessions.c.kind.in_(self.kinds),
                or_(web_sessions.c.last_seen_at <= now - self.idle, web_sessions.c.created_at <= now - self.absolute)))
        return result.rowcount or 0
