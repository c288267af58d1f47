"""Encryption at rest: KEK -> customer key -> data key -> fields. See docs/encryption.md.

Contexts (authenticated as associated data, never stored):
    wrapped customer key   ("wrap:customer-key", customer_id, "")
    wrapped data key       ("wrap:data-key",     customer_id, object_id)
    encrypted field        ("field:" + field,    customer_id, object_id or "")
The purpose prefix keeps a field record from ever being accepted as a wrapped key.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field

from cryptography.hazmat.primitives import hashes, hmac

from gateway.crypto.envelope import KEY_LENGTH, DecryptionError, KeyLookup, key_id_of, open_record
from gateway.crypto.envelope import seal as seal_record
from gateway.crypto.keyring import (
    Keyring,
    KeyringError,
    init_keys,
    read_secret_file,
    retire,
    rotate,
    write_secret_file,
)
from gateway.crypto.keystore import CustomerErased, CustomerSecret, KeyStore, KeyStoreError

__all__ = [
    "Crypto",
    "CustomerErased",
    "CustomerKey",
    "CustomerSecret",
    "DataKey",
    "DecryptionError",
    "KeyStore",
    "KeyStoreError",
    "Keyring",
    "KeyringError",
    "init_keys",
    "keyed_index",
    "read_secret_file",
    "retire",
    "rotate",
    "write_secret_file",
]

log = logging.getLogger("gateway.crypto")
REFRESH_SECONDS = 1.0
_CK_WRAP = "wrap:customer-key"
_CK_SECRET = "wrap:customer-secret"
#: The KEK-opened plaintext of a wrapped customer key from before the key store: key || "ck-" + 16 hex.
_LEGACY_LENGTH = KEY_LENGTH + 19
_DK_WRAP = "wrap:data-key"
_NON_DIGITS = re.compile(r"[^0-9]")


@dataclass(frozen=True)
class CustomerKey:
    customer_id: str
    key_id: str
    key: bytes = dc_field(repr=False)
    wrapped: bytes = dc_field(repr=False)


@dataclass(frozen=True)
class DataKey:
    customer_id: str
    object_id: str
    key_id: str
    key: bytes = dc_field(repr=False)
    wrapped: bytes = dc_field(repr=False)


def _new_key_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(8)}"


def _split_wrapped(plaintext: bytes, prefix: str) -> tuple[bytes, str]:
    """A wrapped key's plaintext is key (32 bytes) || its own id (ASCII)."""
    key, raw_id = plaintext[:KEY_LENGTH], plaintext[KEY_LENGTH:]
    try:
        key_id = raw_id.decode("ascii")
    except UnicodeDecodeError:
        raise DecryptionError() from None
    if len(key) != KEY_LENGTH or not key_id.startswith(prefix + "-"):
        raise DecryptionError()
    return key, key_id


def _check_id(name: str, value: str) -> None:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string")


