"""The record format: fixed vectors, round trips, tampering, key commitment."""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from gateway.crypto.envelope import (
    COMMIT_INFO,
    ENC_INFO,
    DecryptionError,
    encode_context,
    key_id_of,
    open_record,
    seal,
)

# Fixed test vector 1
KEY = bytes(range(32))
KEY_ID = "kek-20261124T203000-ab12"
NONCE = bytes.fromhex("000102030405060708090a0b")
CONTEXT = ("field:body", "cust-42", "msg-7")
PLAINTEXT = b"Faktura 2026-11: 1 234,56 kr"
RECORD_HEX = (
    "01186b656b2d3230323631313234543230333030302d61623132000102030405060708090a0b"
    "49604634241cdaa29bfec16303f5d7353872fd962c51dea9c76cdcfbba1a19f4"
    "9eca548eb3d53a80550e0cd52c389713632eb45efc171983c57f49ab71e8654c203457db6e1977cfe60125fd"
)
# Fixed test vector 2: empty plaintext, empty object id
KEY2 = bytes([0xA5]) * 32
RECORD2_HEX = (
    "0113636b2d30313233343536373839616263646566000000000000000000000000"
    "94a3dd1bbee836fae8454caf49bcb326c5f45d6b29e9e9e8146899c7083dd971"
    "b623b2e397bc10652e2547af77100fa5"
)


def lookup_for(*pairs: tuple[str, bytes]):
    keys = dict(pairs)
    return keys.__getitem__


def test_vector_seal_is_exact() -> None:
    assert seal(KEY, KEY_ID, PLAINTEXT, CONTEXT, nonce=NONCE).hex() == RECORD_HEX
    assert seal(KEY2, "ck-0123456789abcdef", b"", ("field:subject", "c", ""), nonce=bytes(12)).hex() == RECORD2_HEX


def test_vector_opens() -> None:
    assert open_record(lookup_for((KEY_ID, KEY)), bytes.fromhex(RECORD_HEX), CONTEXT) == PLAINTEXT
    assert open_record(lookup_for(("ck-0123456789abcdef", KEY2)), bytes.fromhex(RECORD2_HEX),
                       ("field:subject", "c", "")) == b""


def test_vector_matches_spec_independently() -> None:
    """Rebuild vector 1 from the documented layout with plain HKDF + AESGCM calls."""
    record = bytes.fromhex(RECORD_HEX)
    kid = KEY_ID.encode()
    assert record[0] == 1 and record[1] == len(kid) and record[2 : 2 + len(kid)] == kid
    at = 2 + len(kid)
    assert record[at : at + 12] == NONCE
    commitment = HKDF(hashes.SHA256(), 32, NONCE, COMMIT_INFO).derive(KEY)
    assert record[at + 12 : at + 44] == commitment
    enc_key = HKDF(hashes.SHA256(), 32, NONCE, ENC_INFO).derive(KEY)
    assert enc_key != commitment
    header = record[: at + 44]
    aad = header + encode_context(CONTEXT)
    assert AESGCM(enc_key).decrypt(NONCE, record[at + 44 :], aad) == PLAINTEXT


def test_context_encoding_is_unambiguous() -> None:
    assert encode_context(("a|b", "c")) != encode_context(("a", "b|c"))
    assert encode_context(("ab", "")) != encode_context(("a", "b"))
    assert encode_context(("a",)) != encode_context(("a", ""))
    assert encode_context(("", "", "")) == bytes.fromhex("00000003" + "00000000" * 3)


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 1000, 1 << 20])
def test_round_trip_sizes(size: int) -> None:
    key = os.urandom(32)
    data = os.urandom(size)
    record = seal(key, "k1", data, ("f", "c", "o"))
    assert len(record) == 1 + 1 + 2 + 12 + 32 + size + 16
    assert open_record(lookup_for(("k1", key)), record, ("f", "c", "o")) == data


def test_random_nonces_differ() -> None:
    key = os.urandom(32)
    a, b = seal(key, "k", b"same", ("f",)), seal(key, "k", b"same", ("f",))
    assert a != b


def test_every_flipped_byte_fails_closed() -> None:
    record = bytes.fromhex(RECORD_HEX)
    lookup = lookup_for((KEY_ID, KEY))
    for i in range(len(record)):
        for mask in (0x01, 0x80):
            bad = bytearray(record)
            bad[i] ^= mask
            with pytest.raises(DecryptionError) as exc:
                open_record(lookup, bytes(bad), CONTEXT)
            assert str(exc.value) == "decryption failed"


