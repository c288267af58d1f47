"""The gateway's DKIM signer builds the header with dkimpy's own steps and signs the digest with
OpenSSL (gateway/delivery/dkim.py). Both algorithms are deterministic, so the header must be
byte-for-byte the one `dkim.sign` makes with the same key and time: if a dkimpy release changes
how it parses, canonicalises, selects, hashes or folds, this fails here, loudly, before any
receiver sees a signature that does not verify."""

from __future__ import annotations

import asyncio
import base64
import time
from datetime import UTC, datetime
from types import SimpleNamespace

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from gateway.delivery.dkim import SIGNED_HEADERS, DkimSigner
from tests.feedback.support import resolver

# Folded and padded headers, From twice in the list but once in the mail, a header not signed,
# trailing spaces and blank lines in the body: what relaxed/simple has to get right.
MESSAGE = (b"From: Eksempel Kraft <no-reply@kraft.example.no>\r\n"
           b"To:   ragnhild@example.no  \r\n"
           b"Subject: Din faktura for\r\n\tnovember er klar\r\n"
           b"Date: Mon, 07 Dec 2026 03:00:00 +0100\r\n"
           b"Message-ID: <n1@kraft.example.no>\r\n"
           b"X-Not-Signed: yes\r\n"
           b"Auto-Submitted: auto-generated\r\n"
           b"MIME-Version: 1.0\r\n"
           b"Content-Type: text/plain; charset=\"utf-8\"\r\n"
           b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
           b"Hei Ragnhild,  \r\n\r\nfakturaen din er klar. =C3=A6=C3=B8=C3=A5\r\n\r\n\r\n")


def _rsa() -> tuple[DkimSigner, bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(spki)
    return DkimSigner("nov26", "kraft.example.no", "rsa-sha256", pem, key), pem, record


def _ed25519() -> tuple[DkimSigner, bytes, bytes]:
    key = ed25519.Ed25519PrivateKey.generate()
    seed = base64.b64encode(key.private_bytes_raw())
    record = b"v=DKIM1; k=ed25519; p=" + base64.b64encode(key.public_key().public_bytes_raw())
    return DkimSigner("nov26", "kraft.example.no", "ed25519-sha256", seed, key), seed, record


@pytest.mark.parametrize("make", [_rsa, _ed25519], ids=["rsa-sha256", "ed25519-sha256"])
def test_the_signature_is_the_one_dkimpy_makes_and_verifies(make, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    signer, private, record = make()
    stamp = int(time.time())
    ours = signer.header(MESSAGE, datetime.fromtimestamp(stamp, UTC))
    monkeypatch.setattr(dkim, "time", SimpleNamespace(time=lambda: stamp))  # dkimpy's t= (and its expiry check)
    theirs = dkim.sign(MESSAGE, b"nov26", b"kraft.example.no", private,
                       signature_algorithm=signer.algorithm.encode(), canonicalize=(b"relaxed", b"simple"),
                       include_headers=list(SIGNED_HEADERS))
    assert ours == theirs
    dns = resolver({"nov26._domainkey.kraft.example.no": record})
    assert dkim.verify(ours + MESSAGE, dnsfunc=dns)
    assert not dkim.verify(ours + MESSAGE.replace(b"klar.", b"betalt."), dnsfunc=dns)
    assert signer.sign(MESSAGE, datetime.fromtimestamp(stamp, UTC)) == ours + MESSAGE


@pytest.mark.parametrize("make", [_rsa, _ed25519], ids=["rsa-sha256", "ed25519-sha256"])
async def test_signing_off_the_event_loop_gives_the_same_mail(make) -> None:  # type: ignore[no-untyped-def]
    signer = make()[0]
    now = datetime.fromtimestamp(int(time.time()), UTC)
    mails = await asyncio.gather(*(signer.sign_off_loop(MESSAGE.replace(b"n1@", f"n{i}@".encode()), now)
                                   for i in range(8)))
    assert mails == [signer.sign(MESSAGE.replace(b"n1@", f"n{i}@".encode()), now) for i in range(8)]
