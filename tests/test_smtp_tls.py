"""GATEWAY_SMTP_TLS and credentials against a real aiosmtpd with STARTTLS, implicit TLS and AUTH."""

from __future__ import annotations

import dataclasses
import datetime
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gateway.delivery.devmail import SinkHandler
from gateway.delivery.notification import OutgoingEmail, RenderedEmail, build_email
from gateway.delivery.smtp import SendFailure, SmtpPool
from gateway.settings import Settings
from tests.support.factories import canary_notice, put_canary_customer
from tests.support.net import free_port
from tests.support.service import start_gateway, stop_gateway, wait_for

# Only the implicit-TLS relay sets auth_require_tls=False, and its socket is TLS from the start.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, standing in for a relay's private CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test relay")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                       serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    return folder / "cert.pem", folder / "key.pem"


def authenticator(server: object, session: object, envelope: object, mechanism: str, data: object) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"gateway", b"s3cret")
    return AuthResult(success=ok, handled=False)


class Relay:
    def __init__(self, certificate: tuple[Path, Path], implicit: bool) -> None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*map(str, certificate))
        self.handler = SinkHandler()
        self.port = free_port()
        # aiosmtpd cannot tell that an implicit-TLS socket is encrypted, so it would withhold AUTH.
        options = ({"ssl_context": context, "auth_require_tls": False} if implicit
                   else {"tls_context": context, "require_starttls": True})
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, ready_timeout=10,
                                     authenticator=authenticator, auth_required=True, **options)


@pytest.fixture(params=["starttls", "tls"])
def relay(request: pytest.FixtureRequest, certificate: tuple[Path, Path]) -> Iterator[tuple[str, Relay]]:
    relay = Relay(certificate, implicit=request.param == "tls")
    relay.controller.start()
    yield request.param, relay
    relay.controller.stop()


def pool_settings(mode: str, relay: Relay, certificate: tuple[Path, Path], **changes: str) -> Settings:
    base = Settings(smtp_host="127.0.0.1", smtp_port=relay.port, smtp_tls=mode, smtp_username="gateway",
                    smtp_password="s3cret", smtp_ca_file=str(certificate[0]), smtp_timeout_seconds=5)
    return dataclasses.replace(base, **changes)


def email() -> OutgoingEmail:
    return build_email(RenderedEmail("Hei", "Hei\n", "<p>Hei</p>"), to="b@example.no",
                       mail_from="Kraft <a@kraft.example.no>", notification_id="n-1", language="nb",
                       date=datetime.datetime.now(datetime.UTC))


async def test_tls_with_credentials_delivers(relay: tuple[str, Relay], certificate: tuple[Path, Path]) -> None:
    mode, server = relay
    pool = SmtpPool(pool_settings(mode, server, certificate), size=1)
    await pool.send(email())
    await pool.send(email())  # the same connection, reused
    await pool.close()
    assert len(server.handler.mails) == 2


async def test_wrong_password_is_a_temporary_failure(relay: tuple[str, Relay], certificate: tuple[Path, Path]) -> None:
    mode, server = relay
    pool = SmtpPool(pool_settings(mode, server, certificate, smtp_password="wrong"), size=1)
    with pytest.raises(SendFailure) as caught:
        await pool.send(email())
    assert not caught.value.permanent and "authentication" in caught.value.summary
    assert server.handler.mails == []


async def test_untrusted_certificate_is_refused(relay: tuple[str, Relay], certificate: tuple[Path, Path]) -> None:
    mode, server = relay
    pool = SmtpPool(pool_settings(mode, server, certificate, smtp_ca_file=""), size=1)  # system CAs only
    with pytest.raises(SendFailure) as caught:
        await pool.send(email())
    assert not caught.value.permanent
    assert server.handler.mails == []


async def test_plain_connection_to_a_starttls_only_relay_sends_nothing(certificate: tuple[Path, Path]) -> None:
    server = Relay(certificate, implicit=False)
    server.controller.start()
    try:
        pool = SmtpPool(pool_settings("none", server, certificate), size=1)
        with pytest.raises(SendFailure):
            await pool.send(email())
        assert server.handler.mails == []
    finally:
        server.controller.stop()


async def test_notice_travels_over_starttls_end_to_end(settings: Settings, sink: object,
                                                       certificate: tuple[Path, Path]) -> None:
    server = Relay(certificate, implicit=False)
    server.controller.start()
    tls_settings = dataclasses.replace(settings, smtp_port=server.port, smtp_tls="starttls",
                                       smtp_username="gateway", smtp_password="s3cret",
                                       smtp_ca_file=str(certificate[0]))
    gw = await start_gateway(tls_settings, sink)  # type: ignore[arg-type]
    try:
        token = await gw.token()
        await put_canary_customer(gw, token)
        status, _, _ = await gw.request("POST", "/api/v1/messages", token=token, json=canary_notice(),
                                        headers={"Idempotency-Key": "tls"})
        assert status == 201
        await wait_for(lambda: len(server.handler.mails) == 1)
    finally:
        await stop_gateway(gw)
        server.controller.stop()
