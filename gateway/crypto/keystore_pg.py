"""The PostgreSQL key store: a database of its own (never the data database), shared by every
`serve`/`worker` process on every host (docs/encryption.md, "The key store on PostgreSQL").

Synchronous, like the SQLite key store, so `Crypto` stays synchronous: a small connection pool per
process (psycopg_pool; created again in a forked child, never shared with the parent), autocommit
point queries, one retry on a dropped connection for reads. The portal's key cache makes these
reads rare; the API and worker pay one round trip per customer-key unwrap, and a batch of
messages one for all its customers (`secrets`).

Ordering: `erasures.seq` is the generation counter every process polls (`erased_since`). A
sequence value is taken before its transaction commits, so a reader could see seq 7 committed and
miss 6 for good; erasures therefore hold an EXCLUSIVE lock on `erasures` until they commit, which
makes commits follow seq order. Making a secret takes the conflicting ROW SHARE lock, so a secret is
never made for an id whose erasure commits at the same moment.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import psycopg
from psycopg_pool import ConnectionPool

from gateway.crypto.envelope import KEY_LENGTH
from gateway.crypto.keystore import CustomerSecret, KeyStore, KeyStoreError

SCHEMA_VERSION = 1
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS keystore_schema (version integer NOT NULL)",
    "CREATE TABLE IF NOT EXISTS customer_secrets (customer_id text PRIMARY KEY, secret_id text NOT NULL,"
    " secret bytea NOT NULL, created_at timestamptz NOT NULL DEFAULT now())",
    "CREATE TABLE IF NOT EXISTS erasures (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " customer_id text NOT NULL UNIQUE, erased_at timestamptz NOT NULL DEFAULT now())",
)
_SCHEMA_LOCK = 0x6B657973746F7265  # "keystore": one process creates the tables, the others wait
_ADD = ("INSERT INTO customer_secrets (customer_id, secret_id, secret)"
        " SELECT %s, %s, %s WHERE NOT EXISTS (SELECT 1 FROM erasures WHERE customer_id = %s)"
        " ON CONFLICT (customer_id) DO NOTHING")
Connection = psycopg.Connection[tuple[Any, ...]]
POOL_MAX = 4  # per process: reads are point queries of well under a millisecond
T = TypeVar("T")
# Pools a forked child inherited: kept referenced, so they are never garbage-collected there (freeing
# their connections would end the parent's sessions on the shared sockets).
_inherited: list[ConnectionPool] = []


def describe(url: str) -> str:
    """host:port/database, never the user or password (for messages)."""
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path}"


class PgKeyStore(KeyStore):
    """`fallback`: the SQLite key store being moved in (keystore_copy), read through while the move
    runs: a secret found only there is copied here on first use, and erasures destroy it in both."""

    def __init__(self, url: str, fallback: KeyStore | None = None) -> None:
        self.url = url.replace("postgres://", "postgresql://", 1)
        self.fallback = fallback
        self._pool: tuple[int, ConnectionPool] | None = None
        self._pool_lock = threading.Lock()  # two threads' first use make one pool

    def __repr__(self) -> str:
        return f"PgKeyStore({describe(self.url)!r})"

    @classmethod
    def open(cls, url: str, *, create: bool = True,  # type: ignore[override]
             fallback: KeyStore | None = None) -> PgKeyStore:
        """Connect, and create the tables if allowed; refuses a database that is not a key store
        (`create=False`) or one made by a newer gateway."""
        store = cls(url, fallback)
        try:
            with store._pool_here().connection(timeout=10) as conn, conn.transaction():
                if create:
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                    for statement in _SCHEMA:
                        conn.execute(statement)
                    if conn.execute("SELECT count(*) FROM keystore_schema").fetchone() == (0,):
                        conn.execute("INSERT INTO keystore_schema (version) VALUES (%s)", (SCHEMA_VERSION,))
                found = conn.execute("SELECT to_regclass('keystore_schema') IS NOT NULL").fetchone()
                version = conn.execute("SELECT max(version) FROM keystore_schema").fetchone() if found and found[0] \
                    else None
        except psycopg.Error as exc:
            store.close()
            raise KeyStoreError(f"key store database {describe(url)} cannot be used: "
                                f"{type(exc).__name__}") from None
        if version is None or version[0] is None:
            store.close()
            raise KeyStoreError(f"key store database {describe(url)} has no key store (run `gateway keys init`)")
        if version[0] > SCHEMA_VERSION:
            store.close()
            raise KeyStoreError(f"key store database {describe(url)} has schema {version[0]}, newer than "
                                f"this gateway's {SCHEMA_VERSION}")
        store.close()  # connect again on first use: a `serve` parent then forks no open connection
        return store

    # -- connections ------------------------------------------------------------------
    def _pool_here(self) -> ConnectionPool:
        held = self._pool
        if held is not None and held[0] == os.getpid():
            return held[1]
        with self._pool_lock:
            held = self._pool
            if held is not None and held[0] == os.getpid():
                return held[1]
            if held is not None:
                _inherited.append(held[1])
            pool = ConnectionPool(self.url, min_size=1, max_size=POOL_MAX, open=True, name="keystore",
                                  kwargs={"autocommit": True, "application_name": "gateway-keystore"})
            self._pool = (os.getpid(), pool)
            return pool

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        """A pooled connection; any database error becomes a one-line KeyStoreError."""
        try:
            with self._pool_here().connection(timeout=10) as conn:
                yield conn
        except psycopg.Error as exc:
            raise KeyStoreError(f"key store database {describe(self.url)} cannot be used: "
                                f"{type(exc).__name__}") from None

    def _read(self, work: Callable[[Connection], T]) -> T:
        """Run a read; once more on a fresh connection if the server dropped the pooled one."""
        try:
            with self._connection() as conn:
                return work(conn)
        except KeyStoreError:
            with self._connection() as conn:
                return work(conn)

    def close(self) -> None:
        held, self._pool = self._pool, None
        if held is not None and held[0] == os.getpid():
            held[1].close()
        if self.fallback is not None:
            self.fallback.close()

    def _read_through(self, ids: list[str]) -> None:
        """Copy the fallback's secrets of these customers here (unless erased in either store)."""
        assert self.fallback is not None
        erased = [cid for cid in ids if self.fallback.is_erased(cid)]
        if erased:
            self.erase_many(erased)
        found = [s for s in map(self.fallback.secret, ids) if s is not None]
        if found:
            self.adopt(found)

    # -- secrets ----------------------------------------------------------------------
    def secret(self, customer_id: str) -> CustomerSecret | None:
        def query(c: Connection) -> tuple[Any, ...] | None:
            return c.execute("SELECT secret_id, secret FROM customer_secrets WHERE customer_id = %s",
                             (customer_id,)).fetchone()

        row = self._read(query)
        if row is None and self.fallback is not None:
            self._read_through([customer_id])
            row = self._read(query)
        return None if row is None else CustomerSecret(customer_id, row[0], bytes(row[1]))

    def secrets(self, customer_ids: Iterable[str]) -> dict[str, CustomerSecret]:
        """`secret` for many customers in one round trip (two while a move from SQLite runs and
        some are found only there)."""
        ids = list(dict.fromkeys(customer_ids))
        found = self._fetch(ids) if ids else {}
        missing = [cid for cid in ids if cid not in found]
        if missing and self.fallback is not None:
            self._read_through(missing)
            found.update(self._fetch(missing))
        return found

    def create_many(self, customer_ids: Iterable[str]) -> dict[str, CustomerSecret]:
        ids = list(customer_ids)
        if self.fallback is not None:  # an existing secret there is the customer's: never make a second
            self._read_through(ids)
        with self._connection() as conn, conn.transaction():
            conn.execute("LOCK TABLE erasures IN ROW SHARE MODE")
            with conn.cursor() as cur:
                cur.executemany(_ADD, [(cid, f"cs-{secrets.token_hex(8)}", secrets.token_bytes(KEY_LENGTH), cid)
                                       for cid in ids])
        return self._fetch(ids)

    def _fetch(self, ids: list[str]) -> dict[str, CustomerSecret]:
        rows = self._read(lambda c: c.execute(
            "SELECT customer_id, secret_id, secret FROM customer_secrets WHERE customer_id = ANY(%s)",
            (ids,)).fetchall())
        return {cid: CustomerSecret(cid, sid, bytes(secret)) for cid, sid, secret in rows}

    def erase_many(self, customer_ids: Iterable[str]) -> set[str]:
        ids = list(dict.fromkeys(customer_ids))
        with self._connection() as conn, conn.transaction():
            conn.execute("LOCK TABLE erasures IN EXCLUSIVE MODE")  # commits in seq order (module docstring)
            destroyed = {row[0] for row in conn.execute(
                "DELETE FROM customer_secrets WHERE customer_id = ANY(%s) RETURNING customer_id", (ids,))}
            conn.execute("INSERT INTO erasures (customer_id) SELECT unnest(%s::text[]) ORDER BY 1"
                         " ON CONFLICT (customer_id) DO NOTHING", (ids,))
        if self.fallback is not None:
            destroyed |= self.fallback.erase_many(ids)
        return destroyed

    def is_erased(self, customer_id: str) -> bool:
        return self._read(lambda c: c.execute(
            "SELECT 1 FROM erasures WHERE customer_id = %s", (customer_id,)).fetchone()) is not None

    def erased_since(self, seq: int) -> tuple[int, list[str]]:
        rows = self._read(lambda c: c.execute(
            "SELECT seq, customer_id FROM erasures WHERE seq > %s ORDER BY seq", (seq,)).fetchall())
        return (int(rows[-1][0]) if rows else seq), [row[1] for row in rows]

    def generation(self) -> int:
        row = self._read(lambda c: c.execute("SELECT coalesce(max(seq), 0) FROM erasures").fetchone())
        return int(row[0]) if row else 0

    def count(self) -> int:
        row = self._read(lambda c: c.execute("SELECT count(*) FROM customer_secrets").fetchone())
        return int(row[0]) if row else 0

    def rows(self, after: str, limit: int) -> list[CustomerSecret]:
        found = self._read(lambda c: c.execute(
            "SELECT customer_id, secret_id, secret FROM customer_secrets WHERE customer_id > %s"
            " ORDER BY customer_id LIMIT %s", (after, limit)).fetchall())
        return [CustomerSecret(cid, sid, bytes(secret)) for cid, sid, secret in found]

    def tombstones(self, after: int, limit: int) -> list[tuple[int, str]]:
        found = self._read(lambda c: c.execute(
            "SELECT seq, customer_id FROM erasures WHERE seq > %s ORDER BY seq LIMIT %s", (after, limit)).fetchall())
        return [(int(seq), cid) for seq, cid in found]

    def adopt(self, found: list[CustomerSecret]) -> int:
        with self._connection() as conn, conn.transaction():
            conn.execute("LOCK TABLE erasures IN ROW SHARE MODE")
            with conn.cursor() as cur:
                cur.executemany(_ADD, [(s.customer_id, s.secret_id, s.secret, s.customer_id) for s in found])
                return max(cur.rowcount, 0)

    def backup(self, target: Path) -> None:
        """A consistent copy (one REPEATABLE READ snapshot) as a new SQLite key-store file, mode 0600."""
        from gateway.crypto.keystore_sqlite import SqliteKeyStore

        copy = SqliteKeyStore.open(target)
        try:
            with self._connection() as conn, conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                with conn.cursor(name="keystore_backup") as cur:
                    cur.execute("SELECT customer_id, secret_id, secret FROM customer_secrets ORDER BY customer_id")
                    while batch := cur.fetchmany(1000):
                        copy.adopt([CustomerSecret(cid, sid, bytes(s)) for cid, sid, s in batch])
                erased = [cid for _, cid in conn.execute("SELECT seq, customer_id FROM erasures ORDER BY seq")]
            copy.erase_many(erased)
        finally:
            copy.close()
