"""DKIM signatures (RFC 6376) on every notification e-mail, made with dkimpy.

The private key lives in the keys folder as `dkim-<selector>.key` under the KEK rules (file 0600,
folder 0700): PEM for rsa-sha256, the base64 seed for ed25519-sha256 (RFC 8463). `gateway keys
dkim-init` makes it and prints the DNS TXT record to publish at <selector>._domainkey.<domain>.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


# dkimpy computes RSA signatures in pure Python (about 10 ms each here, most of a send's CPU several
# times over) and parses the PEM key on every call. For the gateway's own key the one RSA step is
# handed to OpenSSL (cryptography): the same RSASSA-PKCS1-v1_5 over the SHA-256 digest dkimpy
# computed, so canonicalisation, hashing and the header remain dkimpy's. Any other key keeps dkimpy's
# own code. The tests verify every signature with dkimpy's verifier against the published record.
_DKIMPY_SIGN = dkim.RSASSA_PKCS1_v1_5_sign
_DKIMPY_PARSE = dkim.parse_pem_private_key
_OPENSSL_KEYS: dict[int, rsa.RSAPrivateKey] = {}
_PARSED: dict[bytes, Any] = {}


def _parse_pem(data: bytes) -> Any:
    parsed = _PARSED.get(data)
    return parsed if parsed is not None else _DKIMPY_PARSE(data)


def _rsa_sign(digest: Any, private_key: Any) -> bytes:
    key = _OPENSSL_KEYS.get(private_key["modulus"])
    if key is None or digest.name != "sha256":
        return bytes(_DKIMPY_SIGN(digest, private_key))
    return key.sign(digest.digest(), padding.PKCS1v15(), Prehashed(hashes.SHA256()))


def _register_rsa(pem: bytes) -> None:
    key = serialization.load_pem_private_key(pem, password=None)
    if isinstance(key, rsa.RSAPrivateKey):
        parsed = _DKIMPY_PARSE(pem)
        _OPENSSL_KEYS[parsed["modulus"]] = key
        _PARSED[pem] = parsed


dkim.parse_pem_private_key = _parse_pem
dkim.RSASSA_PKCS1_v1_5_sign = _rsa_sign


def key_path(keys_dir: Path, selector: str) -> Path:
    return Path(keys_dir) / f"dkim-{selector}.key"


@dataclass(frozen=True)
class DkimSigner:
    selector: str
    domain: str
    algorithm: str
    private_key: bytes = field(repr=False)

    def sign(self, data: bytes) -> bytes:
        """The message with its DKIM-Signature header in front."""
        header = dkim.sign(data, self.selector.encode("ascii"), self.domain.encode("ascii"), self.private_key,
                           signature_algorithm=self.algorithm.encode("ascii"),
                           canonicalize=(b"relaxed", b"simple"), include_headers=list(SIGNED_HEADERS))
        return header + data


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
    if algorithm == "rsa-sha256":
        _register_rsa(key)
    return DkimSigner(settings.dkim_selector, settings.signing_domain, algorithm, key)


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
    if signer.algorithm == "ed25519-sha256":
        seed = base64.b64decode(signer.private_key)
        public = ed25519.Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()
        return f"v=DKIM1; k=ed25519; p={base64.b64encode(public).decode()}"
    key = serialization.load_pem_private_key(signer.private_key, password=None)
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return f"v=DKIM1; k=rsa; p={base64.b64encode(spki).decode()}"


def zone_line(settings: Settings, record: str) -> str:
    """The record as a zone-file line, split into strings of at most 255 characters (RFC 1035)."""
    chunks = " ".join(f'"{record[i:i + 255]}"' for i in range(0, len(record), 255))
    return f"{settings.dkim_selector}._domainkey.{settings.signing_domain}. IN TXT ( {chunks} )"
