"""The high-level API the storage layer calls: key hierarchy, fields, rotation, blind index."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gateway.crypto import (
    Crypto,
    CustomerKey,
    DataKey,
    DecryptionError,
    Keyring,
    KeyStore,
    init_keys,
    retire,
    rotate,
)
from gateway.crypto.envelope import key_id_of


def test_full_hierarchy_round_trip(crypto: Crypto) -> None:
    ck = crypto.new_customer_key("cust-1")
    assert ck.customer_id == "cust-1" and len(ck.key) == 32 and ck.key_id.startswith("ck-")
    assert Crypto.kek_id_of(ck.wrapped) == crypto.keyring.primary_id
    email = crypto.seal(ck, "email", b"ola@example.no")

    dk = crypto.new_data_key(ck, "msg-1")
    assert (dk.customer_id, dk.object_id) == ("cust-1", "msg-1") and dk.key_id.startswith("dk-")
    assert key_id_of(dk.wrapped) == ck.key_id
    subject = crypto.seal(dk, "subject", b"Faktura for november")
    body = crypto.seal(dk, "body", "Beløp: 1 234,56 kr".encode())
    assert key_id_of(subject) == dk.key_id

    # Everything comes back from the stored (wrapped) forms alone.
    ck2 = crypto.open_customer_key("cust-1", ck.wrapped)
    assert ck2 == ck
    dk2 = crypto.open_data_key(ck2, "msg-1", dk.wrapped)
    assert dk2 == dk
    assert crypto.open(ck2, "email", email) == b"ola@example.no"
    assert crypto.open(dk2, "subject", subject) == b"Faktura for november"
    assert crypto.open(dk2, "body", body) == "Beløp: 1 234,56 kr".encode()


def test_keys_are_random(crypto: Crypto) -> None:
    a, b = crypto.new_customer_key("c"), crypto.new_customer_key("c")
    assert a.key != b.key and a.key_id != b.key_id and a.wrapped != b.wrapped
    d1, d2 = crypto.new_data_key(a, "m"), crypto.new_data_key(a, "m")
    assert d1.key != d2.key and d1.key_id != d2.key_id


def test_wrapped_customer_key_moved_to_another_customer_fails(crypto: Crypto) -> None:
    ck = crypto.new_customer_key("cust-A")
    with pytest.raises(DecryptionError):
        crypto.open_customer_key("cust-B", ck.wrapped)


def test_wrapped_data_key_moved_fails(crypto: Crypto) -> None:
    a, b = crypto.new_customer_key("cust-A"), crypto.new_customer_key("cust-B")
    dk = crypto.new_data_key(a, "msg-1")
    with pytest.raises(DecryptionError):
        crypto.open_data_key(b, "msg-1", dk.wrapped)  # other customer
    with pytest.raises(DecryptionError):
        crypto.open_data_key(a, "msg-2", dk.wrapped)  # other message
    with pytest.raises(DecryptionError):
        crypto.open_customer_key("cust-A", dk.wrapped)  # data key posing as customer key


def test_field_record_moved_between_customers_objects_fields_fails(crypto: Crypto) -> None:
    a, b = crypto.new_customer_key("cust-A"), crypto.new_customer_key("cust-B")
    da, da2, db = crypto.new_data_key(a, "msg-1"), crypto.new_data_key(a, "msg-2"), crypto.new_data_key(b, "msg-1")
    rec = crypto.seal(da, "body", b"secret")
    for key, field in [(db, "body"), (da2, "body"), (da, "subject"), (a, "body")]:
        with pytest.raises(DecryptionError):
            crypto.open(key, field, rec)
    # Same key bytes but a different binding (customer/object) must still fail: AAD, not key id.
    forged = DataKey("cust-B", "msg-1", da.key_id, da.key, da.wrapped)
    with pytest.raises(DecryptionError):
        crypto.open(forged, "body", rec)
    forged = DataKey("cust-A", "msg-2", da.key_id, da.key, da.wrapped)
    with pytest.raises(DecryptionError):
        crypto.open(forged, "body", rec)
    crec = crypto.seal(a, "email", b"a@example.no")
    with pytest.raises(DecryptionError):
        crypto.open(CustomerKey("cust-B", a.key_id, a.key, a.wrapped), "email", crec)


def test_field_record_cannot_pass_as_wrapped_key(crypto: Crypto) -> None:
    ck = crypto.new_customer_key("c")
    # A customer field whose plaintext looks like a wrapped data key's plaintext.
    rec = crypto.seal(ck, "wrap:data-key", bytes(32) + b"dk-0000000000000000")
    with pytest.raises(DecryptionError):
        crypto.open_data_key(ck, "", rec)
    with pytest.raises(ValueError):
        crypto.new_data_key(ck, "")


def test_tampered_wrapped_keys_fail_closed(crypto: Crypto) -> None:
    ck = crypto.new_customer_key("c")
    dk = crypto.new_data_key(ck, "m")
    for wrapped, opener in [
        (ck.wrapped, lambda w: crypto.open_customer_key("c", w)),
        (dk.wrapped, lambda w: crypto.open_data_key(ck, "m", w)),
    ]:
        for i in range(len(wrapped)):
            bad = bytearray(wrapped)
            bad[i] ^= 0x40
            with pytest.raises(DecryptionError):
                opener(bytes(bad))
        with pytest.raises(DecryptionError):
            opener(wrapped[:-1])


def test_unknown_kek_fails_as_decryption_error(tmp_path: Path, crypto: Crypto) -> None:
    other_dir = tmp_path / "other"
    init_keys(other_dir)
    other = Crypto(Keyring.load(other_dir))
    ck = other.new_customer_key("c")
    with pytest.raises(DecryptionError) as exc:
        crypto.open_customer_key("c", ck.wrapped)
    assert str(exc.value) == "decryption failed"


def test_rotation_rewrap_retire(keys: Path) -> None:
    old = Crypto(Keyring.load(keys))
    old_id = old.keyring.primary_id
    ck = old.new_customer_key("cust-1")
    dk = old.new_data_key(ck, "msg-1")
    rec = old.seal(dk, "body", b"hello")
    assert old.rewrap("cust-1", ck.wrapped) is None  # already under the primary

    new_id = rotate(keys)
    new = Crypto(Keyring.load(keys))
    assert new.new_customer_key("cust-2").wrapped and Crypto.kek_id_of(new.new_customer_key("x").wrapped) == new_id
    # Old wraps still open (old KEK is decrypt-only).
    assert new.open_customer_key("cust-1", ck.wrapped) == ck

    rewrapped = new.rewrap("cust-1", ck.wrapped)
    assert rewrapped is not None and Crypto.kek_id_of(rewrapped) == new_id
    assert new.rewrap("cust-1", rewrapped) is None  # resumable: a second pass is a no-op
    ck2 = new.open_customer_key("cust-1", rewrapped)
    assert (ck2.key, ck2.key_id) == (ck.key, ck.key_id)  # data keys stay valid
    with pytest.raises(DecryptionError):
        new.rewrap("cust-2", ck.wrapped)  # rewrap checks the customer binding too

    retire(keys, old_id)
    after = Crypto(Keyring.load(keys))
    ck3 = after.open_customer_key("cust-1", rewrapped)
    assert after.open(after.open_data_key(ck3, "msg-1", dk.wrapped), "body", rec) == b"hello"
    with pytest.raises(DecryptionError):  # a forgotten old wrap is unreadable after retire
        after.open_customer_key("cust-1", ck.wrapped)


def test_blind_index_stable_normalised_keyed(tmp_path: Path, crypto: Crypto) -> None:
    a = crypto.blind_index("01019012345")
    assert a == crypto.blind_index("010190 12345") == crypto.blind_index(" 010190-12345\n")
    assert re.fullmatch("[0-9a-f]{64}", a)  # hex of 256 bits
    assert a != crypto.blind_index("01019012346")
    assert "01019012345" not in a
    other_dir = tmp_path / "other"
    init_keys(other_dir)
    assert Crypto(Keyring.load(other_dir)).blind_index("01019012345") != a
    with pytest.raises(ValueError):
        crypto.blind_index("abc")


def test_blind_index_known_value(keys: Path) -> None:
    from cryptography.hazmat.primitives import hashes, hmac

    ring = Keyring.load(keys)
    mac = hmac.HMAC(ring.index_key, hashes.SHA256())
    mac.update(b"01019012345")
    assert Crypto(ring).blind_index("010190 12345") == mac.finalize().hex()


def test_reprs_never_show_key_bytes(crypto: Crypto) -> None:
    ck = crypto.new_customer_key("cust-1")
    dk = crypto.new_data_key(ck, "msg-1")
    ring = crypto.keyring
    text = " ".join([repr(ck), str(ck), repr(dk), str(dk), repr(crypto), repr(ring), f"{ck!r}{dk}"])
    secrets = [ck.key, dk.key, ring.index_key] + [ring.kek(k) for k in ring.kek_ids]
    for s in secrets:
        assert s.hex() not in text and repr(s) not in text and str(s) not in text
    assert "cust-1" in repr(ck) and ck.key_id in repr(ck) and dk.key_id in repr(dk)


def test_decryption_error_carries_no_data(crypto: Crypto) -> None:
    ck = crypto.new_customer_key("cust-secret-id")
    with pytest.raises(DecryptionError) as exc:
        crypto.open(ck, "email", b"\x01garbage-with-cust-secret-id")
    assert str(exc.value) == "decryption failed" and exc.value.__cause__ is None


def test_customer_keys_opened_together_answer_as_one_at_a_time(keys: Path, tmp_path: Path) -> None:
    """One key-store look-up for many customers (a batch): the same keys as open_customer_key,
    and left out exactly where open_customer_key fails (erased, tampered, another customer's,
    unknown KEK); legacy keys (from before the key store) open too."""
    store = KeyStore.open(tmp_path / "keystore.db")
    crypto = Crypto(Keyring.load(keys), store)
    made = {cid: crypto.new_customer_key(cid) for cid in ("a", "b", "c", "gone")}
    legacy = Crypto(Keyring.load(keys)).new_customer_key("old")  # the KEK alone wraps it
    assert store.erase("gone")
    tampered = made["c"].wrapped[:-1] + bytes([made["c"].wrapped[-1] ^ 1])
    wrapped = {"a": made["a"].wrapped, "b": made["b"].wrapped, "c": tampered, "gone": made["gone"].wrapped,
               "old": legacy.wrapped, "moved": made["a"].wrapped, "junk": b"\x01\x03abc"}
    opened = crypto.open_customer_keys(wrapped)
    assert set(opened) == {"a", "b", "old"}
    for cid, key in opened.items():
        assert key == crypto.open_customer_key(cid, wrapped[cid])
    for cid in set(wrapped) - set(opened):
        with pytest.raises(DecryptionError):
            crypto.open_customer_key(cid, wrapped[cid])
    assert store.secrets(["a", "gone", "nobody", "a"]) == {"a": store.secret("a")}
    store.close()
