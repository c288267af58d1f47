"""A client's callback URL and its signing secret.

The secret is derived, not stored: HMAC(the blind-index key in keys/, "callback-secret", client id,
nonce), the nonce kept with the URL. A database backup alone cannot sign an event; a new nonce
(rotate) makes a new secret."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import audit
from gateway.crypto import Keyring, keyed_index
from gateway.errors import ValidationFailed
from gateway.storage import reading
from gateway.storage.schema import callbacks
from gateway.storage.types import utcnow

MAX_URL = 2048


@dataclass(frozen=True)
class Callback:
    client_id: str
    url: str
    secret: str  # whsec_…: what the client verifies with
    created: bool = False


def secret_for(keyring: Keyring, client_id: str, nonce: str) -> str:
    raw = bytes.fromhex(keyed_index(keyring.index_key, "callback-secret", f"{client_id}\0{nonce}"))
    return "whsec_" + base64.b64encode(raw).decode("ascii")


def check_url(url: object, *, production: bool) -> str:
    """An absolute http(s) URL without credentials or fragment; https only in production."""
    text = url if isinstance(url, str) and len(url) <= MAX_URL and url.isascii() and url.isprintable() else ""
    parts = urlsplit(text)
    allowed = ("https",) if production else ("https", "http")
    if parts.scheme not in allowed or not parts.hostname or parts.username or parts.password or parts.fragment:
        rule = "an https URL" if production else "an http(s) URL"
        raise ValidationFailed([{"field": "url", "detail": f"must be {rule} without credentials or fragment, "
                                                           f"at most {MAX_URL} characters"}])
    return text


async def put_callback(engine: AsyncEngine, keyring: Keyring, client_id: str, url: str, *,
                       rotate: bool) -> Callback:
    """Set the client's URL (the secret stays unless `rotate`, or the client had none)."""
    now = utcnow()
    async with engine.begin() as conn:
        row = (await conn.execute(select(callbacks.c.secret_nonce).where(callbacks.c.client_id == client_id)
                                  .with_for_update())).first()
        nonce = secrets.token_hex(16) if row is None or rotate else row.secret_nonce
        if row is None:
            await conn.execute(callbacks.insert().values(client_id=client_id, url=url, secret_nonce=nonce,
                                                         created_at=now, updated_at=now))
        else:
            await conn.execute(callbacks.update().where(callbacks.c.client_id == client_id)
                               .values(url=url, secret_nonce=nonce, updated_at=now))
        await audit.append(conn, audit.Entry(f"api_key:{client_id}", "callback.set", client_id,
                                             {"rotated": row is None or rotate}))
    return Callback(client_id, url, secret_for(keyring, client_id, nonce), created=row is None)


async def get_callback(engine: AsyncEngine, keyring: Keyring, client_id: str) -> Callback | None:
    async with reading(engine) as conn:
        row = (await conn.execute(select(callbacks).where(callbacks.c.client_id == client_id))).first()
    return None if row is None else Callback(client_id, row.url, secret_for(keyring, client_id, row.secret_nonce))


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")
