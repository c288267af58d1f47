"""Delivery reports in the shapes real servers send: RFC 3464 reports and the common plain-text ones.
Each must give the status code and a diagnostic without the address; mail that only looks like a
bounce (a vacation reply to the bounce address) gives nothing."""

from __future__ import annotations

import pytest

from gateway.inbound import dsn
from tests.feedback.support import dsn as postfix_dsn

QMAIL = (b"From: MAILER-DAEMON@mx.example.no\r\nSubject: failure notice\r\n\r\n"
         b"Hi. This is the qmail-send program at mx.example.no.\r\nI'm afraid I wasn't able to deliver your message "
         b"to the following addresses.\r\nThis is a permanent error; I've given up. Sorry it didn't work out.\r\n\r\n"
         b"<ragnhild@example.no>:\r\n192.0.2.7 does not like recipient.\r\n"
         b"Remote host said: 550 5.1.1 <ragnhild@example.no>... User unknown\r\nGiving up on 192.0.2.7.\r\n")
EXCHANGE = (b"From: postmaster@outlook.example\r\nSubject: Undeliverable: Du har en ny melding\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\n\r\nDelivery has failed to these recipients or groups:\r\n\r\n"
            b"ragnhild@example.no\r\nThe e-mail address you entered couldn't be found.\r\n\r\n"
            b"Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP "
            b"address lookup'\r\n")
OLD_SENDMAIL = (b"From: MAILER-DAEMON\r\nSubject: Returned mail: User unknown\r\n\r\n"
                b"   ----- Transcript of session follows -----\r\n... while talking to mx.example.no.:\r\n"
                b">>> RCPT To:<ragnhild@example.no>\r\n<<< 550 Mailbox unavailable, account 12345678901 closed\r\n")
QUOTA = postfix_dsn("bounce+" + "0" * 32 + "@kraft.example.no", "ragnhild@example.no", status="5.2.2")


@pytest.mark.parametrize("raw, status, words", [
    (postfix_dsn("b@x", "ragnhild@example.no"), "5.1.1", "Recipient address rejected"),
    (QUOTA, "5.2.2", "Recipient address rejected"),
    (QMAIL, "5.1.1", "User unknown"),
    (EXCHANGE, "5.1.10", "RESOLVER.ADR.RecipientNotFound"),
    (OLD_SENDMAIL, "5.0.0", "Mailbox unavailable"),
])
def test_hard_bounces_in_every_shape(raw: bytes, status: str, words: str) -> None:
    report = dsn.parse(raw)
    assert report is not None and report.hard
    assert report.status == status
    assert words in report.diagnostic
    assert status in report.diagnostic or status == "5.0.0"  # the codes themselves are kept
    assert "ragnhild" not in report.diagnostic and "12345678901" not in report.diagnostic


def test_a_delay_is_not_final_and_a_vacation_reply_is_not_a_bounce() -> None:
    delayed = dsn.parse(postfix_dsn("b@x", "ragnhild@example.no", status="4.4.1", action="delayed"))
    assert delayed is not None and delayed.action == "delayed" and not delayed.hard
    vacation = (b"From: ragnhild@example.no\r\nAuto-Submitted: auto-replied\r\nSubject: Out of office\r\n\r\n"
                b"Back Monday. (Ignore: 550 5.1.1)\r\n")
    assert dsn.parse(vacation) is None
    assert dsn.parse(b"From: someone@example.no\r\nSubject: hei\r\n\r\nHei, takk for sist!\r\n") is None


def _report(status_part: bytes) -> bytes:
    return (b"From: MAILER-DAEMON@mx.example.no\r\nMIME-Version: 1.0\r\n"
            b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
            b"--B\r\nContent-Type: text/plain\r\n\r\nNot delivered.\r\n\r\n"
            b"--B\r\nContent-Type: message/delivery-status\r\n\r\n" + status_part + b"\r\n--B--\r\n")


def test_the_failed_recipient_wins_and_a_folded_diagnostic_is_read_whole() -> None:
    fields = (b"Reporting-MTA: dns; mx.example.no\r\n\r\n"
              b"Final-Recipient: rfc822; other@example.no\r\nAction: delayed\r\nStatus: 4.4.1\r\n\r\n"
              b"Final-Recipient: rfc822; ragnhild@example.no\r\naction: Failed\r\nSTATUS: 5.2.1\r\n"
              b"Diagnostic-Code: smtp; 550 5.2.1 The email account that you tried to reach\r\n"
              b"    is disabled\r\nDiagnostic-Code: smtp; a second one is ignored\r\n")
    report = dsn.parse(_report(fields))
    assert report == dsn.Report("failed", "5.2.1", "smtp; 550 5.2.1 The email account that you tried to reach "
                                                   "is disabled")


@pytest.mark.parametrize("encoding, first", [("base64", False), ("base64", True), ("quoted-printable", False)])
def test_an_encoded_delivery_status_part_is_read(encoding: str, first: bool) -> None:
    import base64
    import quopri
    fields = (b"Reporting-MTA: dns; mx.example.no\r\n\r\n"
              b"Final-Recipient: rfc822; ragnhild@example.no\r\nAction: failed\r\nStatus: 5.1.1\r\n"
              b"Diagnostic-Code: smtp; 550 5.1.1 <ragnhild@example.no> user unknown\r\n")
    body = base64.encodebytes(fields) if encoding == "base64" else quopri.encodestring(fields)
    cte = b"Content-Transfer-Encoding: " + encoding.encode() + b"\r\n"
    ds = b"Content-Type: message/delivery-status\r\n"
    raw = _report(b"").replace(ds + b"\r\n", (cte + ds if first else ds + cte) + b"\r\n"
                               + body.replace(b"\n", b"\r\n").replace(b"\r\r", b"\r"))
    report = dsn.parse(raw)
    assert report is not None and report.hard and report.status == "5.1.1"
    assert "user unknown" in report.diagnostic and "ragnhild" not in report.diagnostic
