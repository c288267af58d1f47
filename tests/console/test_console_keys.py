"""A staff account's own key (it seals the TOTP secret) follows key rotation: `keys rewrap` re-wraps
it, and `keys retire` refuses an old key-encryption key while a staff key still depends on it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.cli import key_ops
from gateway.console import accounts, credentials
from gateway.crypto import Crypto, Keyring, rotate
from gateway.storage import make_engine
from gateway.storage.schema import staff


async def test_rotation_rewraps_staff_keys_and_retire_waits_for_them(database_url: str, keys_dir: Path) -> None:
    engine = make_engine(database_url)
    try:
        old = Keyring.load(keys_dir)
        staff_id, _ = await accounts.add(engine, "kari@kraft.example.no", "agent")
        secret, wrapped, sealed = credentials.new_totp(Crypto(old), staff_id)
        async with engine.begin() as conn:
            await conn.execute(staff.update().where(staff.c.id == staff_id)
                               .values(key_wrapped=wrapped, totp_secret_enc=sealed))
        rotate(keys_dir)
        keyring = Keyring.load(keys_dir)
        with pytest.raises(key_ops.KeyOpError, match="staff"):
            await key_ops.retire_key(engine, keyring, keys_dir, old.primary_id)
        assert await key_ops.rewrap_staff(engine, Crypto(keyring)) == 1
        assert await key_ops.rewrap_staff(engine, Crypto(keyring)) == 0
        await key_ops.retire_key(engine, keyring, keys_dir, old.primary_id)
        only_new = Keyring.load(keys_dir)
        assert old.primary_id not in only_new.kek_ids
        async with engine.connect() as conn:
            row = (await conn.execute(select(staff).where(staff.c.id == staff_id))).one()
        assert credentials.open_totp(Crypto(only_new), staff_id, row.key_wrapped, row.totp_secret_enc) == secret
    finally:
        await engine.dispose()
