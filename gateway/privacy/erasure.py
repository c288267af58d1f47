"""Erasing customers: destroy the secret that makes their data readable, delete their rows, cancel
their pending notifications, and keep each id as a tombstone so it is never used again.

Order matters for crash safety: the erasure log first (so a restore can replay it), then the key
store (from that moment nothing of theirs decrypts, in the database or any backup of it), then the
database. Every step is idempotent, so a repeated or replayed erasure finishes what was left. Many
customers are erased as one batch (retention): one log append, one key-store transaction, and the
rows deleted 500 customers per statement.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway import audit
from gateway.clock import SYSTEM, Clock
from gateway.crypto import Crypto
from gateway.errors import ValidationFailed
from gateway.ids import CLIENT_ID_PATTERN
from gateway.privacy import erasure_log
from gateway.storage import reading
from gateway.storage.schema import (
    attachments,
    customers,
    email_changes,
    messages,
    notifications,
    privacy_requests,
    replies,
    reply_attempts,
    web_sessions,
)

_PENDING = ("pending", "sending", "held")
CHUNK = 500


@dataclass(frozen=True)
class Erasure:
    """What an erasure did (counts only: this goes to the audit log and the CLI)."""

    customer_id: str
    secret_destroyed: bool
    rows_erased: bool  # the customer still had a readable row, or messages, before this call
    messages: int
    notifications_cancelled: int

    @property
    def changed(self) -> bool:
        return self.secret_destroyed or self.rows_erased


def check_id(customer_id: str) -> None:
    """Refuse an id that could never have been a customer's (ValidationFailed, a 422)."""
    if not re.fullmatch(CLIENT_ID_PATTERN, customer_id):
        raise ValidationFailed([{"field": "customer_id",
                                 "detail": "must be 1-64 characters: letters, digits, '.', '_' or '-'"}])


async def erase(engine: AsyncEngine, crypto: Crypto, log_path: Path, customer_id: str, actor: str,
                clock: Clock = SYSTEM) -> Erasure:
    """Erase one customer (see the module docstring)."""
    check_id(customer_id)
    return (await erase_many(engine, crypto, log_path, [customer_id], actor, clock))[0]


async def erase_many(engine: AsyncEngine, crypto: Crypto, log_path: Path, ids: Sequence[str], actor: str,
                     clock: Clock = SYSTEM, *, log: bool = True) -> list[Erasure]:
    """Erase customers (valid ids); `log=False` only for a replay of the log itself."""
    now = clock.now()
    if log:
        erasure_log.append_many(log_path, ids, now)
    destroyed = crypto.keystore.erase_many(ids) if crypto.keystore is not None else set()
    done: list[Erasure] = []
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start:start + CHUNK])
        async with engine.begin() as conn:
            results = await _delete_rows(conn, chunk, now, destroyed)
            await audit.append_many(conn, [audit.Entry(actor, "customer.erase", r.customer_id, {
                "messages": r.messages, "notifications_cancelled": r.notifications_cancelled,
                "secret_destroyed": r.secret_destroyed}) for r in results if r.changed])
        done.extend(results)
    return done


async def _counts(conn: AsyncConnection, column: ColumnElement[str], where: ColumnElement[bool]) -> Counter[str]:
    rows = await conn.execute(select(column, func.count()).where(where).group_by(column))
    return Counter({cid: n for cid, n in rows})


async def _delete_rows(conn: AsyncConnection, ids: list[str], now: datetime, destroyed: set[str]) -> list[Erasure]:
    rows = {r.id: r for r in await conn.execute(
        select(customers.c.id, customers.c.erased_at, customers.c.key_wrapped).where(customers.c.id.in_(ids)))}
    pending = await _counts(conn, notifications.c.customer_id, notifications.c.customer_id.in_(ids)
                            & notifications.c.status.in_(_PENDING))
    held = await _counts(conn, messages.c.customer_id, messages.c.customer_id.in_(ids))
    await conn.execute(delete(notifications).where(notifications.c.customer_id.in_(ids)))
    await conn.execute(delete(replies).where(replies.c.customer_id.in_(ids)))
    await conn.execute(delete(attachments).where(attachments.c.customer_id.in_(ids)))
    await conn.execute(delete(messages).where(messages.c.customer_id.in_(ids)))
    await conn.execute(delete(email_changes).where(email_changes.c.customer_id.in_(ids)))
    await conn.execute(delete(privacy_requests).where(privacy_requests.c.customer_id.in_(ids)))
    await conn.execute(delete(reply_attempts).where(reply_attempts.c.customer_id.in_(ids)))
    await conn.execute(delete(web_sessions).where(web_sessions.c.kind == "customer",
                                                  web_sessions.c.subject_id.in_(ids)))
    blank = {"key_wrapped": None, "kek_id": None, "email_enc": None, "name_enc": None,
             "national_id_enc": None, "national_id_index": None, "email_index": None,
             "email_hard_bounces": 0, "email_undeliverable_at": None, "last_invoice_settled_at": None,
             "relationship_ended_at": None, "updated_at": now}
    await conn.execute(update(customers).where(customers.c.id.in_(ids)).values(
        erased_at=func.coalesce(customers.c.erased_at, now), **blank))
    unknown = [cid for cid in ids if cid not in rows]
    if unknown:  # never seen here (or lost in a restore): keep the id from ever being used
        await conn.execute(customers.insert(), [
            {"id": cid, "language": "nb", "created_at": now, "erased_at": now, "shreddable": True, **blank}
            for cid in unknown])
    results = []
    for cid in ids:
        row = rows.get(cid)
        readable = row is not None and (row.erased_at is None or row.key_wrapped is not None)
        results.append(Erasure(cid, cid in destroyed, readable or held[cid] > 0, held[cid], pending[cid]))
    return results


async def replay(engine: AsyncEngine, crypto: Crypto, log_path: Path, actor: str,
                 clock: Clock = SYSTEM) -> list[Erasure]:
    """Erase again everyone in the erasure log (after restoring an older backup): those that the
    restored database or key store still held. Returns the erasures that changed something."""
    ids = erasure_log.read_ids(log_path)
    return [e for e in await erase_many(engine, crypto, log_path, ids, actor, clock, log=False) if e.changed]


async def unfinished(engine: AsyncEngine, crypto: Crypto, log_path: Path) -> list[str]:
    """Ids in the erasure log that still have a secret, a readable row or messages, or lack their
    tombstone (a restore brought them back or forgot them, and `replay` has not run since)."""
    ids = erasure_log.read_ids(log_path)
    left = {cid for cid in ids if crypto.keystore is not None and crypto.keystore.secret(cid) is not None}
    async with reading(engine) as conn:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            tombstones = set((await conn.execute(select(customers.c.id).where(
                customers.c.id.in_(chunk), customers.c.erased_at.is_not(None), customers.c.key_wrapped.is_(None)
            ))).scalars())
            left.update(cid for cid in chunk if cid not in tombstones)
            left.update((await conn.execute(select(messages.c.customer_id).where(
                messages.c.customer_id.in_(chunk)).distinct())).scalars())
    return [cid for cid in ids if cid in left]
