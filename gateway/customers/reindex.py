"""Backfill of the e-mail blind index for customers stored before migration 0002 (their
`email_index` is NULL, so the console's search by e-mail and the inbound server's recognition of a
known sender miss them).

Online: the address is opened outside any write transaction, and each row is written only if its
sealed e-mail is unchanged and its index still empty (an upsert or erasure meanwhile wins).
Resumable and idempotent: each batch commits on its own; done rows are never read again, so a
killed run leaves whole batches done and the next run picks up the rest; a second run finds nothing.
Erased customers (no key, no e-mail) are never touched.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import audit
from gateway.crypto import Crypto, DecryptionError
from gateway.customers.sealed import email_index, open_email
from gateway.storage import reading
from gateway.storage.schema import customers

BATCH = 500
log = logging.getLogger("gateway.customers.reindex")

_MISSING = (customers.c.email_index.is_(None), customers.c.erased_at.is_(None),
            customers.c.key_wrapped.is_not(None), customers.c.email_enc.is_not(None))


@dataclass(frozen=True)
class Reindexed:
    indexed: int  # rows given their index by this run
    unreadable: int  # rows whose e-mail did not open (a missing key-encryption key, or damage)
    changed: int  # rows erased or rewritten while this run worked on them: nothing left to do


async def missing_email_index(engine: AsyncEngine) -> int:
    """How many live customers have no e-mail index yet."""
    async with reading(engine) as conn:
        return int((await conn.execute(select(func.count()).where(*_MISSING))).scalar_one())


async def backfill_email_index(engine: AsyncEngine, crypto: Crypto, actor: str = "operator",
                               batch: int = BATCH) -> Reindexed:
    """Give every live customer without an e-mail index its index, `batch` rows per transaction."""
    indexed = unreadable = changed = 0
    after = ""  # ids in order: a row that does not open is passed over, never read again this run
    while True:
        async with reading(engine) as conn:
            rows = (await conn.execute(
                select(customers.c.id, customers.c.key_wrapped, customers.c.email_enc)
                .where(*_MISSING, customers.c.id > after).order_by(customers.c.id).limit(batch)
            )).all()
        if not rows:
            return Reindexed(indexed, unreadable, changed)
        after = rows[-1].id
        found, failed = _indexes(crypto, rows)
        done = 0
        async with engine.begin() as conn:
            if failed:  # an erasure destroys the secret before it blanks the row: that is no failure
                still = set((await conn.execute(select(customers.c.id).where(
                    customers.c.id.in_(failed), *_MISSING))).scalars())
                unreadable += len(still)
                changed += len(failed) - len(still)
                for customer_id in sorted(still):
                    log.info("e-mail index: customer %s does not open", customer_id)
            for customer_id, email_enc, value in found:
                result = await conn.execute(
                    update(customers)
                    .where(customers.c.id == customer_id, customers.c.email_enc == email_enc, *_MISSING)
                    .values(email_index=value))
                done += result.rowcount
            if done:
                await audit.append(conn, audit.Entry(actor, "customers.reindex", None, {"customers": done}))
        indexed += done
        changed += len(found) - done


def _indexes(crypto: Crypto, rows: Sequence[Row[Any]]) -> tuple[list[tuple[str, bytes, str]], list[str]]:
    """(id, sealed e-mail, index) of the rows that open; the ids of those that do not."""
    found: list[tuple[str, bytes, str]] = []
    failed: list[str] = []
    for row in rows:
        try:
            key = crypto.open_customer_key(row.id, row.key_wrapped)
            found.append((row.id, row.email_enc, email_index(crypto, open_email(crypto, key, row.email_enc))))
        except (DecryptionError, ValueError):
            failed.append(row.id)
    return found, failed
