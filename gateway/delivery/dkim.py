"""DKIM signatures (RFC 6376) on every notification e-mail: built here, signed by OpenSSL, checked against dkimpy.

The private key lives in the keys folder as `dkim-<selector>.key` under the KEK rules (file 0600,
folder 0700): PEM for rsa-sha256, the base64 seed for ed25519-sha256 (RFC 8463). `gateway keys
dkim-init` makes it and prints the DNS TXT record to publish at <selector>._domainkey.<domain>.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path

import dkim
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from gateway.crypto import KeyringError, read_secret_file, write_secret_file
from gateway.settings import Settings

# The headers a notification carries that matter to its reader or to filters; "from" twice so
# that a From added in transit breaks the signature (over-signing, RFC 6376 section 8.15).
SIGNED_HEADERS = (b"from", b"from", b"to", b"subject", b"date", b"message-id", b"auto-submitted",
                  b"mime-version", b"content-type", b"content-language")
# Headers relaxed, body simple (c=relaxed/simple): the body is quoted-printable with CRLF lines,
# nothing may touch it.
_NAME = b"DKIM-Signature"
# Threads for the private-key step (DkimSigner.sign_many).
SIGNING_THREADS = 2
_threads: ThreadPoolExecutor | None = None

# dkimpy makes RSA signatures in pure Python (about 10 ms each, and 0.7 ms to parse the PEM key on
# every call), and its parser and canonicalisation cost about 90 µs a mail on the event loop. The
# gateway signs only messages it generated itself (CRLF lines, plain header fields), so the relaxed
# header form and the simple body hash are built here directly from the bytes (`canonical`), SHA-256
# by hashlib; dkimpy's `fold` still lays out the DKIM-Signature header; only the private-key
# operation over the digest is OpenSSL's (cryptography), with a key loaded once. RSASSA-PKCS1-v1_5
# and Ed25519 are deterministic, so tests/feedback/test_dkim_conformance.py checks, over many
# generated messages, that the result is byte-for-byte what `dkim.sign` makes with the same key and
# time, and that dkimpy verifies it against the published record.

_WSP_RUN = re.compile(rb"[\t ]+")


class Unsignable(ValueError):
    """The message is not one this builder canonicalises exactly (bare CR/LF line ends, a header
    line without a field name): the gateway never generates such a message."""


@dataclass(frozen=True)
class Unsigned:
    """One mail's DKIM-Signature tags up to b= (unfolded) and the SHA-256 digest the key signs."""

    tags: bytes
    digest: bytes


def canonical(data: bytes, names: Sequence[bytes] = SIGNED_HEADERS) -> tuple[bytes, bytes]:
    """(the relaxed canonical form of the header fields `names` selects, the SHA-256 of the simple
    canonical body) of a CRLF message, as RFC 6376 sections 3.4.1, 3.4.2 and 5.4.2 define them.

    Header fields are picked from the bottom up, one instance per name in `names` (a name listed
    more often than the field occurs signs its absence: over-signing); relaxed: name lowercased,
    value unfolded, runs of WSP made one SP, WSP at its ends removed, `name:value` CRLF. Simple body:
    the bytes after the first empty line, trailing empty lines removed, ending in exactly one CRLF."""
    if data.count(b"\n") != data.count(b"\r\n"):
        raise Unsignable("line ends other than CRLF")
    if data.startswith(b"\r\n"):
        head, body_start = b"", 2
    else:
        end = data.find(b"\r\n\r\n")
        if end < 0:  # no body: the header block ends with the data (and its last CRLF, if any)
            head, body_start = data.removesuffix(b"\r\n"), len(data)
        else:
            head, body_start = data[:end], end + 4
    if head and not _HEADER_BLOCK.fullmatch(head + b"\r\n"):
        raise Unsignable("a header line without a field name, or a folded line before the first field")
    fields: list[tuple[bytes, bytes]] = []  # (lowercased name, raw value with its folds)
    for line in head.split(b"\r\n") if head else ():
        if line[:1] in (b" ", b"\t"):
            name, value = fields[-1]
            fields[-1] = (name, value + line)  # unfolding: the CRLF goes, the WSP stays
            continue
        name, _, value = line.partition(b":")
        fields.append((name.lower(), value))
    instances: dict[bytes, list[bytes]] = {name: [] for name in names}
    for name, value in fields:
        if name in instances:
            instances[name].append(value)
    picked = []
    for name in names:
        if instances[name]:  # the last instance not yet signed: bottom up (RFC 6376 section 5.4.2)
            value = instances[name].pop()
            if b"\t" in value or b"  " in value:
                value = _WSP_RUN.sub(b" ", value)
            picked.append(name + b":" + value.strip() + b"\r\n")
    body_end = len(data)
    while body_end - 2 >= body_start and data.startswith(b"\r\n", body_end - 2):
        body_end -= 2
    body_hash = hashlib.sha256(memoryview(data)[body_start:body_end])
    body_hash.update(b"\r\n")
    return b"".join(picked), body_hash.digest()


