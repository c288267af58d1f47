"""The encrypted record format (version 1).

    offset     size  field
    0          1     version = 0x01
    1          1     n = length of the key id (1..255)
    2          n     key id, ASCII (which key sealed this record)
    2+n        12    nonce, random
    14+n       32    key commitment
    46+n       ...   AES-256-GCM ciphertext followed by the 16-byte tag

Per record, HKDF-SHA256(ikm=key, salt=nonce) derives the AES key (info ENC_INFO) and
the commitment (info COMMIT_INFO), as in the AWS Encryption SDK's committing suites.
GCM alone is not key-committing: one ciphertext can be crafted to decrypt under two
keys. The stored commitment pins the record to exactly one key and is checked in
constant time before any decryption is attempted.

Associated data = the header (bytes 0 .. 46+n) || encode_context(context), so the
version, key id, nonce and commitment as well as (purpose/field, customer, object)
are all authenticated.
"""

from __future__ import annotations

import hmac
import os
import struct
from collections.abc import Callable, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF, HKDFExpand

VERSION = 1
KEY_LENGTH = 32
NONCE_LENGTH = 12
COMMIT_LENGTH = 32
TAG_LENGTH = 16
ENC_INFO = b"gateway/v1/aes-256-gcm-key"
COMMIT_INFO = b"gateway/v1/key-commitment"
_SHA256 = hashes.SHA256()
_U32 = struct.Struct(">I")
_HAS_EXTRACT = hasattr(HKDF, "extract")  # public since cryptography 47

KeyLookup = Callable[[str], bytes]


class DecryptionError(Exception):
    """A record could not be opened. Deliberately says nothing about why."""

    def __init__(self) -> None:
        super().__init__("decryption failed")


def encode_context(context: Sequence[str]) -> bytes:
    """Unambiguous encoding: count, then each item as 4-byte length + UTF-8.

    ("a|b", "c") and ("a", "b|c") therefore never produce the same bytes.
    """
    parts = [_U32.pack(len(context))]
    for item in context:
        raw = item.encode("utf-8")
        parts.append(_U32.pack(len(raw)))
        parts.append(raw)
    return b"".join(parts)


def derive(key: bytes, nonce: bytes) -> tuple[bytes, bytes]:
    """(AES key, commitment) for one record.

    One HKDF-Extract and two HKDF-Expands: exactly HKDF(key, salt=nonce, info=ENC_INFO)
    and HKDF(key, salt=nonce, info=COMMIT_INFO), without extracting twice.
    """
    if _HAS_EXTRACT:
        prk = HKDF.extract(_SHA256, nonce, key)
        enc_key = HKDFExpand(_SHA256, KEY_LENGTH, ENC_INFO).derive(prk)
        commitment = HKDFExpand(_SHA256, COMMIT_LENGTH, COMMIT_INFO).derive(prk)
    else:  # cryptography < 47 has no public HKDF.extract; same output, one extract more
        enc_key = HKDF(_SHA256, KEY_LENGTH, nonce, ENC_INFO).derive(key)
        commitment = HKDF(_SHA256, COMMIT_LENGTH, nonce, COMMIT_INFO).derive(key)
    return enc_key, commitment


def _key_id_bytes(key_id: str) -> bytes:
    if not (1 <= len(key_id) <= 255 and key_id.isascii() and key_id.isprintable()):
        raise ValueError("key id must be 1..255 printable ASCII characters")
    return key_id.encode("ascii")


def seal(key: bytes, key_id: str, plaintext: bytes, context: Sequence[str], *, nonce: bytes | None = None) -> bytes:
    """Encrypt plaintext under key. `nonce` is for fixed test vectors only."""
    if len(key) != KEY_LENGTH:
        raise ValueError("key must be 32 bytes")
    kid = _key_id_bytes(key_id)
    if nonce is None:
        nonce = os.urandom(NONCE_LENGTH)
    elif len(nonce) != NONCE_LENGTH:
        raise ValueError("nonce must be 12 bytes")
    enc_key, commitment = derive(key, nonce)
    header = bytes((VERSION, len(kid))) + kid + nonce + commitment
    # The derived key is unique per nonce, so the GCM nonce inside it can be the same
    # nonce: the (key, nonce) pair is never reused even if os.urandom ever repeated.
    return header + AESGCM(enc_key).encrypt(nonce, plaintext, header + encode_context(context))


def key_id_of(record: bytes) -> str:
    """The key id in a record's header, without decrypting."""
    if len(record) < 2 or record[0] != VERSION:
        raise DecryptionError()
    n = record[1]
    if n == 0 or len(record) < 2 + n + NONCE_LENGTH + COMMIT_LENGTH + TAG_LENGTH:
        raise DecryptionError()
    try:
        return record[2 : 2 + n].decode("ascii")
    except UnicodeDecodeError:
        raise DecryptionError() from None


def open_record(key_lookup: KeyLookup, record: bytes, context: Sequence[str]) -> bytes:
    """Decrypt a record; any problem at all raises the same DecryptionError.

    key_lookup(key_id) returns the 32-byte key or raises LookupError (KeyError).
    """
    key_id = key_id_of(record)
    n = record[1]
    try:
        key = key_lookup(key_id)
    except LookupError:
        raise DecryptionError() from None
    if len(key) != KEY_LENGTH:
        raise DecryptionError()
    nonce_at = 2 + n
    commit_at = nonce_at + NONCE_LENGTH
    body_at = commit_at + COMMIT_LENGTH
    nonce = record[nonce_at:commit_at]
    enc_key, commitment = derive(key, nonce)
    if not hmac.compare_digest(commitment, record[commit_at:body_at]):
        raise DecryptionError()
    header = record[:body_at]
    try:
        return AESGCM(enc_key).decrypt(nonce, record[body_at:], header + encode_context(context))
    except InvalidTag:
        raise DecryptionError() from None
