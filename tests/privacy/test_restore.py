"""The restore procedure of docs/operations.md, run as an operator would: back up, erase, restore the
older backups (database and key store), replay the erasure log, verify. SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from gateway.crypto import Crypto, Keyring, KeyStore
from gateway.delivery.devmail import MailSink
from gateway.settings import Settings
from gateway.storage.engine import is_sqlite
from tests.privacy.privacy_helpers import add_customer_with_message, held, opens_nothing, readable, snapshot
from tests.support.cli import run
from tests.support.keystores import drop, empty_keystore, restore_as_new
from tests.support.service import ROOT, start_gateway, stop_gateway


def cli_env(settings: Settings) -> dict[str, str]:
    return {"GATEWAY_DATABASE_URL": settings.database_url, "GATEWAY_KEYS_DIR": settings.keys_dir,
            "GATEWAY_KEYSTORE_URL": settings.keystore_url, "GATEWAY_TEMPLATES_DIR": str(ROOT / "templates")}


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def backup(settings: Settings, env: dict[str, str], target: Path) -> None:
    if is_sqlite(settings.database_url):
        assert "holds no keys" in ok(run(env, "backup", str(target)))
    else:
        subprocess.run(["pg_dump", "-Fc", "-f", str(target), settings.database_url], check=True)


def restore(settings: Settings, source: Path) -> None:
    if is_sqlite(settings.database_url):
        # Through SQLite's backup API (`sqlite3 gateway.db ".restore backup"`, docs/operations.md): a
        # connection this test process still holds saw copying over the file and deleting its -wal/-shm
        # as a "disk I/O error" in full-suite runs.
        live = settings.database_url.split(":///", 1)[1]
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(live)) as dst:
            src.backup(dst)
    else:
        subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", "-d", settings.database_url,
                        str(source)], check=True, capture_output=True)


async def test_restore_then_replay_erases_again_and_verify_confirms(settings: Settings, sink: MailSink,
                                                                    tmp_path: Path) -> None:
    env = cli_env(settings)
    gw = await start_gateway(settings, sink, run_worker=False)
    try:
        token = await gw.token("customers:write", "messages:write")
        await add_customer_with_message(gw, token, "c-gone", "gone@example.no")
        await add_customer_with_message(gw, token, "c-kept", "kept@example.no")
    finally:
        await stop_gateway(gw)
    backup(settings, env, tmp_path / "before.backup")
    ok(run(env, "backup", "--keystore", str(tmp_path / "keystore-before.db")))

    assert ok(run(env, "customers", "erase", "c-gone")).startswith("erased c-gone: 1 messages")
    assert ok(run(env, "customers", "erase", "c-gone")).startswith("already erased c-gone")
    assert ok(run(env, "erasures", "verify")).startswith("every customer")

    # Disaster: both the database and the key store come back from before the erasure.
    restore(settings, tmp_path / "before.backup")
    if settings.keystore_url:  # a new, empty key-store database, filled from the key-store backup
        empty_keystore(settings.keystore_url)
        imported = ok(run(env, "keys", "import-keystore", str(tmp_path / "keystore-before.db")))
        assert "2 secrets read, 2 added" in imported
    else:
        shutil.copyfile(tmp_path / "keystore-before.db", settings.keystore_file)
        Path(f"{settings.keystore_file}-wal").unlink(missing_ok=True)
    result = run(env, "erasures", "verify")
    assert result.returncode == 1 and "NOT ERASED c-gone" in result.stdout and "c-kept" not in result.stdout

    assert "erased again c-gone" in ok(run(env, "erasures", "replay"))
    assert ok(run(env, "erasures", "verify")).startswith("every customer")
    assert "chain intact" in ok(run(env, "audit", "verify"))

    # The restored copy is now as unreadable as the erasure made it; the others are intact.
    gw = await start_gateway(settings, sink, run_worker=False)
    try:
        after = await snapshot(gw.services.engine)
        assert held(after, "messages", "c-gone") == 0 and held(after, "messages", "c-kept") == 1
        everything = Crypto(Keyring.load(Path(settings.keys_dir)), KeyStore.open(settings.keystore_location))
        assert readable(everything, after, "c-kept")["email"] == b"kept@example.no"
        old_db = await _old_rows(tmp_path, settings)
        assert opens_nothing(everything, old_db, "c-gone")
        assert readable(everything, old_db, "c-kept")["email"] == b"kept@example.no"
        assert everything.keystore is not None
        everything.keystore.close()
    finally:
        await stop_gateway(gw)


async def _old_rows(tmp_path: Path, settings: Settings) -> dict[str, list[dict[str, object]]]:
    """The rows of the database backup from before the erasure (what an attacker holding it has)."""
    from gateway.storage import make_engine

    if is_sqlite(settings.database_url):
        url = f"sqlite:///{tmp_path / 'before.backup'}"
    else:
        url = restore_as_new(settings.database_url, tmp_path / "before.backup", _copy_name(settings))
    engine = make_engine(url)
    try:
        return await snapshot(engine)
    finally:
        await engine.dispose()
        if not is_sqlite(settings.database_url):
            drop(settings.database_url, _copy_name(settings))


def _copy_name(settings: Settings) -> str:
    return settings.database_url.rsplit("/", 1)[1] + "_copy"