class Crypto:
    """The high-level API. Thread-safe: it holds the immutable keyring snapshot and the key store
    (a connection per thread for SQLite, a pool per process for PostgreSQL).

    A customer key is wrapped twice (docs/encryption.md, "Erasure"): by the customer's secret in
    the key store, then by the primary KEK. Without a key store (`keystore=None`, tools and tests of
    the record format) and for keys from before the key store ("legacy", found by `shred`), the KEK
    wraps the customer key directly."""

    def __init__(self, keyring: Keyring, keystore: KeyStore | None = None, *,
                 refresh_seconds: float = REFRESH_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self._keyring = keyring
        self.keystore = keystore
        self._refresh_seconds = refresh_seconds
        self._clock = clock
        self._checked_at = clock()
        self._stamp = _primary_stamp(keyring)

    @property
    def keyring(self) -> Keyring:
        """The keys folder as last loaded. After `keys rotate` (a new primary marker) every process
        loads it again within `refresh_seconds`, and at once when a record names a KEK it does not
        hold yet, so rotation, re-wrap and retire need no restart (docs/encryption.md)."""
        if self._clock() - self._checked_at >= self._refresh_seconds:
            self._reload_if_changed()
        return self._keyring

    def _reload_if_changed(self) -> bool:
        self._checked_at = self._clock()
        stamp = _primary_stamp(self._keyring)
        if stamp == self._stamp:
            return False
        try:
            fresh = Keyring.load(self._keyring.keys_dir)
        except KeyringError:
            log.warning("keys folder changed but does not load; keeping the keys loaded before")
            return False
        self._keyring, self._stamp = fresh, stamp
        log.info("keys folder loaded again", extra={"primary": fresh.primary_id})
        return True

    def __repr__(self) -> str:
        return f"Crypto({self.keyring!r})"

    def _kek(self, key_id: str) -> bytes:
        try:
            return self.keyring.kek(key_id)
        except KeyringError:
            pass
        if self._reload_if_changed():  # a KEK made by `keys rotate` in another process
            try:
                return self._keyring.kek(key_id)
            except KeyringError:
                pass
        raise KeyError(key_id)  # open_record turns this into DecryptionError

    # -- customer keys -------------------------------------------------------------
    def new_customer_key(self, customer_id: str, secret: CustomerSecret | None = None) -> CustomerKey:
        """A new customer key; `secret` if one was already made in bulk (KeyStore.create_many)."""
        _check_id("customer_id", customer_id)
        key = secrets.token_bytes(KEY_LENGTH)
        key_id = _new_key_id("ck")
        inner = key + key_id.encode()
        if secret is None and self.keystore is not None:  # raises CustomerErased for an erased id
            secret = self.keystore.create(customer_id)
        if secret is not None:
            inner = _seal_under_secret(secret, inner)
        return CustomerKey(customer_id, key_id, key, self._wrap_kek(customer_id, inner))

    def open_customer_key(self, customer_id: str, wrapped: bytes) -> CustomerKey:
        plaintext = self._open_inner(customer_id, open_record(self._kek, wrapped, (_CK_WRAP, customer_id, "")))
        key, key_id = _split_wrapped(plaintext, "ck")
        return CustomerKey(customer_id, key_id, key, wrapped)

    def open_customer_keys(self, wrapped: Mapping[str, bytes]) -> dict[str, CustomerKey]:
        """open_customer_key for many customers (a batch's), with one key-store look-up for all of
        them instead of one each. A customer whose key does not open (erased, or anything for which
        open_customer_key raises DecryptionError) is left out of the answer; every check is the
        single open's."""
        outer: dict[str, bytes] = {}
        for customer_id, record in wrapped.items():
            try:
                outer[customer_id] = open_record(self._kek, record, (_CK_WRAP, customer_id, ""))
            except DecryptionError:
                continue
        under_secret = [cid for cid, inner in outer.items() if len(inner) != _LEGACY_LENGTH]
        found = self.keystore.secrets(under_secret) if under_secret and self.keystore is not None else {}
        keys: dict[str, CustomerKey] = {}
        for customer_id, inner in outer.items():
            try:
                key, key_id = _split_wrapped(self._open_inner(customer_id, inner, found), "ck")
            except DecryptionError:
                continue
            keys[customer_id] = CustomerKey(customer_id, key_id, key, wrapped[customer_id])
        return keys

    def _wrap_kek(self, customer_id: str, inner: bytes) -> bytes:
        ring = self.keyring  # one snapshot: the id and the key must come from the same load
        return seal_record(ring.primary, ring.primary_id, inner, (_CK_WRAP, customer_id, ""))

    def _open_inner(self, customer_id: str, inner: bytes,
                    looked_up: Mapping[str, CustomerSecret] | None = None) -> bytes:
        """key || key id from what the KEK opened: directly (legacy) or through the customer's secret,
        from `looked_up` when the caller fetched a batch's secrets at once, else from the key store."""
        if len(inner) == _LEGACY_LENGTH:
            return inner
        if looked_up is not None:
            found = looked_up.get(customer_id)
        else:
            found = None if self.keystore is None else self.keystore.secret(customer_id)
        if found is None:  # erased (or a key store that is not this deployment's): fails closed
            raise DecryptionError()
        return open_record(_only(found.secret_id, found.secret), inner, (_CK_SECRET, customer_id, ""))

    def shred(self, customer_id: str, wrapped: bytes, secret: CustomerSecret | None = None) -> bytes | None:
        """Move a legacy customer key under a secret in the key store: the same key and key id,
        wrapped by the new secret and then the primary KEK. None if it already is."""
        if self.keystore is None:
            raise ValueError("no key store")
        plaintext = open_record(self._kek, wrapped, (_CK_WRAP, customer_id, ""))
        if len(plaintext) != _LEGACY_LENGTH:
            return None
        _split_wrapped(plaintext, "ck")
        inner = _seal_under_secret(secret or self.keystore.create(customer_id), plaintext)
        return self._wrap_kek(customer_id, inner)

    def rewrap(self, customer_id: str, wrapped: bytes) -> bytes | None:
        """Re-wrap under the current primary KEK; None if it already is (nothing to write).

        The None path only reads the header, so a resumable `keys rewrap` pass over
        already-current customers costs almost nothing. Raises DecryptionError otherwise.
        """
        if key_id_of(wrapped) == self.keyring.primary_id:
            return None
        plaintext = open_record(self._kek, wrapped, (_CK_WRAP, customer_id, ""))
        _split_wrapped(self._open_inner(customer_id, plaintext), "ck")  # same checks as open_customer_key
        # Only the outer layer changes: same secret, same key and key id, so data keys stay valid.
        return self._wrap_kek(customer_id, plaintext)

    @staticmethod
    def kek_id_of(wrapped: bytes) -> str:
        """The KEK id in a wrapped customer key's header (no key needed); DecryptionError if malformed."""
        return key_id_of(wrapped)

    # -- data keys -----------------------------------------------------------------
    def new_data_key(self, ck: CustomerKey, object_id: str) -> DataKey:
        _check_id("object_id", object_id)
        key = secrets.token_bytes(KEY_LENGTH)
        key_id = _new_key_id("dk")
        wrapped = seal_record(ck.key, ck.key_id, key + key_id.encode(), (_DK_WRAP, ck.customer_id, object_id))
        return DataKey(ck.customer_id, object_id, key_id, key, wrapped)

    def open_data_key(self, ck: CustomerKey, object_id: str, wrapped: bytes) -> DataKey:
        plaintext = open_record(_only(ck.key_id, ck.key), wrapped, (_DK_WRAP, ck.customer_id, object_id))
        key, key_id = _split_wrapped(plaintext, "dk")
        return DataKey(ck.customer_id, object_id, key_id, key, wrapped)

    # -- fields --------------------------------------------------------------------
    @staticmethod
    def _field_context(key: CustomerKey | DataKey, field: str) -> tuple[str, str, str]:
        _check_id("field", field)
        object_id = key.object_id if isinstance(key, DataKey) else ""
        return ("field:" + field, key.customer_id, object_id)

    def seal(self, key: CustomerKey | DataKey, field: str, plaintext: bytes) -> bytes:
        return seal_record(key.key, key.key_id, plaintext, self._field_context(key, field))

    def open(self, key: CustomerKey | DataKey, field: str, record: bytes) -> bytes:
        return open_record(_only(key.key_id, key.key), record, self._field_context(key, field))

    # -- look-up -------------------------------------------------------------------
    def blind_index(self, national_id: str) -> str:
        """Keyed, deterministic index: HMAC-SHA256(index key, digits of national_id), hex."""
        digits = _NON_DIGITS.sub("", national_id)
        if not digits:
            raise ValueError("national id has no digits")
        mac = hmac.HMAC(self.keyring.index_key, hashes.SHA256())
        mac.update(digits.encode("ascii"))
        return mac.finalize().hex()

    def email_index(self, email: str) -> str:
        """Keyed, deterministic index of an e-mail address (trimmed, case-folded). The "email:"
        prefix keeps it apart from the national id's index, which is over digits only."""
        normal = email.strip().casefold()
        if "@" not in normal:
            raise ValueError("not an e-mail address")
        mac = hmac.HMAC(self.keyring.index_key, hashes.SHA256())
        mac.update(b"email:" + normal.encode("utf-8"))
        return mac.finalize().hex()


def keyed_index(index_key: bytes, purpose: str, value: str) -> str:
    """A keyed blind index for another kind of value (e.g. an e-mail address), separated from the
    national id's by its purpose: HMAC-SHA256(index key, purpose NUL value), hex."""
    mac = hmac.HMAC(index_key, hashes.SHA256())
    mac.update(purpose.encode("ascii") + b"\0" + value.encode("utf-8"))
    return mac.finalize().hex()


def _primary_stamp(keyring: Keyring) -> tuple[int, int, int] | None:
    """Changes whenever `keys rotate`/`retire` rewrite the folder (the primary marker or the KEK files)."""
    try:
        folder = os.stat(keyring.keys_dir)
        marker = os.stat(keyring.keys_dir / "primary")
    except OSError:
        return None
    return (folder.st_mtime_ns, marker.st_mtime_ns, marker.st_ino)


def _seal_under_secret(found: CustomerSecret, plaintext: bytes) -> bytes:
    return seal_record(found.secret, found.secret_id, plaintext, (_CK_SECRET, found.customer_id, ""))


def _only(key_id: str, key: bytes) -> KeyLookup:
    """A lookup that knows exactly one key: a record naming any other key id fails."""

    def lookup(requested: str) -> bytes:
        if requested != key_id:
            raise KeyError(requested)
        return key

    return lookup