# Header fields as RFC 5322 has them (as dkimpy parses them): a name of printable ASCII but ":",
# a colon, the value, and its folded continuation lines, each starting with WSP.
_HEADER_BLOCK = re.compile(rb"(?:[\x21-\x39\x3b-\x7e]+:[^\n]*\n(?:[\t ][^\n]*\n)*)*")


@dataclass(frozen=True)
class DkimSigner:
    selector: str
    domain: str
    algorithm: str
    private_key: bytes = field(repr=False)
    key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey = field(repr=False, compare=False)

    def sign(self, data: bytes, now: datetime | None = None) -> bytes:
        """The message with its DKIM-Signature header in front."""
        return self.header(data, now) + data

    def header(self, data: bytes, now: datetime | None = None) -> bytes:
        """The DKIM-Signature header field (CRLF-terminated) for `data`, t= from `now`."""
        unsigned = self.prepare(data, now)
        return self.finish(unsigned, self.sign_digests([unsigned.digest])[0])

    async def sign_many(self, mails: Sequence[bytes], now: datetime | None = None) -> list[bytes]:
        """`sign` for several mails, the private-key steps in one hop to a signing thread.

        The canonical forms and digests (tens of µs a mail) are made here on the event loop; the
        private-key steps (OpenSSL's RSA-2048: about 300 µs of CPU each, without the GIL) run on
        the thread while the loop goes on with other work, one hand-over for all of them."""
        prepared = [self.prepare(data, now) for data in mails]
        digests = [p.digest for p in prepared]
        if isinstance(self.key, rsa.RSAPrivateKey) or len(digests) >= _ED25519_HOP_FROM:
            global _threads
            if _threads is None:
                _threads = ThreadPoolExecutor(SIGNING_THREADS, thread_name_prefix="dkim")
            signatures = await asyncio.get_running_loop().run_in_executor(_threads, self.sign_digests, digests)
        else:  # a few Ed25519 signatures take less than the hop to a thread
            signatures = self.sign_digests(digests)
        return [self.finish(p, s) + data for p, s, data in zip(prepared, signatures, mails, strict=True)]

    async def sign_off_loop(self, data: bytes, now: datetime | None = None) -> bytes:
        """`sign` for one mail (an automatic answer), the private-key step off the event loop."""
        return (await self.sign_many([data], now))[0]

    def prepare(self, data: bytes, now: datetime | None = None) -> Unsigned:
        """The header's tags up to b= and the digest to sign (everything but the private key)."""
        headers, body_hash = canonical(data)
        stamp = int(now.timestamp()) if now is not None else int(datetime.now().timestamp())
        tags = b"%s%d; h=%s; bh=%s" % (self._lead, stamp, _H_TAG, base64.b64encode(body_hash))
        # As dkimpy lays it out: folded with a placeholder b= (so that b= starts a line of its own),
        # then b='s value removed (fold breaks only at spaces, so the placeholder stays whole at
        # the end); hashed in relaxed form, without a final CRLF.
        unsigned = dkim.fold(tags + _B_PLACEHOLDER, namelen=len(_NAME), linesep=b"\r\n")
        value = _WSP_RUN.sub(b" ", unsigned[:-len(_B_VALUE)].replace(b"\r\n", b"")).strip()
        return Unsigned(tags, hashlib.sha256(headers + b"dkim-signature:" + value).digest())

    @staticmethod
    def finish(unsigned: Unsigned, signature: bytes) -> bytes:
        """The DKIM-Signature header field (CRLF-terminated) with the signature in b=."""
        value = unsigned.tags + b"; b=" + base64.b64encode(signature) + b"\r\n"
        return _NAME + b": " + dkim.fold(value, namelen=len(_NAME), linesep=b"\r\n")

    def sign_digests(self, digests: Sequence[bytes]) -> list[bytes]:
        """The private-key step (thread-safe: OpenSSL's keys may be used from several threads)."""
        if isinstance(self.key, rsa.RSAPrivateKey):
            key, pad, alg = self.key, padding.PKCS1v15(), Prehashed(hashes.SHA256())
            return [key.sign(digest, pad, alg) for digest in digests]
        return [self.key.sign(digest) for digest in digests]  # RFC 8463: Ed25519 over the SHA-256 digest

    @cached_property
    def _lead(self) -> bytes:
        """The tags before t='s value, the same for every mail."""
        domain = self.domain.encode("ascii")
        return b"v=1; a=%s; c=relaxed/simple; d=%s; i=@%s; q=dns/txt; s=%s; t=" % (
            self.algorithm.encode("ascii"), domain, domain, self.selector.encode("ascii"))


