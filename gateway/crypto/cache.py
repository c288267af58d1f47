"""A short-lived, bounded cache of unwrapped keys for read-heavy callers (the portal).

The same idea as the AWS Encryption SDK's caching cryptographic materials manager: a key that
was just unwrapped is kept for a little while instead of being unwrapped again on the next
request. A customer's path through the portal opens the same keys several times within a minute:
the inbox unwraps each listed message's data key to show its subject, the message page unwraps it
again with its attachments' keys, the download and the page after a reply once more. See "Key
cache" in docs/encryption.md for the trade-off.

An entry is used only for the very wrapped bytes it was opened from, so whatever changes a stored
wrapped key (re-wrap under a new KEK, a new key) is a miss, never a stale answer. Data keys are
held under their customer's entry: they go when it expires, is evicted or is forgotten, and are
used only with the very customer key object that entry holds. An erased customer's row no longer
exists (or has no wrapped key), so the portal never asks for it again and the entry simply expires.
An entry whose wrapped key names a KEK the keyring no longer holds (retired) is never answered
from: the cache holds no KEK, and it never lets a retired one keep opening anything.
Not thread-safe: use it from one event loop.

The write path (billing ingest, the API, the console, the monthly run) has its own cache per
Crypto, `for_writes(crypto)`, with a shorter life (docs/encryption.md, "Key cache"): a customer's
next messages reuse the unwrapped key instead of a key-store query and two AEAD opens. The write
transaction checks the customer row again (billing/intake.py), so a cached key never lets a
message be stored for an erased customer.
"""

from __future__ import annotations

import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from gateway.crypto import Crypto, CustomerKey, DataKey, Keyring
from gateway.crypto.envelope import DecryptionError, key_id_of

DEFAULT_TTL_SECONDS = 60.0
DEFAULT_MAX_ENTRIES = 1024
#: Data keys kept per customer: an inbox page (20 messages) and a few messages with attachments.
DEFAULT_MAX_DATA_KEYS = 64
#: How often (at most) the cache asks the key store which customers were erased by any process.
DEFAULT_ERASURE_CHECK_SECONDS = 1.0
#: The write path's cache: long enough for a customer's burst of notices, short enough that an
#: unwrapped key does not linger; more customers than a billing group commit (1,000 items).
WRITE_TTL_SECONDS = 30.0
WRITE_MAX_ENTRIES = 2048


@dataclass
class _Entry:
    key: CustomerKey
    expires_at: float
    data_keys: OrderedDict[str, DataKey] = field(default_factory=OrderedDict)


