"""End to end: billing's HTTP request → encrypted store → outbox → the SMTP server's inbox."""

from __future__ import annotations

import re
from email.utils import parseaddr

from tests.support.factories import CANARIES, canary_notice, put_canary_customer
from tests.support.service import Gateway, wait_for


async def test_notice_reaches_inbox_without_any_sensitive_content(gateway: Gateway) -> None:
    token = await gateway.token("customers:write", "messages:write", "messages:read")
    await put_canary_customer(gateway, token)
    status, body, _ = await gateway.request("POST", "/api/v1/messages", token=token, json=canary_notice(),
                                            headers={"Idempotency-Key": "inv-1"})
    assert status == 201, body
    message_id = body["id"]

    await wait_for(lambda: len(gateway.sink.mails) == 1)
    mail = gateway.sink.mails[0]
    assert mail.rcpt_tos == ("ragnhild@example.no",)
    raw = mail.raw.decode("utf-8", "replace")
    text, html = mail.part("plain"), mail.part("html")
    for name, canary in CANARIES.items():
        for rendered in (raw, text, html):
            assert canary not in rendered, f"{name} leaked into the e-mail"
    # The only link is the portal message link, with nothing but the unguessable id.
    assert re.findall(r"https?://[^\s\"<>]+", text) == [
        f"https://min.example.no/portal/messages/{message_id}", "https://min.example.no/portal/"]
    assert f'href="https://min.example.no/portal/messages/{message_id}"' in html
    assert len(message_id) >= 22

    async def recorded_sent() -> bool:  # the sink has the mail a moment before the worker records it
        return (await gateway.request("GET", f"/api/v1/messages/{message_id}", token=token))[1]["notification"][
            "status"] == "sent"

    await wait_for(recorded_sent)
    status, body, _ = await gateway.request("GET", f"/api/v1/messages/{message_id}", token=token)
    assert status == 200
    assert body["notification"]["status"] == "sent"
    assert body["notification"]["attempts"] == 1
    assert body["notification"]["sent_at"] is not None
    assert body["read_at"] is None
    assert not any(c in str(body) for c in CANARIES.values())


async def test_email_is_multipart_generic_and_marked_automatic(gateway: Gateway) -> None:
    token = await gateway.token()
    await put_canary_customer(gateway, token)
    await gateway.request("POST", "/api/v1/messages", token=token, json=canary_notice(),
                          headers={"Idempotency-Key": "inv-2"})
    await wait_for(lambda: len(gateway.sink.mails) == 1)
    message = gateway.sink.mails[0].message
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert not list(message.iter_attachments())
    assert message["Subject"] == "Du har en ny melding på Min strømside"
    assert parseaddr(message["From"])[1] == "no-reply@kraft.example.no"
    assert message["Auto-Submitted"] == "auto-generated"
    assert re.fullmatch(r"<[A-Za-z0-9_-]{22}@kraft\.example\.no>", message["Message-ID"])
    text = gateway.sink.mails[0].part("plain")
    assert "ber deg aldri om passord, koder eller fødselsnummer på e-post" in text
    assert "logge inn direkte på Min strømside" in text
    assert "Meldingen gjelder: Faktura" in text


async def test_language_chooses_template_and_sensitive_hides_category(gateway: Gateway) -> None:
    token = await gateway.token()
    await put_canary_customer(gateway, token, "c-en", language="en", email="en@example.no")
    await put_canary_customer(gateway, token, "c-nn", language="nn", email="nn@example.no")
    for key, customer, sensitivity in (("a", "c-en", "normal"), ("b", "c-nn", "sensitive")):
        status, body, _ = await gateway.request(
            "POST", "/api/v1/messages", token=token, headers={"Idempotency-Key": key},
            json={"customer_id": customer, "category": "reminder", "subject": "s", "body": "b",
                  "sensitivity": sensitivity})
        assert status == 201, body
    await wait_for(lambda: len(gateway.sink.mails) == 2)
    by_rcpt = {m.rcpt_tos[0]: m for m in gateway.sink.mails}
    english, nynorsk = by_rcpt["en@example.no"], by_rcpt["nn@example.no"]
    assert english.message["Subject"] == "You have a new message in Min strømside"
    assert "The message is about: Payment reminder" in english.part("plain")
    assert nynorsk.message["Subject"] == "Du har ei ny melding på Min strømside"
    for part in (nynorsk.part("plain"), nynorsk.part("html")):
        assert "gjeld" not in part and "Betalingspåminning" not in part


async def test_message_template_renders_with_data(gateway: Gateway) -> None:
    token = await gateway.token()
    await put_canary_customer(gateway, token)
    status, body, _ = await gateway.request(
        "POST", "/api/v1/messages", token=token, headers={"Idempotency-Key": "tpl-1"},
        json={"customer_id": "c-1", "category": "invoice", "template": "invoice_ready",
              "data": {"name": "Ragnhild", "period": "oktober", "amount": "100", "due_date": "1.12.",
                       "invoice_number": "42"}})
    assert status == 201, body
    await wait_for(lambda: len(gateway.sink.mails) == 1)


async def test_logs_are_json_with_ids_and_never_content(gateway: Gateway, capsys: object) -> None:
    import json
    import logging

    from gateway.logs import setup

    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    setup("DEBUG")  # the most talkative level an operator can choose
    try:
        token = await gateway.token()
        await put_canary_customer(gateway, token)
        gateway.sink.handler.reply = "550 5.1.1 <ragnhild@example.no>: no such user"
        status, body, _ = await gateway.request("POST", "/api/v1/messages", token=token,
                                                json=canary_notice(), headers={"Idempotency-Key": "log-1"})
        assert status == 201

        async def failed() -> bool:
            _, state, _ = await gateway.request("GET", f"/api/v1/messages/{body['id']}", token=token)
            return bool(state["notification"]["status"] == "failed")

        await wait_for(failed)
        _, state, _ = await gateway.request("GET", f"/api/v1/messages/{body['id']}", token=token)
        assert state["notification"]["last_error"].startswith("550")
        assert "ragnhild" not in state["notification"]["last_error"]
    finally:
        root.handlers[:], _ = saved[0], root.setLevel(saved[1])
    lines = capsys.readouterr().err.splitlines()  # type: ignore[attr-defined]
    assert any(body["id"] in line for line in lines)  # ids are logged ...
    for line in lines:
        json.loads(line)
        for canary in (*CANARIES.values(), "ragnhild@example.no"):
            assert canary not in line  # ... content and addresses never
