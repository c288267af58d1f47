"""Encryption at rest: KEK -> customer key -> data key -> fields. See docs/encryption.md.

Contexts (authenticated as associated data, never stored):
    wrapped customer key   ("wrap:customer-key", customer_id, "")
    wrapped data key       ("wrap:data-key",     customer_id, object_id)
    encrypted field        ("field:" + field,    customer_id, object_id or "")
The purpose prefix keeps a field record from ever being accepted as a wrapped key.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from dataclasses import field as dc_field

from cryptography.hazmat.primitives import hashes, hmac

from gateway.crypto.envelope import KEY_LENGTH, DecryptionError, KeyLookup, key_id_of, open_record
from gateway.crypto.envelope import seal as seal_record
from gateway.crypto.keyring import Keyring, KeyringError, init_keys, retire, rotate

__all__ = [
    "Crypto",
    "CustomerKey",
    "DataKey",
    "DecryptionError",
    "Keyring",
    "KeyringError",
    "init_keys",
    "retire",
    "rotate",
]

_CK_WRAP = "wrap:customer-key"
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
    """The high-level API. Thread-safe: it holds only the immutable keyring snapshot."""

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring

    def __repr__(self) -> str:
        return f"Crypto({self.keyring!r})"

    def _kek(self, key_id: str) -> bytes:
        try:
            return self.keyring.kek(key_id)
        except KeyringError:
            raise KeyError(key_id) from None  # open_record turns this into DecryptionError

    # -- customer keys -------------------------------------------------------------
    def new_customer_key(self, customer_id: str) -> CustomerKey:
        _check_id("customer_id", customer_id)
        key = secrets.token_bytes(KEY_LENGTH)
        key_id = _new_key_id("ck")
        kek_id = self.keyring.primary_id
        wrapped = seal_record(self.keyring.kek(kek_id), kek_id, key + key_id.encode(), (_CK_WRAP, customer_id, ""))
        return CustomerKey(customer_id, key_id, key, wrapped)

    def open_customer_key(self, customer_id: str, wrapped: bytes) -> CustomerKey:
        plaintext = open_record(self._kek, wrapped, (_CK_WRAP, customer_id, ""))
        key, key_id = _split_wrapped(plaintext, "ck")
        return CustomerKey(customer_id, key_id, key, wrapped)

    def rewrap(self, customer_id: str, wrapped: bytes) -> bytes | None:
        """Re-wrap under the current primary KEK; None if it already is (nothing to write).

        The None path only reads the header, so a resumable `keys rewrap` pass over
        already-current customers costs almost nothing. Raises DecryptionError otherwise.
        """
        if key_id_of(wrapped) == self.keyring.primary_id:
            return None
        plaintext = open_record(self._kek, wrapped, (_CK_WRAP, customer_id, ""))
        _split_wrapped(plaintext, "ck")  # same validation as open_customer_key
        # Same key and same key id: data keys wrapped by this customer key stay valid.
        kek_id = self.keyring.primary_id
        return seal_record(self.keyring.kek(kek_id), kek_id, plaintext, (_CK_WRAP, customer_id, ""))

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


def _only(key_id: str, key: bytes) -> KeyLookup:
    """A lookup that knows exactly one key: a record naming any other key id fails."""

    def lookup(requested: str) -> bytes:
        if requested != key_id:
            raise KeyError(requested)
        return key

    return lookup