class KeyCache:
    """Crypto's unwrap methods, answered from memory when the same wrapped bytes were opened less
    than `ttl` seconds ago; `open` (fields) is passed straight through, so the portal's store can
    take either this or a Crypto."""

    def __init__(self, crypto: Crypto, *, ttl_seconds: float = DEFAULT_TTL_SECONDS,
                 max_entries: int = DEFAULT_MAX_ENTRIES, max_data_keys: int = DEFAULT_MAX_DATA_KEYS,
                 erasure_check_seconds: float = DEFAULT_ERASURE_CHECK_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if ttl_seconds <= 0 or max_entries <= 0 or max_data_keys <= 0:
            raise ValueError("ttl_seconds, max_entries and max_data_keys must be positive")
        self.crypto = crypto
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self.max_data_keys = max_data_keys
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self.erasure_check_seconds = erasure_check_seconds
        self._erasure_seq = crypto.keystore.generation() if crypto.keystore is not None else 0
        self._erasures_checked_at = clock()
        self._ring = crypto.keyring

    def __len__(self) -> int:
        """How many customers' keys are held."""
        return len(self._entries)

    def __contains__(self, customer_id: object) -> bool:
        return customer_id in self._entries

    def data_keys_held(self, customer_id: str) -> int:
        entry = self._entries.get(customer_id)
        return 0 if entry is None else len(entry.data_keys)

    def open_customer_key(self, customer_id: str, wrapped: bytes) -> CustomerKey:
        """Crypto.open_customer_key; raises DecryptionError exactly as Crypto does."""
        now = self._refresh()
        key = self._held(customer_id, wrapped, now)
        if key is None:
            key = self.crypto.open_customer_key(customer_id, wrapped)
            self._keep({customer_id: key}, now)
        return key

    def open_customer_keys(self, wrapped: Mapping[str, bytes]) -> dict[str, CustomerKey]:
        """Crypto.open_customer_keys: the keys held answered from memory, the others opened together
        (one key-store look-up for all) and kept. A customer whose key does not open is left out."""
        now = self._refresh()
        keys: dict[str, CustomerKey] = {}
        misses: dict[str, bytes] = {}
        for customer_id, record in wrapped.items():
            key = self._held(customer_id, record, now)
            if key is not None:
                keys[customer_id] = key
            else:
                misses[customer_id] = record
        if misses:
            opened = self.crypto.open_customer_keys(misses)
            self._keep(opened, now)
            keys.update(opened)
        return keys

    def _refresh(self) -> float:
        """Before answering from memory: forget erased customers when due, follow a reloaded keyring."""
        now = self._clock()
        if now - self._erasures_checked_at >= self.erasure_check_seconds:
            self.forget_erased()
        if self.crypto.keyring is not self._ring:
            self._follow_keyring()
        return now

    def _held(self, customer_id: str, wrapped: bytes, now: float) -> CustomerKey | None:
        entry = self._entries.get(customer_id)
        if entry is not None and entry.expires_at > now and entry.key.wrapped == wrapped:
            self._entries.move_to_end(customer_id)
            return entry.key
        if entry is not None:
            del self._entries[customer_id]  # expired or another wrapped key: never used again
        return None

    def _keep(self, keys: Mapping[str, CustomerKey], now: float) -> None:
        for customer_id, key in keys.items():
            self._entries[customer_id] = _Entry(key, now + self.ttl)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)  # the least recently used

    def _follow_keyring(self) -> None:
        """The keys folder was loaded again (rotate, retire): drop every entry opened under a KEK
        that is no longer there, so that none is ever answered from memory again. Entries are only
        made by a successful open, under the keyring of that moment."""
        ring = self._ring = self.crypto.keyring
        for customer_id in [cid for cid, entry in self._entries.items() if not _under(ring, entry.key.wrapped)]:
            del self._entries[customer_id]

    def open_data_key(self, ck: CustomerKey, object_id: str, wrapped: bytes) -> DataKey:
        """Crypto.open_data_key; raises DecryptionError exactly as Crypto does. Cached only under a
        live entry holding this very customer key (one this cache opened)."""
        entry = self._entries.get(ck.customer_id)
        if entry is None or entry.key is not ck or entry.expires_at <= self._clock():
            return self.crypto.open_data_key(ck, object_id, wrapped)
        held = entry.data_keys.pop(object_id, None)  # a refusal below leaves nothing behind
        if held is None or held.wrapped != wrapped:
            held = self.crypto.open_data_key(ck, object_id, wrapped)
        entry.data_keys[object_id] = held
        while len(entry.data_keys) > self.max_data_keys:
            entry.data_keys.popitem(last=False)
        return held

    def open(self, key: CustomerKey | DataKey, field_name: str, record: bytes) -> bytes:
        return self.crypto.open(key, field_name, record)

    def forget(self, customer_id: str) -> None:
        """Drop one customer's keys now (erasure in this process)."""
        self._entries.pop(customer_id, None)

    def forget_many(self, customer_ids: Iterable[str]) -> None:
        for customer_id in customer_ids:
            self._entries.pop(customer_id, None)

    def forget_erased(self) -> list[str]:
        """Drop the keys of every customer erased (by any process) since the last look."""
        self._erasures_checked_at = self._clock()
        if self.crypto.keystore is None:
            return []
        self._erasure_seq, erased = self.crypto.keystore.erased_since(self._erasure_seq)
        for customer_id in erased:
            self._entries.pop(customer_id, None)
        return erased

    def purge(self) -> int:
        """Drop every expired entry and those of erased customers (run periodically, so an idle key
        does not stay in memory)."""
        self.forget_erased()
        now = self._clock()
        expired = [cid for cid, entry in self._entries.items() if entry.expires_at <= now]
        for customer_id in expired:
            del self._entries[customer_id]
        return len(expired)

    def clear(self) -> None:
        self._entries.clear()


def _under(ring: Keyring, wrapped: bytes) -> bool:
    try:
        return ring.has(key_id_of(wrapped))
    except DecryptionError:
        return False


_WRITE_CACHES: weakref.WeakKeyDictionary[Crypto, KeyCache] = weakref.WeakKeyDictionary()


def for_writes(crypto: Crypto) -> KeyCache:
    """The write path's customer-key cache of this process for this Crypto, made on first use."""
    cache = _WRITE_CACHES.get(crypto)
    if cache is None:
        cache = _WRITE_CACHES[crypto] = KeyCache(crypto, ttl_seconds=WRITE_TTL_SECONDS,
                                                 max_entries=WRITE_MAX_ENTRIES, max_data_keys=1)
    return cache


def forget_for_writes(crypto: Crypto, customer_ids: Iterable[str]) -> None:
    """Drop these customers from the write cache of this process at once (an erasure here); other
    processes learn of it from the key store's erasure generation within a second."""
    cache = _WRITE_CACHES.get(crypto)
    if cache is not None:
        cache.forget_many(customer_ids)


def purge_for_writes(crypto: Crypto) -> None:
    """Drop the write cache's expired entries (and erased customers'), if this process has one."""
    cache = _WRITE_CACHES.get(crypto)
    if cache is not None:
        cache.purge()
