"""The SQLite key store: a file of its own beside `keys/` (mode 0600), for a gateway on one host.

Lookups are point queries on one connection per thread and process (a few microseconds). Deleted
secrets are overwritten in the file (`secure_delete`) and the write-ahead log is truncated at once.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from gateway.crypto.envelope import KEY_LENGTH
from gateway.crypto.keystore import CustomerSecret, KeyStore, KeyStoreError
from gateway.crypto.keystore import now_text as _now

_SECRET = "SELECT secret_id, secret FROM customer_secrets WHERE customer_id = ?"
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS customer_secrets ("
    " customer_id TEXT PRIMARY KEY, secret_id TEXT NOT NULL, secret BLOB NOT NULL, created_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS erasures ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT, customer_id TEXT NOT NULL UNIQUE, erased_at TEXT NOT NULL)",
)


_pid = os.getpid()  # kept current across fork, so a connection lookup costs no system call


def _after_fork() -> None:
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_after_fork)


class SqliteKeyStore(KeyStore):
    """Safe to share between threads (a connection per thread) and across fork (a connection per process)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()

    def __repr__(self) -> str:
        return f"SqliteKeyStore({str(self.path)!r})"

    @classmethod
    def open(cls, path: Path, *, create: bool = True) -> SqliteKeyStore:  # type: ignore[override]
        """Open (and, if allowed, create with mode 0600) the key store at `path`."""
        if not path.exists():
            if not create:
                raise KeyStoreError(f"key store {path} does not exist")
            path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        elif path.stat().st_mode & 0o077:
            raise KeyStoreError(f"key store {path} has mode {path.stat().st_mode & 0o777:04o}, "
                                f"looser than 0600 (chmod 600 {path})")
        store = cls(path)
        with store._write() as conn:
            for statement in _SCHEMA:
                conn.execute(statement)
        return store

    # -- connections ------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        held = getattr(self._local, "conn", None)
        if held is not None and held[0] == _pid:
            conn: sqlite3.Connection = held[1]
            return conn
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=True)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA busy_timeout=10000")
        # Overwrite deleted secrets in the file instead of leaving them in free pages.
        conn.execute("PRAGMA secure_delete=ON")
        self._local.conn = (_pid, conn)
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        held = getattr(self._local, "conn", None)
        if held is not None and held[0] == os.getpid():
            held[1].close()
        self._local.conn = None

    # -- secrets ----------------------------------------------------------------------
    def secret(self, customer_id: str) -> CustomerSecret | None:
        row = self._conn().execute(_SECRET, (customer_id,)).fetchone()
        return None if row is None else CustomerSecret(customer_id, row[0], row[1])

    def secrets(self, customer_ids: Iterable[str]) -> dict[str, CustomerSecret]:
        """`secret` for many customers, one query per 500 of them."""
        ids = list(dict.fromkeys(customer_ids))
        found: dict[str, CustomerSecret] = {}
        conn = self._conn()
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for cid, sid, secret in conn.execute(
                    f"SELECT customer_id, secret_id, secret FROM customer_secrets WHERE customer_id IN ({marks})",
                    chunk):
                found[cid] = CustomerSecret(cid, sid, bytes(secret))
        return found

    def create_many(self, customer_ids: Iterable[str]) -> dict[str, CustomerSecret]:
        """`create` for many customers in one transaction (bulk set-up, the move of existing keys).
        Erased ids are left out of the answer."""
        ids = list(customer_ids)
        with self._write() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO customer_secrets (customer_id, secret_id, secret, created_at)"
                " SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM erasures WHERE customer_id = ?)",
                [(cid, f"cs-{secrets.token_hex(8)}", secrets.token_bytes(KEY_LENGTH), _now(), cid) for cid in ids])
        return self.secrets(ids)

    def erase_many(self, customer_ids: Iterable[str]) -> set[str]:
        """Destroy these customers' secrets and keep tombstones, in one transaction. Returns the ids
        whose secret was destroyed now."""
        destroyed: set[str] = set()
        now = _now()
        with self._write() as conn:
            for customer_id in customer_ids:
                if conn.execute("DELETE FROM customer_secrets WHERE customer_id = ?", (customer_id,)).rowcount:
                    destroyed.add(customer_id)
                conn.execute("INSERT OR IGNORE INTO erasures (customer_id, erased_at) VALUES (?, ?)",
                             (customer_id, now))
        # The deleted pages may still sit in the write-ahead log: fold them in and empty the log.
        self._conn().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return destroyed

    def is_erased(self, customer_id: str) -> bool:
        return self._conn().execute(
            "SELECT 1 FROM erasures WHERE customer_id = ?", (customer_id,)).fetchone() is not None

    def erased_since(self, seq: int) -> tuple[int, list[str]]:
        """Customers erased after generation `seq`, and the generation now."""
        rows = self._conn().execute(
            "SELECT seq, customer_id FROM erasures WHERE seq > ? ORDER BY seq", (seq,)).fetchall()
        return (rows[-1][0] if rows else seq), [row[1] for row in rows]

    def generation(self) -> int:
        row = self._conn().execute("SELECT coalesce(max(seq), 0) FROM erasures").fetchone()
        return int(row[0])

    def count(self) -> int:
        return int(self._conn().execute("SELECT count(*) FROM customer_secrets").fetchone()[0])

    def rows(self, after: str, limit: int) -> list[CustomerSecret]:
        found = self._conn().execute(
            "SELECT customer_id, secret_id, secret FROM customer_secrets WHERE customer_id > ?"
            " ORDER BY customer_id LIMIT ?", (after, limit)).fetchall()
        return [CustomerSecret(cid, sid, bytes(secret)) for cid, sid, secret in found]

    def tombstones(self, after: int, limit: int) -> list[tuple[int, str]]:
        return [(int(seq), cid) for seq, cid in self._conn().execute(
            "SELECT seq, customer_id FROM erasures WHERE seq > ? ORDER BY seq LIMIT ?", (after, limit))]

    def adopt(self, found: list[CustomerSecret]) -> int:
        with self._write() as conn:
            before = conn.total_changes
            conn.executemany(
                "INSERT OR IGNORE INTO customer_secrets (customer_id, secret_id, secret, created_at)"
                " SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM erasures WHERE customer_id = ?)",
                [(s.customer_id, s.secret_id, s.secret, _now(), s.customer_id) for s in found])
            return conn.total_changes - before

    def backup(self, target: Path) -> None:
        """A consistent copy of the key store (SQLite's backup API), mode 0600."""
        os.close(os.open(target, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600))
        with sqlite3.connect(target) as copy:
            self._conn().backup(copy)
        copy.close()

