"""API keys for machine clients (the billing system).

A key is `gw_<id>_<secret>`; only SHA-256 of the secret is stored. A fast hash is right here (unlike
for passwords) because the secret is 256 random bits: there is nothing to guess, and every API
request must check it without costing milliseconds.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import secrets
import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from aiohttp import web
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import audit
from gateway.clock import SYSTEM, Clock
from gateway.storage import reading
from gateway.storage.schema import api_keys
from gateway.storage.types import utcnow

SCOPES = ("customers:write", "messages:write", "messages:read", "templates:write", "customers:erase",
          "customers:export")
_KEY_RE = re.compile(r"gw_([A-Za-z0-9]{16})_([A-Za-z0-9_-]{43})")  # matched whole (fullmatch)


class ApiKeyError(Exception):
    """Bad input to an API-key command; the message is one line."""


@dataclass(frozen=True)
class ApiKey:
    id: str
    name: str
    scopes: frozenset[str]
    created_at: datetime
    revoked_at: datetime | None

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_scopes(value: str) -> frozenset[str]:
    scopes = frozenset(s.strip() for s in value.split(",") if s.strip())
    unknown = sorted(scopes - set(SCOPES))
    if not scopes:
        raise ApiKeyError(f"no scopes given; choose from {','.join(SCOPES)}")
    if unknown:
        raise ApiKeyError(f"unknown scope {unknown[0]}; choose from {','.join(SCOPES)}")
    return scopes


async def create(engine: AsyncEngine, name: str, scopes: frozenset[str]) -> tuple[ApiKey, str]:
    """Returns the key and its full secret token, which is shown once and never stored."""
    if not name.strip() or len(name) > 100:
        raise ApiKeyError("the name must be 1-100 characters")
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    async with engine.begin() as conn:
        await conn.execute(
            api_keys.insert().values(
                id=key_id,
                name=name.strip(),
                secret_hash=_hash(secret),
                scopes=",".join(sorted(scopes)),
                created_at=now,
            )
        )
        await audit.append(conn, audit.Entry("operator", "api_key.create", key_id, {"scopes": sorted(scopes)}))
    return ApiKey(key_id, name.strip(), scopes, now, None), f"gw_{key_id}_{secret}"


def _row_to_key(row: object) -> ApiKey:
    return ApiKey(
        row.id,  # type: ignore[attr-defined]
        row.name,  # type: ignore[attr-defined]
        frozenset(row.scopes.split(",")),  # type: ignore[attr-defined]
        row.created_at,  # type: ignore[attr-defined]
        row.revoked_at,  # type: ignore[attr-defined]
    )


async def list_keys(engine: AsyncEngine) -> list[ApiKey]:
    async with reading(engine) as conn:
        rows = await conn.execute(select(api_keys).order_by(api_keys.c.created_at))
        return [_row_to_key(row) for row in rows]


async def revoke(engine: AsyncEngine, key_id: str) -> None:
    async with engine.begin() as conn:
        result = await conn.execute(
            update(api_keys)
            .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        if result.rowcount != 1:
            raise ApiKeyError(f"no active API key with id {key_id}")
        await audit.append(conn, audit.Entry("operator", "api_key.revoke", key_id))
    _verified.get(engine, {}).pop(key_id, None)


# How long a key's stored row may be reused before it is read again. A revocation made by another
# process (`gateway api-keys revoke`) is therefore honoured everywhere within this time; one made in
# this process at once. Only the stored hash and the key's metadata are kept, never a secret.
REVALIDATE_SECONDS = 1.0
_Verified = tuple[float, str, ApiKey | None]  # (read at, stored hash, the key if active)
_verified: weakref.WeakKeyDictionary[AsyncEngine, dict[str, _Verified]] = weakref.WeakKeyDictionary()


async def authenticate(engine: AsyncEngine, token: str, clock: Clock = SYSTEM) -> ApiKey | None:
    match = _KEY_RE.fullmatch(token)
    if not match:
        return None
    key_id, secret = match.groups()
    cached = _verified.setdefault(engine, {}).get(key_id)
    if cached is None or clock.monotonic() - cached[0] > REVALIDATE_SECONDS:
        cached = await _revalidate(engine, key_id, clock)
    _, secret_hash, key = cached
    if key is None or not hmac.compare_digest(secret_hash, _hash(secret)):
        return None
    return key


def known_good(engine: AsyncEngine, token: str) -> bool:
    """Whether `token` is a key this process verified as active before, judged from memory alone
    (no database read): lets a throttled source's valid clients through at no cost to anyone."""
    match = _KEY_RE.fullmatch(token)
    cached = _verified.get(engine, {}).get(match.group(1)) if match else None
    return bool(match and cached and cached[2] is not None
                and hmac.compare_digest(cached[1], _hash(match.group(2))))


_reading: weakref.WeakKeyDictionary[AsyncEngine, dict[str, asyncio.Task[_Verified]]] = \
    weakref.WeakKeyDictionary()


async def _revalidate(engine: AsyncEngine, key_id: str, clock: Clock) -> _Verified:
    """Read the key's row again. Requests that find the entry stale while that read is under way
    wait for it instead of each reading the same row (dozens at once under load). The read is a
    task of its own, so a request that goes away does not cancel it for the others."""
    in_flight = _reading.setdefault(engine, {})
    task = in_flight.get(key_id)
    if task is None:
        task = in_flight[key_id] = asyncio.get_running_loop().create_task(_read(engine, key_id, clock))
        task.add_done_callback(lambda _: in_flight.pop(key_id, None))
    return await asyncio.shield(task)


async def _read(engine: AsyncEngine, key_id: str, clock: Clock) -> _Verified:
    async with reading(engine) as conn:
        row = (await conn.execute(select(api_keys).where(api_keys.c.id == key_id))).first()
    if row is not None and row.revoked_at is None:
        verified: _Verified = (clock.monotonic(), row.secret_hash, _row_to_key(row))
    else:
        verified = (clock.monotonic(), "", None)
    _verified.setdefault(engine, {})[key_id] = verified
    return verified


class KeyStore(Protocol):
    """Where API keys are looked up (the app factory hands in its Services), and the clock that
    ages the verified-key cache."""

    @property
    def engine(self) -> AsyncEngine: ...
    @property
    def clock(self) -> Clock: ...


KEYS: web.AppKey[KeyStore] = web.AppKey("api_keys")
