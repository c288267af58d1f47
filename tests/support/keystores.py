"""PostgreSQL key-store databases and database copies for tests (a backup as an operator makes it)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import psycopg

from gateway.crypto import KeyStore


def empty_keystore(url: str) -> None:
    """An empty key store in the database at `url` (the tables made if missing)."""
    KeyStore.open(url).close()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE customer_secrets, erasures RESTART IDENTITY")


def server_url(url: str, database: str) -> str:
    return url.rsplit("/", 1)[0] + f"/{database}"


def dump(url: str, target: Path) -> None:
    """pg_dump in custom format: the backup of one database, taken while it is in use."""
    subprocess.run(["pg_dump", "-Fc", "-f", str(target), url], check=True, capture_output=True)


def restore_as_new(admin_url: str, dump_file: Path, database: str) -> str:
    """Restore a pg_dump file into a new database `database`; its URL."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')
    url = server_url(admin_url, database)
    subprocess.run(["pg_restore", "--no-owner", "-d", url, str(dump_file)], check=True, capture_output=True)
    return url


def drop(admin_url: str, database: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