def test_every_truncation_and_extension_fails_closed() -> None:
    record = bytes.fromhex(RECORD_HEX)
    lookup = lookup_for((KEY_ID, KEY))
    for n in range(len(record)):
        with pytest.raises(DecryptionError):
            open_record(lookup, record[:n], CONTEXT)
    with pytest.raises(DecryptionError):
        open_record(lookup, record + b"\x00", CONTEXT)


@pytest.mark.parametrize(
    "context",
    [
        ("field:subject", "cust-42", "msg-7"),  # other field
        ("field:body", "cust-43", "msg-7"),  # other customer
        ("field:body", "cust-42", "msg-8"),  # other object
        ("field:body", "cust-42", ""),  # object dropped
        ("field:body", "cust-42msg-7", ""),  # boundary moved
        ("field:body", "cust-42", "msg-7", ""),  # extra element
        ("cust-42", "field:body", "msg-7"),  # swapped order
    ],
)
def test_wrong_context_fails_closed(context: tuple[str, ...]) -> None:
    with pytest.raises(DecryptionError):
        open_record(lookup_for((KEY_ID, KEY)), bytes.fromhex(RECORD_HEX), context)


def test_unknown_key_id_and_wrong_key_fail_closed() -> None:
    record = bytes.fromhex(RECORD_HEX)
    with pytest.raises(DecryptionError):
        open_record(lookup_for(("other", KEY)), record, CONTEXT)
    with pytest.raises(DecryptionError):
        open_record(lookup_for((KEY_ID, os.urandom(32))), record, CONTEXT)
    with pytest.raises(DecryptionError):
        open_record(lookup_for((KEY_ID, KEY[:16])), record, CONTEXT)


def test_header_key_id_rewritten_to_another_known_key_fails() -> None:
    other_id = "kek-20261124T203000-ff12"  # same length, so the layout still parses
    record = bytes.fromhex(RECORD_HEX).replace(KEY_ID.encode(), other_id.encode())
    assert key_id_of(record) == other_id
    with pytest.raises(DecryptionError):
        open_record(lookup_for((KEY_ID, KEY), (other_id, KEY)), record, CONTEXT)


@pytest.mark.parametrize("version", [0, 2, 0xFF])
def test_unknown_version_fails_closed(version: int) -> None:
    record = bytearray(bytes.fromhex(RECORD_HEX))
    record[0] = version
    with pytest.raises(DecryptionError):
        open_record(lookup_for((KEY_ID, KEY)), bytes(record), CONTEXT)
    with pytest.raises(DecryptionError):
        key_id_of(bytes(record))


def test_commitment_refuses_a_record_gcm_would_accept() -> None:
    """Forge a record whose GCM part is fully valid under key B (header and context in the
    AAD included) but whose commitment belongs to key A. GCM accepts it (shown directly);
    open_record refuses it under both keys because the commitment is checked first."""
    key_a, key_b = os.urandom(32), os.urandom(32)
    header = bytes((1, 1)) + b"k" + NONCE + HKDF(hashes.SHA256(), 32, NONCE, COMMIT_INFO).derive(key_a)
    enc_b = HKDF(hashes.SHA256(), 32, NONCE, ENC_INFO).derive(key_b)
    aad = header + encode_context(CONTEXT)
    forged = header + AESGCM(enc_b).encrypt(NONCE, b"attacker text", aad)
    assert AESGCM(enc_b).decrypt(NONCE, forged[len(header) :], aad) == b"attacker text"
    for key in (key_a, key_b):
        with pytest.raises(DecryptionError):
            open_record(lookup_for(("k", key)), forged, CONTEXT)


def test_record_sealed_under_one_key_never_opens_under_another() -> None:
    key_a, key_b = os.urandom(32), os.urandom(32)
    record = seal(key_a, "k", b"for A", CONTEXT, nonce=NONCE)
    with pytest.raises(DecryptionError):
        open_record(lookup_for(("k", key_b)), record, CONTEXT)


def test_seal_rejects_bad_inputs() -> None:
    with pytest.raises(ValueError):
        seal(bytes(16), "k", b"", ())
    with pytest.raises(ValueError):
        seal(KEY, "", b"", ())
    with pytest.raises(ValueError):
        seal(KEY, "x" * 256, b"", ())
    with pytest.raises(ValueError):
        seal(KEY, "nøkkel", b"", ())
    with pytest.raises(ValueError):
        seal(KEY, "k", b"", (), nonce=bytes(8))


def test_derive_equals_two_full_hkdf_calls() -> None:
    from gateway.crypto.envelope import derive

    for _ in range(5):
        key, nonce = os.urandom(32), os.urandom(12)
        assert derive(key, nonce) == (
            HKDF(hashes.SHA256(), 32, nonce, ENC_INFO).derive(key),
            HKDF(hashes.SHA256(), 32, nonce, COMMIT_INFO).derive(key),
        )
