"""The portal's key cache: it answers only for the exact wrapped key it opened, never authenticates
less than Crypto does, follows rotation and erasure, and keeps keys in memory for a bounded time;
data keys go with their customer's entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.crypto import Crypto, DecryptionError, Keyring, retire, rotate
from gateway.crypto.cache import KeyCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_cached_key_opens_the_customers_data(crypto: Crypto) -> None:
    ck = crypto.new_customer_key("c1")
    record = crypto.seal(ck, "customer.email", b"ola@example.no")
    cache = KeyCache(crypto)
    first = cache.open_customer_key("c1", ck.wrapped)
    again = cache.open_customer_key("c1", ck.wrapped)
    assert again is first and "c1" in cache
    assert crypto.open(again, "customer.email", record) == b"ola@example.no"


def test_the_cache_never_accepts_what_crypto_would_refuse(crypto: Crypto) -> None:
    a, b = crypto.new_customer_key("a"), crypto.new_customer_key("b")
    cache = KeyCache(crypto)
    cache.open_customer_key("a", a.wrapped)
    with pytest.raises(DecryptionError):
        cache.open_customer_key("a", b.wrapped)  # another customer's wrapped key under a's id
    tampered = a.wrapped[:-1] + bytes([a.wrapped[-1] ^ 1])
    with pytest.raises(DecryptionError):
        cache.open_customer_key("a", tampered)
    with pytest.raises(DecryptionError):
        cache.open_customer_key("b", a.wrapped)
    assert "a" not in cache  # a refused look-up also drops what was cached for that id


def test_rotation_and_rewrap_are_followed_and_the_old_kek_can_go(keys: Path, crypto: Crypto) -> None:
    ck = crypto.new_customer_key("c1")
    record = crypto.seal(ck, "customer.name", b"Kari")
    cache = KeyCache(crypto)
    cache.open_customer_key("c1", ck.wrapped)
    rotate(keys)
    rotated = Crypto(Keyring.load(keys))
    rewrapped = rotated.rewrap("c1", ck.wrapped)
    assert rewrapped is not None and rewrapped != ck.wrapped
    cache = KeyCache(rotated)
    cache.open_customer_key("c1", ck.wrapped)
    fresh = cache.open_customer_key("c1", rewrapped)  # the stored wrapped key changed: opened again
    assert fresh.wrapped == rewrapped and rotated.open(fresh, "customer.name", record) == b"Kari"


def test_a_cached_key_never_answers_once_its_kek_is_retired(keys: Path) -> None:
    clock = Clock()
    crypto = Crypto(Keyring.load(keys), clock=clock)  # reloads the keys folder like a server does
    old = crypto.keyring.primary_id
    ck = crypto.new_customer_key("c1")
    cache = KeyCache(crypto, clock=clock)
    assert cache.open_customer_key("c1", ck.wrapped) is cache.open_customer_key("c1", ck.wrapped)
    rotate(keys)
    retire(keys, old)  # forced here: nothing in a database depends on it in this test
    clock.now += 2  # the process notices the changed keys folder within a second
    with pytest.raises(DecryptionError):  # not answered from memory: the KEK is gone
        cache.open_customer_key("c1", ck.wrapped)
    assert "c1" not in cache


def test_erasure_forget_and_expiry_remove_the_key_from_memory(crypto: Crypto) -> None:
    clock = Clock()
    cache = KeyCache(crypto, ttl_seconds=60, clock=clock)
    one, two = crypto.new_customer_key("one"), crypto.new_customer_key("two")
    first = cache.open_customer_key("one", one.wrapped)
    cache.open_customer_key("two", two.wrapped)
    cache.forget("two")  # erased by this process
    assert "two" not in cache and len(cache) == 1
    clock.now += 59
    assert cache.open_customer_key("one", one.wrapped) is first
    clock.now += 1
    assert cache.open_customer_key("one", one.wrapped) is not first  # expired: unwrapped again
    clock.now += 61
    assert cache.purge() == 1 and len(cache) == 0  # idle keys do not stay past the TTL


def test_the_number_of_keys_held_is_bounded(crypto: Crypto) -> None:
    cache = KeyCache(crypto, max_entries=3)
    wrapped = {cid: crypto.new_customer_key(cid).wrapped for cid in ("a", "b", "c", "d")}
    for cid in ("a", "b", "c"):
        cache.open_customer_key(cid, wrapped[cid])
    cache.open_customer_key("a", wrapped["a"])  # a is now the most recently used
    cache.open_customer_key("d", wrapped["d"])
    assert len(cache) == 3 and "b" not in cache and all(cid in cache for cid in ("a", "c", "d"))
    with pytest.raises(ValueError):
        KeyCache(crypto, ttl_seconds=0)


def test_a_cached_data_key_opens_the_message_and_is_only_used_for_its_own_bytes(crypto: Crypto) -> None:
    ck = crypto.new_customer_key("c1")
    dk = crypto.new_data_key(ck, "m1")
    record = crypto.seal(dk, "message.body", b"Faktura for oktober")
    cache = KeyCache(crypto)
    held = cache.open_customer_key("c1", ck.wrapped)
    first = cache.open_data_key(held, "m1", dk.wrapped)
    assert cache.open_data_key(held, "m1", dk.wrapped) is first and cache.data_keys_held("c1") == 1
    assert cache.open(first, "message.body", record) == b"Faktura for oktober"
    other = crypto.new_data_key(ck, "m2")
    with pytest.raises(DecryptionError):
        cache.open_data_key(held, "m1", other.wrapped)  # m2's key offered as m1's: refused as by Crypto
    assert cache.data_keys_held("c1") == 0  # and the refused id holds nothing any more
    tampered = dk.wrapped[:-1] + bytes([dk.wrapped[-1] ^ 1])
    with pytest.raises(DecryptionError):
        cache.open_data_key(held, "m1", tampered)


def test_data_keys_are_cached_only_under_the_customer_key_the_cache_holds(crypto: Crypto) -> None:
    ck = crypto.new_customer_key("c1")
    dk = crypto.new_data_key(ck, "m1")
    cache = KeyCache(crypto)
    opened_elsewhere = crypto.open_customer_key("c1", ck.wrapped)  # not from this cache
    assert cache.open_data_key(opened_elsewhere, "m1", dk.wrapped).key == dk.key
    assert "c1" not in cache and cache.data_keys_held("c1") == 0


def test_data_keys_leave_memory_with_their_customer_and_are_bounded(crypto: Crypto) -> None:
    clock = Clock()
    cache = KeyCache(crypto, ttl_seconds=60, max_data_keys=2, clock=clock)
    ck = crypto.new_customer_key("c1")
    wrapped = {m: crypto.new_data_key(ck, m).wrapped for m in ("m1", "m2", "m3")}
    held = cache.open_customer_key("c1", ck.wrapped)
    for m in ("m1", "m2", "m3"):
        cache.open_data_key(held, m, wrapped[m])
    assert cache.data_keys_held("c1") == 2  # the least recently used (m1) went
    cache.forget("c1")
    assert cache.data_keys_held("c1") == 0
    held = cache.open_customer_key("c1", ck.wrapped)
    first = cache.open_data_key(held, "m1", wrapped["m1"])
    clock.now += 60
    assert cache.open_data_key(held, "m1", wrapped["m1"]) is not first  # expired with the customer key
    assert cache.purge() == 1 and cache.data_keys_held("c1") == 0


def test_keys_opened_together_are_held_and_answered_as_single_opens(crypto: Crypto) -> None:
    made = {cid: crypto.new_customer_key(cid) for cid in ("a", "b", "c")}
    cache = KeyCache(crypto, max_entries=2)
    first = cache.open_customer_key("a", made["a"].wrapped)
    tampered = made["c"].wrapped[:-1] + bytes([made["c"].wrapped[-1] ^ 1])
    opened = cache.open_customer_keys({"a": made["a"].wrapped, "b": made["b"].wrapped, "c": tampered})
    assert opened["a"] is first  # held: answered from memory
    assert set(opened) == {"a", "b"} and "c" not in cache  # what does not open is left out, never held
    assert opened["b"] == crypto.open_customer_key("b", made["b"].wrapped)
    assert cache.open_customer_key("b", made["b"].wrapped) is opened["b"]
    assert cache.open_customer_keys({"a": made["b"].wrapped}) == {}  # another customer's key under a's id
    assert "a" not in cache and len(cache) == 1
