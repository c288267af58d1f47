"""`gateway backup PATH`: a consistent online copy of the SQLite database through SQLite's backup API.

The copy holds what the database holds: ciphertext, wrapped keys, ids, dates and statuses. The KEKs
(`keys/`) and the key store are never in it; the key store has a backup of its own
(`gateway backup --keystore PATH`), kept apart and only briefly (docs/encryption.md).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from gateway.crypto import KeyStore
from gateway.storage.engine import is_sqlite, sqlalchemy_url


class BackupError(Exception):
    """The backup cannot be made; the message is one line."""


def _private_file(path: Path) -> None:
    if path.exists():
        raise BackupError(f"{path} already exists; choose a new file")
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def backup_database(database_url: str, target: Path) -> int:
    """Copy the SQLite database to `target` (a new file, mode 0600) while it is in use; the pages copied."""
    if not is_sqlite(database_url):
        raise BackupError("gateway backup copies a SQLite database; back up PostgreSQL with pg_dump "
                          "(docs/operations.md, \"Backup and restore\")")
    source_path = Path(sqlalchemy_url(database_url).split(":///", 1)[1])
    if not source_path.is_file():
        raise BackupError(f"database file {source_path} does not exist")
    _private_file(target)
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy, pages=1024)  # in steps, so writers are not held up for long
        return int(copy.execute("PRAGMA page_count").fetchone()[0])
    finally:
        copy.close()
        source.close()


def backup_keystore(keystore: KeyStore, target: Path) -> None:
    _private_file(target)
    keystore.backup(target)
