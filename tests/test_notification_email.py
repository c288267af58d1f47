"""The bytes of a notification e-mail, as a standards-following mail client parses them."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

from gateway.delivery.notification import RenderedEmail, build_email

RENDERED = RenderedEmail(
    "Du har en ny melding på Min strømside",
    "Hei!\n\nLes meldingen her:\nhttps://min.example.no/portal/messages/abc\n\n" + "Lang linje æøå " * 20 + "\n"
    ".leading dot and trailing space \n",
    "<!DOCTYPE html><p>Hei! <a href=\"https://min.example.no/portal/messages/abc\">Les</a> ø=å</p>\n",
)


def build() -> bytes:
    return build_email(RENDERED, to="kari@example.no", mail_from="Min strømside <no-reply@kraft.example.no>",
                       notification_id="AbC_12-xyz", language="nb",
                       date=datetime(2026, 11, 24, 12, 0, tzinfo=UTC)).data


def test_parses_to_exactly_what_was_rendered() -> None:
    message = email.message_from_bytes(build(), policy=email.policy.default)
    assert message.get_content_type() == "multipart/alternative"
    plain, html = message.iter_parts()
    # Wire bytes use CRLF; a mail client reads the lines back as the text had them.
    assert plain.get_content().replace("\r\n", "\n") == RENDERED.text
    assert html.get_content().replace("\r\n", "\n") == RENDERED.html
    assert message["Subject"] == RENDERED.subject
    assert message["From"].addresses[0].display_name == "Min strømside"
    assert message["From"].addresses[0].addr_spec == "no-reply@kraft.example.no"
    assert message["To"] == "kari@example.no"
    assert message["Message-ID"] == "<AbC_12-xyz@kraft.example.no>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Date"] == "Tue, 24 Nov 2026 12:00:00 +0000"
    assert not message.defects and not any(part.defects for part in message.walk())


def test_is_seven_bit_with_crlf_lines_of_legal_length() -> None:
    data = build()
    data.decode("ascii")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert max(len(line) for line in data.split(b"\r\n")) <= 78
