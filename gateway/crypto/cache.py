"""A short-lived, bounded cache of unwrapped customer keys for read-heavy callers (the portal).

The same idea as the AWS Encryption SDK's caching cryptographic materials manager: a key that
was just unwrapped is kept for a little while instead of being unwrapped again on the next
request. See "Customer-key cache" in docs/encryption.md for the trade-off.

An entry is used only for the very wrapped bytes it was opened from, so whatever changes the
stored wrapped key (re-wrap under a new KEK, a new key) is a miss, never a stale answer; an erased
customer's row no longer exists (or has no wrapped key), so the portal never asks for it again and
the entry simply expires. Not thread-safe: use it from one event loop.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from gateway.crypto import Crypto, CustomerKey

DEFAULT_TTL_SECONDS = 60.0
DEFAULT_MAX_ENTRIES = 1024


@dataclass(frozen=True)
class _Entry:
    key: CustomerKey
    expires_at: float


class CustomerKeyCache:
    def __init__(self, crypto: Crypto, *, ttl_seconds: float = DEFAULT_TTL_SECONDS,
                 max_entries: int = DEFAULT_MAX_ENTRIES, clock: Callable[[], float] = time.monotonic) -> None:
        if ttl_seconds <= 0 or max_entries <= 0:
            raise ValueError("ttl_seconds and max_entries must be positive")
        self.crypto = crypto
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, customer_id: object) -> bool:
        return customer_id in self._entries

    def open_customer_key(self, customer_id: str, wrapped: bytes) -> CustomerKey:
        """Crypto.open_customer_key, answered from the cache when these exact bytes were opened
        less than `ttl` seconds ago. Raises DecryptionError exactly as Crypto does."""
        now = self._clock()
        entry = self._entries.get(customer_id)
        if entry is not None and entry.expires_at > now and entry.key.wrapped == wrapped:
            self._entries.move_to_end(customer_id)
            return entry.key
        if entry is not None:
            del self._entries[customer_id]  # expired or another wrapped key: never used again
        key = self.crypto.open_customer_key(customer_id, wrapped)
        self._entries[customer_id] = _Entry(key, now + self.ttl)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)  # the least recently used
        return key

    def forget(self, customer_id: str) -> None:
        """Drop one customer's key now (erasure in this process)."""
        self._entries.pop(customer_id, None)

    def purge(self) -> int:
        """Drop every expired entry (run periodically, so an idle key does not stay in memory)."""
        now = self._clock()
        expired = [cid for cid, entry in self._entries.items() if entry.expires_at <= now]
        for customer_id in expired:
            del self._entries[customer_id]
        return len(expired)

    def clear(self) -> None:
        self._entries.clear()
