"""The key store: one random secret per customer, kept where the database backups do not reach.

A customer's key is wrapped twice: first by the customer's secret held here, then by the primary
KEK (docs/encryption.md, "Erasure"). The database holds only the outer record, so a database
backup is useless without the key store, and erasing a customer deletes the secret here, which
makes every copy of their wrapped key (in the database or any backup of it) unopenable for good.
The key store is kept out of the database backup and has its own short backup retention: that
retention bounds how long an erased customer stays readable in any backup.

Two backends with the same behaviour: a SQLite file beside `keys/` (one host; keystore_sqlite.py)
and a PostgreSQL database of its own, apart from the data database (several hosts;
keystore_pg.py). `KeyStore.open` picks one by its argument: a path, or a postgresql:// URL.

The `erasures` table doubles as the generation counter that lets every process drop cached keys
of erased customers (`erased_since`). Lookups are synchronous point queries, so `Crypto` stays
synchronous.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import UTC, datetime
from pathlib import Path


class KeyStoreError(Exception):
    """The key store cannot be used; the message is one line naming the file or database (never a password)."""


class CustomerErased(Exception):
    """A secret was asked for a customer id that has been erased: the id is never used again."""


@dataclass(frozen=True)
class CustomerSecret:
    customer_id: str
    secret_id: str
    secret: bytes = dc_field(repr=False)


def is_url(location: Path | str) -> bool:
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))


class KeyStore(ABC):
    """Customer secrets and the erasure tombstones. Safe to share between threads and across fork."""

    @staticmethod
    def open(location: Path | str, *, create: bool = True, moving_from: Path | None = None) -> KeyStore:
        """The key store at `location`: a SQLite file path, or a postgresql:// URL of a database of
        its own. `create`: make the file (mode 0600) or the tables if missing. `moving_from`: a
        SQLite key store being moved into the PostgreSQL one, read through until the move is done."""
        if is_url(location):
            from gateway.crypto.keystore_pg import PgKeyStore
            from gateway.crypto.keystore_sqlite import SqliteKeyStore

            fallback = None if moving_from is None else SqliteKeyStore.open(moving_from, create=False)
            return PgKeyStore.open(str(location), create=create, fallback=fallback)
        from gateway.crypto.keystore_sqlite import SqliteKeyStore

        return SqliteKeyStore.open(Path(location), create=create)

    @abstractmethod
    def close(self) -> None:
        """Release this process's connections (the store opens them again when used)."""

    @abstractmethod
    def secret(self, customer_id: str) -> CustomerSecret | None: ...

    def secrets(self, customer_ids: Iterable[str]) -> dict[str, CustomerSecret]:
        """`secret` for many customers (a batch's), in as few queries as the backend allows; an
        erased or unknown customer is left out of the answer."""
        found: dict[str, CustomerSecret] = {}
        for customer_id in dict.fromkeys(customer_ids):
            secret = self.secret(customer_id)
            if secret is not None:
                found[customer_id] = secret
        return found

    @abstractmethod
    def create_many(self, customer_ids: Iterable[str]) -> dict[str, CustomerSecret]:
        """The customers' secrets, made now where there is none, in one transaction (bulk set-up,
        the move of existing keys). Erased ids are left out of the answer."""

    def create(self, customer_id: str) -> CustomerSecret:
        """The customer's secret, made now if there is none. Raises CustomerErased for an erased id."""
        found = self.create_many([customer_id]).get(customer_id)
        if found is None:
            raise CustomerErased(customer_id)
        return found

    @abstractmethod
    def erase_many(self, customer_ids: Iterable[str]) -> set[str]:
        """Destroy these customers' secrets and keep tombstones, in one transaction. Returns the ids
        whose secret was destroyed now."""

    def erase(self, customer_id: str) -> bool:
        """Destroy the customer's secret and keep a tombstone. True if a secret was destroyed."""
        return customer_id in self.erase_many([customer_id])

    @abstractmethod
    def is_erased(self, customer_id: str) -> bool: ...

    @abstractmethod
    def erased_since(self, seq: int) -> tuple[int, list[str]]:
        """Customers erased after generation `seq`, and the generation now."""

    @abstractmethod
    def generation(self) -> int: ...

    @abstractmethod
    def count(self) -> int: ...

    @abstractmethod
    def rows(self, after: str, limit: int) -> list[CustomerSecret]:
        """Up to `limit` secrets with customer ids greater than `after`, in id order (copying the store)."""

    @abstractmethod
    def tombstones(self, after: int, limit: int) -> list[tuple[int, str]]:
        """Up to `limit` (seq, customer id) erasures after `after`, in seq order (copying the store)."""

    @abstractmethod
    def adopt(self, found: list[CustomerSecret]) -> int:
        """Keep these secrets as they are (ids and bytes), unless the store already has one for the
        customer or has erased them; one transaction. Returns how many were added."""

    def backup(self, target: Path) -> None:
        """A consistent copy of the key store as a new SQLite key-store file (mode 0600)."""
        from gateway.crypto.keystore_sqlite import SqliteKeyStore

        copy = SqliteKeyStore.open(target)
        try:
            self.copy_into(copy)
        finally:
            copy.close()

    def copy_into(self, target: KeyStore) -> None:
        """Copy every secret and tombstone into `target` (keystore_copy.import_keystore)."""
        from gateway.crypto.keystore_copy import import_keystore

        import_keystore(self, target)


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
