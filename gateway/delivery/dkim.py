"""DKIM signatures (RFC 6376) on every notification e-mail, made with dkimpy.

The private key lives in the keys folder as `dkim-<selector>.key` under the KEK rules (file 0600,
folder 0700): PEM for rsa-sha256, the base64 seed for ed25519-sha256 (RFC 8463). `gateway keys
dkim-init` makes it and prints the DNS TXT record to publish at <selector>._domainkey.<domain>.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import dkim
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from dkim.canonicalization import CanonicalizationPolicy

from gateway.crypto import KeyringError, read_secret_file, write_secret_file
from gateway.settings import Settings

# The headers a notification carries that matter to its reader or to filters; "from" twice so
# that a From added in transit breaks the signature (over-signing, RFC 6376 section 8.15).
SIGNED_HEADERS = (b"from", b"from", b"to", b"subject", b"date", b"message-id", b"auto-submitted",
                  b"mime-version", b"content-type", b"content-language")
# Headers relaxed, body simple: the body is quoted-printable with CRLF lines, nothing may touch it.
_POLICY = CanonicalizationPolicy.from_c_value(b"relaxed/simple")
_NAME = b"DKIM-Signature"
# Threads for the private-key step (DkimSigner.sign_off_loop).
SIGNING_THREADS = 2
_threads: ThreadPoolExecutor | None = None

# dkimpy makes RSA signatures in pure Python (about 10 ms each, and 0.7 ms to parse the PEM key on
# every call) and has no hook for another signer. So the header is built here with dkimpy's own
# steps, in the order of its DKIM.sign (1.1.x): its parser, canonicalisation, header selection and
# hashing (`hash_headers`, which also blanks b=) and folding. Only the private-key operation over
# the SHA-256 digest is OpenSSL's (cryptography), with a key loaded once. RSASSA-PKCS1-v1_5 and
# Ed25519 are deterministic, so tests/feedback/test_dkim_conformance.py checks the result is
# byte-for-byte what `dkim.sign` makes with the same key and time: any change in dkimpy's steps
# fails it loudly rather than producing signatures that do not verify.


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

    async def sign_off_loop(self, data: bytes, now: datetime | None = None) -> bytes:
        """`sign`, with the private-key step on the signing threads: OpenSSL's RSA-2048 (about
        300 µs, most of a signature) runs there without the GIL, so the event loop goes on with
        other sends meanwhile. dkimpy's part (Python, holding the GIL) stays on the loop: on a
        thread it would only contend for the GIL with it."""
        global _threads
        if _threads is None:
            _threads = ThreadPoolExecutor(SIGNING_THREADS, thread_name_prefix="dkim")
        fields, digest = self._unsigned(data, now)
        if isinstance(self.key, rsa.RSAPrivateKey):
            signature = await asyncio.get_running_loop().run_in_executor(_threads, self._sign_digest, digest)
        else:  # Ed25519 takes microseconds: less than the hop to a thread
            signature = self._sign_digest(digest)
        return self._signed(fields, signature) + data

    def header(self, data: bytes, now: datetime | None = None) -> bytes:
        """The DKIM-Signature header field (CRLF-terminated) for `data`, t= from `now`."""
        fields, digest = self._unsigned(data, now)
        return self._signed(fields, self._sign_digest(digest))

    def _unsigned(self, data: bytes, now: datetime | None) -> tuple[list[tuple[bytes, bytes]], bytes]:
        """dkimpy's steps up to the signature: the header's tags and the digest to sign."""
        headers, body = dkim.rfc822_parse(data)
        body_hash = base64.b64encode(hashlib.sha256(_POLICY.canonicalize_body(body)).digest())
        domain = self.domain.encode("ascii")
        stamp = int(now.timestamp()) if now is not None else int(datetime.now().timestamp())
        fields = [(b"v", b"1"), (b"a", self.algorithm.encode("ascii")), (b"c", _POLICY.to_c_value()),
                  (b"d", domain), (b"i", b"@" + domain), (b"q", b"dns/txt"),
                  (b"s", self.selector.encode("ascii")), (b"t", str(stamp).encode("ascii")),
                  (b"h", b" : ".join(SIGNED_HEADERS)), (b"bh", body_hash),
                  (b"b", b"0" * 60)]  # a placeholder, as dkimpy folds it: b= gets a line of its own
        unsigned = dkim.fold(b"; ".join(b"=".join(f) for f in fields), namelen=len(_NAME), linesep=b"\r\n")
        digest = hashlib.sha256()
        dkim.hash_headers(digest, _POLICY, _POLICY.canonicalize_headers(headers), SIGNED_HEADERS,
                          (_NAME, b" " + dkim.RE_BTAG.sub(b"\\1", unsigned)), None)
        return fields, digest.digest()

    @staticmethod
    def _signed(fields: list[tuple[bytes, bytes]], signature: bytes) -> bytes:
        value = b"; ".join(b"=".join(f) for f in [*fields[:-1], (b"b", base64.b64encode(signature))]) + b"\r\n"
        return _NAME + b": " + dkim.fold(value, namelen=len(_NAME), linesep=b"\r\n")

    def _sign_digest(self, digest: bytes) -> bytes:
        if isinstance(self.key, rsa.RSAPrivateKey):
            return self.key.sign(digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))
        return self.key.sign(digest)  # RFC 8463: Ed25519 over the SHA-256 digest


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