_H_TAG = b" : ".join(SIGNED_HEADERS)
_B_VALUE = b"0" * 60
_B_PLACEHOLDER = b"; b=" + _B_VALUE
# From this many Ed25519 signatures (about 30 µs each) the hop to a thread pays for itself.
_ED25519_HOP_FROM = 4


def key_path(keys_dir: Path, selector: str) -> Path:
    return Path(keys_dir) / f"dkim-{selector}.key"


def load_signer(settings: Settings) -> DkimSigner | None:
    """The signer for the configured selector; None in development when no key was made (logged),
    a KeyringError in production, where every notification must be signed."""
    path = key_path(Path(settings.keys_dir), settings.dkim_selector)
    if not path.exists() and not settings.is_production:
        return None  # the worker says so when it starts
    key = read_secret_file(path, "DKIM key")
    algorithm = "ed25519-sha256" if not key.startswith(b"-----BEGIN") else "rsa-sha256"
    if algorithm != settings.dkim_algorithm:
        raise KeyringError(f"DKIM key {path} is not an {settings.dkim_algorithm} key (GATEWAY_DKIM_ALGORITHM)")
    return DkimSigner(settings.dkim_selector, settings.signing_domain, algorithm, key, _key_object(key, algorithm))


def _key_object(key: bytes, algorithm: str) -> rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey:
    if algorithm == "ed25519-sha256":
        return ed25519.Ed25519PrivateKey.from_private_bytes(base64.b64decode(key))
    loaded = serialization.load_pem_private_key(key, password=None)
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise KeyringError("the DKIM key is not an RSA key")
    return loaded


def init_key(settings: Settings) -> str:
    """Make the signing key (refusing to replace one) and return the TXT record to publish."""
    path = key_path(Path(settings.keys_dir), settings.dkim_selector)
    if path.exists():
        raise KeyringError(f"DKIM key {path} already exists; choose a new GATEWAY_DKIM_SELECTOR to roll it")
    if settings.dkim_algorithm == "ed25519-sha256":
        ed = ed25519.Ed25519PrivateKey.generate()
        private = base64.b64encode(ed.private_bytes_raw())
        public = ed.public_key().public_bytes_raw()
        record = f"v=DKIM1; k=ed25519; p={base64.b64encode(public).decode()}"
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                    serialization.NoEncryption())
        spki = key.public_key().public_bytes(serialization.Encoding.DER,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)
        record = f"v=DKIM1; k=rsa; p={base64.b64encode(spki).decode()}"
    write_secret_file(path, private)
    return record


def public_record(settings: Settings) -> str:
    """The TXT record of the existing key (to print it again)."""
    signer = load_signer(settings)
    if signer is None:
        raise KeyringError("no DKIM key (run `gateway keys dkim-init`)")
    if isinstance(signer.key, ed25519.Ed25519PrivateKey):
        public = signer.key.public_key().public_bytes_raw()
        return f"v=DKIM1; k=ed25519; p={base64.b64encode(public).decode()}"
    spki = signer.key.public_key().public_bytes(serialization.Encoding.DER,
                                                serialization.PublicFormat.SubjectPublicKeyInfo)
    return f"v=DKIM1; k=rsa; p={base64.b64encode(spki).decode()}"


def zone_line(settings: Settings, record: str) -> str:
    """The record as a zone-file line, split into strings of at most 255 characters (RFC 1035)."""
    chunks = " ".join(f'"{record[i:i + 255]}"' for i in range(0, len(record), 255))
    return f"{settings.dkim_selector}._domainkey.{settings.signing_domain}. IN TXT ( {chunks} )"
