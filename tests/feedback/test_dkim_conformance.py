"""The gateway's DKIM signer builds the canonical form and the digest itself and signs the digest
with OpenSSL (gateway/delivery/dkim.py). Both algorithms are deterministic, so the header must be
byte-for-byte the one `dkim.sign` makes with the same key and time, for the notifications the
gateway builds (generated: non-ASCII subjects and names, folded headers, long addresses, both
algorithms), for its automatic answers and for any CRLF message with plain header fields (folds,
tabs, runs of spaces, repeated and missing signed fields, trailing blank lines, no body); and
each must verify with dkimpy against the published record. A message the builder does not
canonicalise exactly is refused, never signed wrongly."""

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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.delivery.dkim import SIGNED_HEADERS, DkimSigner, Unsignable, canonical
from gateway.delivery.notification import RenderedEmail, build_email
from gateway.inbound import answer
from gateway.settings import Settings
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


KEYS = {"rsa-sha256": _rsa(), "ed25519-sha256": _ed25519()}
ALGORITHMS = pytest.mark.parametrize("algorithm", list(KEYS))


def assert_conforms(algorithm: str, message: bytes) -> None:
    """Our header is dkimpy's, byte for byte, and verifies against the published record; a
    changed body or recipient does not."""
    signer, private, record = KEYS[algorithm]
    stamp = int(time.time())
    ours = signer.header(message, datetime.fromtimestamp(stamp, UTC))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dkim, "time", SimpleNamespace(time=lambda: stamp))  # dkimpy's t= (and its expiry check)
        theirs = dkim.sign(message, b"nov26", b"kraft.example.no", private,
                           signature_algorithm=algorithm.encode(), canonicalize=(b"relaxed", b"simple"),
                           include_headers=list(SIGNED_HEADERS))
    assert ours == theirs
    dns = resolver({"nov26._domainkey.kraft.example.no": record})
    assert dkim.verify(ours + message, dnsfunc=dns)
    head, _, body = message.partition(b"\r\n\r\n")
    assert not dkim.verify(ours + head + b"\r\n\r\n" + body + b"Betal til konto 1234.56.78903\r\n", dnsfunc=dns)
    assert signer.sign(message, datetime.fromtimestamp(stamp, UTC)) == ours + message


@ALGORITHMS
def test_the_signature_is_the_one_dkimpy_makes_and_verifies(algorithm: str) -> None:
    assert_conforms(algorithm, MESSAGE)
    signer, _, record = KEYS[algorithm]
    signed = signer.sign(MESSAGE)
    dns = resolver({"nov26._domainkey.kraft.example.no": record})
    assert not dkim.verify(signed.replace(b"ragnhild@", b"mallory@"), dnsfunc=dns)
    assert not dkim.verify(b"From: ceo@kraft.example.no\r\n" + signed, dnsfunc=dns)  # over-signed From


# ---------------------------------------------------------------- generated notifications

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from("\n\t æøåÆØÅ–€"),
               max_size=400)
LOCAL = st.from_regex(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,64}", fullmatch=True)
DOMAIN = st.from_regex(r"[a-z0-9]{1,20}(\.[a-z0-9]{1,20}){1,3}\.no", fullmatch=True)
# The operator's GATEWAY_MAIL_FROM display name: letters (Norwegian ones too), spaces, a few marks.
NAME = st.text(st.sampled_from("AaBbKkRrZz09æøåÆØÅéü .-&'"), min_size=1, max_size=60).map(str.strip).filter(bool)


@st.composite
def notifications(draw: st.DrawFn) -> bytes:
    rendered = RenderedEmail(" ".join(draw(TEXT).split()) or "Ny melding", draw(TEXT).strip() + "\n", draw(TEXT))
    email = build_email(rendered, to=f"{draw(LOCAL)}@{draw(DOMAIN)}",
                        mail_from=f"{draw(NAME)} <no-reply@kraft.example.no>",
                        notification_id=draw(st.from_regex(r"[0-9a-f]{32}", fullmatch=True)),
                        language=draw(st.sampled_from(["nb", "nn", "en"])),
                        date=datetime.fromtimestamp(draw(st.integers(0, 2**32)), UTC))
    return email.data


