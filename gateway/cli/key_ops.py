"""Key operations that need the database: what each KEK protects, online re-wrap, safe retire."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import audit
from gateway.crypto import Crypto, Keyring, retire
from gateway.storage import reading
from gateway.storage.schema import customers, staff

REWRAP_BATCH = 500


class KeyOpError(Exception):
    pass


async def status(engine: AsyncEngine, keyring: Keyring) -> dict[str, int]:
    """Customers protected by each KEK (every known KEK listed, also those protecting none)."""
    async with reading(engine) as conn:
        rows = await conn.execute(
            select(customers.c.kek_id, func.count()).where(customers.c.key_wrapped.is_not(None))
            .group_by(customers.c.kek_id)
        )
        counts = Counter({kek_id: count for kek_id, count in rows})
    return {kek_id: counts.get(kek_id, 0) for kek_id in sorted(set(keyring.kek_ids) | set(counts))}


async def rewrap(engine: AsyncEngine, crypto: Crypto, primary_id: str) -> int:
    """Re-wrap every customer key not under the primary KEK, a batch per transaction.

    Online: the service keeps running (each row is swapped only if unchanged since read).
    Resumable: an interrupted run leaves finished rows done; the next run picks up the rest.
    """
    total = 0
    while True:
        async with engine.begin() as conn:
            rows = (await conn.execute(
                select(customers.c.id, customers.c.key_wrapped)
                .where(customers.c.key_wrapped.is_not(None), customers.c.kek_id != primary_id)
                .limit(REWRAP_BATCH)
            )).all()
            if not rows:
                break
            for row in rows:
                new = crypto.rewrap(row.id, row.key_wrapped)
                if new is None:  # already current; fix the bookkeeping column
                    new = row.key_wrapped
                await conn.execute(
                    update(customers)
                    .where(customers.c.id == row.id, customers.c.key_wrapped == row.key_wrapped)
                    .values(key_wrapped=new, kek_id=Crypto.kek_id_of(new))
                )
            total += len(rows)
            await audit.append(conn, audit.Entry("operator", "keys.rewrap", primary_id, {"customers": len(rows)}))
    return total


async def rewrap_staff(engine: AsyncEngine, crypto: Crypto) -> int:
    """Re-wrap the staff accounts' own keys (they seal the TOTP secrets) under the primary KEK; few rows."""
    done = 0
    async with engine.begin() as conn:
        for row in (await conn.execute(select(staff.c.id, staff.c.key_wrapped)
                                       .where(staff.c.key_wrapped.is_not(None)))).all():
            new = crypto.rewrap(f"staff:{row.id}", row.key_wrapped)
            if new is not None:
                await conn.execute(update(staff).where(staff.c.id == row.id, staff.c.key_wrapped == row.key_wrapped)
                                   .values(key_wrapped=new))
                done += 1
        if done:
            await audit.append(conn, audit.Entry("operator", "keys.rewrap", crypto.keyring.primary_id,
                                                 {"staff": done}))
    return done


async def staff_keys_under(engine: AsyncEngine, kek_id: str) -> int:
    async with reading(engine) as conn:
        rows = (await conn.execute(select(staff.c.key_wrapped).where(staff.c.key_wrapped.is_not(None)))).all()
    return sum(1 for row in rows if Crypto.kek_id_of(row.key_wrapped) == kek_id)


async def retire_key(engine: AsyncEngine, keyring: Keyring, keys_dir: Path, kek_id: str) -> None:
    if kek_id not in keyring.kek_ids:
        raise KeyOpError(f"no key-encryption key with id {kek_id}")
    if kek_id == keyring.primary_id:
        raise KeyOpError(f"{kek_id} is the primary key; rotate first")
    counts = await status(engine, keyring)
    if counts.get(kek_id, 0):
        raise KeyOpError(f"{kek_id} still protects {counts[kek_id]} customer keys; run `gateway keys rewrap` first")
    if await staff_keys_under(engine, kek_id):
        raise KeyOpError(f"{kek_id} still protects staff accounts' keys; run `gateway keys rewrap` first")
    retire(keys_dir, kek_id)
    async with engine.begin() as conn:
        await audit.append(conn, audit.Entry("operator", "keys.retire", kek_id))


async def move_to_keystore(engine: AsyncEngine, crypto: Crypto) -> int:
    """Put every customer key from before the key store under a key-store secret (docs/encryption.md).

    Online: each row is swapped only if its wrapped key is unchanged since read (a concurrent
    `keys rewrap` or erasure wins; the row is picked up again). Resumable: a secret made for a row
    whose swap did not commit is reused on the next run, and done rows are never read again.
    """
    total = 0
    while True:
        async with reading(engine) as conn:
            rows = (await conn.execute(
                select(customers.c.id, customers.c.key_wrapped)
                .where(customers.c.key_wrapped.is_not(None), customers.c.shreddable.is_(False))
                .order_by(customers.c.id).limit(REWRAP_BATCH)
            )).all()
        if not rows:
            return total
        assert crypto.keystore is not None
        made = crypto.keystore.create_many([row.id for row in rows])  # one key-store transaction per batch
        async with engine.begin() as conn:
            for row in rows:
                if row.id not in made:
                    continue  # erased meanwhile: its row is being blanked, nothing to move
                new = crypto.shred(row.id, row.key_wrapped, made[row.id]) or row.key_wrapped
                await conn.execute(
                    update(customers)
                    .where(customers.c.id == row.id, customers.c.key_wrapped == row.key_wrapped)
                    .values(key_wrapped=new, kek_id=Crypto.kek_id_of(new), shreddable=True)
                )
            total += len(rows)
            await audit.append(conn, audit.Entry("operator", "keys.move-to-keystore", None, {"customers": len(rows)}))
