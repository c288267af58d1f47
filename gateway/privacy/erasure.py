"""Erasing a customer: destroy the secret that makes their data readable, delete their rows, cancel
their pending notifications, and keep the id as a tombstone so it is never used again.

Order matters for crash safety: the erasure log first (so a restore can replay it), then the key
store (from that moment nothing of theirs decrypts, in the database or any backup of it), then the
database. Every step is idempotent, so a repeated or replayed erasure finishes what was left.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway import audit, validate
from gateway.clock import SYSTEM, Clock
from gateway.crypto import Crypto
from gateway.privacy import erasure_log
from gateway.storage.schema import attachments, customers, messages, notifications, replies, web_sessions

_PENDING = ("pending", "sending", "held")


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
    """Refuse an id that could never have been a customer's (ValidationError, a 422)."""
    errors = validate.Errors()
    validate.identifier(customer_id, "customer_id", errors)
    errors.raise_if_any()


async def erase(engine: AsyncEngine, crypto: Crypto, log_path: Path, customer_id: str, actor: str,
                clock: Clock = SYSTEM, *, log: bool = True) -> Erasure:
    """Erase one customer (see the module docstring). `log=False` only for a replay of the log."""
    check_id(customer_id)
    now = clock.now()
    if log:
        erasure_log.append(log_path, customer_id, now)
    destroyed = crypto.keystore.erase(customer_id) if crypto.keystore is not None else False
    async with engine.begin() as conn:
        result = await _delete_rows(conn, customer_id, now, destroyed)
        if result.changed:
            await audit.append(conn, audit.Entry(actor, "customer.erase", customer_id, {
                "messages": result.messages, "notifications_cancelled": result.notifications_cancelled,
                "secret_destroyed": result.secret_destroyed}))
    return result


async def _delete_rows(conn: AsyncConnection, customer_id: str, now: datetime, destroyed: bool) -> Erasure:
    row = (await conn.execute(select(customers.c.erased_at, customers.c.key_wrapped)
                              .where(customers.c.id == customer_id))).first()
    pending = (await conn.execute(select(func.count()).select_from(notifications).where(
        notifications.c.customer_id == customer_id, notifications.c.status.in_(_PENDING)))).scalar_one()
    await conn.execute(delete(notifications).where(notifications.c.customer_id == customer_id))
    await conn.execute(delete(replies).where(replies.c.customer_id == customer_id))
    await conn.execute(delete(attachments).where(attachments.c.customer_id == customer_id))
    gone = (await conn.execute(delete(messages).where(messages.c.customer_id == customer_id))).rowcount
    await conn.execute(delete(web_sessions).where(web_sessions.c.kind == "customer",
                                                  web_sessions.c.subject_id == customer_id))
    blank = {"key_wrapped": None, "kek_id": None, "email_enc": None, "name_enc": None,
             "national_id_enc": None, "national_id_index": None, "last_invoice_settled_at": None,
             "relationship_ended_at": None, "updated_at": now}
    if row is None:  # never seen here (or lost in a restore): keep the id from ever being used
        await conn.execute(customers.insert().values(id=customer_id, language="nb", created_at=now,
                                                     erased_at=now, shreddable=True, **blank))
    else:
        await conn.execute(update(customers).where(customers.c.id == customer_id).values(
            erased_at=func.coalesce(customers.c.erased_at, now), **blank))
    readable = row is None or row.erased_at is None or row.key_wrapped is not None
    return Erasure(customer_id, destroyed, bool(readable and row is not None) or gone > 0, gone or 0, pending)


async def replay(engine: AsyncEngine, crypto: Crypto, log_path: Path, actor: str,
                 clock: Clock = SYSTEM) -> list[Erasure]:
    """Erase again everyone in the erasure log (after restoring an older backup): those that the
    restored database or key store still held. Returns the erasures that changed something."""
    done = []
    for customer_id in erasure_log.read_ids(log_path):
        result = await erase(engine, crypto, log_path, customer_id, actor, clock, log=False)
        if result.changed:
            done.append(result)
    return done


async def unfinished(engine: AsyncEngine, crypto: Crypto, log_path: Path) -> list[str]:
    """Ids in the erasure log that still have a secret, a readable row or messages, or lack their
    tombstone (a restore brought them back or forgot them, and `replay` has not run since)."""
    ids = erasure_log.read_ids(log_path)
    left = {cid for cid in ids if crypto.keystore is not None and crypto.keystore.secret(cid) is not None}
    async with engine.connect() as conn:
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            tombstones = set((await conn.execute(select(customers.c.id).where(
                customers.c.id.in_(chunk), customers.c.erased_at.is_not(None), customers.c.key_wrapped.is_(None)
            ))).scalars())
            left.update(cid for cid in chunk if cid not in tombstones)
            left.update((await conn.execute(select(messages.c.customer_id).where(
                messages.c.customer_id.in_(chunk)).distinct())).scalars())
    return [cid for cid in ids if cid in left]