@ALGORITHMS
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(message=notifications())
def test_every_generated_notification_conforms(algorithm: str, message: bytes) -> None:
    assert_conforms(algorithm, message)


@ALGORITHMS
def test_the_automatic_answer_conforms(algorithm: str) -> None:
    settings_ = Settings(mail_from="Eksempel Kraft <no-reply@kraft.example.no>", public_url="https://min.example.no")
    mail = answer.build(settings_, "ragnhild@example.no", "<n1@kraft.example.no>", datetime.now(UTC))
    assert_conforms(algorithm, mail.data)


# ---------------------------------------------------------------- any plain CRLF message

FIELD_NAME = st.sampled_from([b"From", b"FROM", b"from", b"To", b"Subject", b"Date", b"Message-ID", b"Content-Type",
                              b"MIME-Version", b"Auto-Submitted", b"Content-Language", b"X-Other", b"Received"])
VALUE_PART = st.binary(max_size=30).map(lambda b: bytes(c for c in b if c not in b"\r\n") or b"v")
WSP = st.sampled_from([b" ", b"  ", b"\t", b" \t ", b""])


@st.composite
def header_fields(draw: st.DrawFn) -> bytes:
    value = draw(WSP) + draw(VALUE_PART)
    for _ in range(draw(st.integers(0, 3))):  # folded continuation lines, each starting with WSP
        value += draw(st.sampled_from([b"\r\n ", b"\r\n\t", b"\r\n  \t"])) + draw(VALUE_PART) + draw(WSP)
    return draw(FIELD_NAME) + b":" + value + b"\r\n"


@st.composite
def messages(draw: st.DrawFn) -> bytes:
    head = b"".join(draw(st.lists(header_fields(), min_size=1, max_size=14)))
    if draw(st.booleans()):
        return head + draw(st.sampled_from([b"", b"\r\n"]))  # no body at all
    lines = draw(st.lists(VALUE_PART.map(lambda b: b.strip(b"\x00")) | WSP, max_size=8))
    body = b"\r\n".join(lines) + draw(st.sampled_from([b"", b"\r\n", b"\r\n\r\n", b"\r\n \r\n\r\n"]))
    return head + b"\r\n" + body


@ALGORITHMS
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(message=messages())
def test_any_plain_crlf_message_conforms(algorithm: str, message: bytes) -> None:
    signer, private, _ = KEYS[algorithm]
    stamp = int(time.time())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dkim, "time", SimpleNamespace(time=lambda: stamp))
        theirs = dkim.sign(message, b"nov26", b"kraft.example.no", private,
                           signature_algorithm=algorithm.encode(), canonicalize=(b"relaxed", b"simple"),
                           include_headers=list(SIGNED_HEADERS))
    assert signer.header(message, datetime.fromtimestamp(stamp, UTC)) == theirs


@pytest.mark.parametrize("message", [
    MESSAGE.replace(b"\r\n", b"\n"),  # dkimpy would sign CRLF lines the relay may never see
    MESSAGE.replace(b"X-Not-Signed: yes\r\n", b"X-Not-Signed yes\r\n"),  # no field name
    b" folded: before any field\r\n" + MESSAGE,
    b"From someone Mon Dec  7 03:00:00 2026\r\n" + MESSAGE,  # an mbox line dkimpy would skip
], ids=["bare-lf", "no-colon", "fold-first", "mbox-from"])
def test_a_message_the_builder_cannot_canonicalise_exactly_is_refused(message: bytes) -> None:
    with pytest.raises(Unsignable):
        canonical(message)
    with pytest.raises(Unsignable):
        KEYS["rsa-sha256"][0].sign(message)


@ALGORITHMS
async def test_signing_off_the_event_loop_gives_the_same_mail(algorithm: str) -> None:
    signer = KEYS[algorithm][0]
    now = datetime.fromtimestamp(int(time.time()), UTC)
    mails = [MESSAGE.replace(b"n1@", f"n{i}@".encode()) for i in range(8)]
    expected = [signer.sign(mail, now) for mail in mails]
    assert await signer.sign_many(mails, now) == expected
    assert await signer.sign_many(mails[:2], now) == expected[:2]  # Ed25519: few enough to sign inline
    assert await asyncio.gather(*(signer.sign_off_loop(mail, now) for mail in mails)) == expected
