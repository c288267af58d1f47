"""The billing API's contract: idempotency, batches, scopes, and bad input refused cleanly.

Where a test shows that no e-mail went out, it first waits for a later notice to be delivered: the
worker claims in due order, so by then it has dealt with anything the request could have queued."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import pytest
from sqlalchemy import func, select

from gateway.clock import FakeClock
from gateway.delivery.devmail import MailSink
from gateway.settings import Settings
from gateway.storage.schema import attachments, messages, notifications
from tests.support.factories import notice, post_message, put_canary_customer
from tests.support.outbox import settled
from tests.support.processes import message_id_of
from tests.support.service import Gateway, start_gateway, stop_gateway, wait_for

PDF = base64.b64encode(b"%PDF-1.7 test").decode()
INVOICE = {"name": "Kari", "period": "oktober 2026", "amount": "1 234,50", "due_date": "20.11.2026",
           "invoice_number": "2026-104233"}


async def stored_counts(gw: Gateway) -> tuple[int, int, int]:
    async with gw.services.engine.connect() as conn:
        return tuple([(await conn.execute(select(func.count()).select_from(t))).scalar_one()  # type: ignore[return-value]
                      for t in (messages, notifications, attachments)])


async def deliver_a_later_notice(gw: Gateway, token: str) -> None:
    """Post one more notice, wait for its e-mail, then for the outbox to settle (every row has its
    final result: nothing is pending or being sent, so no further e-mail can follow)."""
    mails = len(gw.sink.mails)
    await post_message(gw, token, "later", notice(subject="Later"))
    await wait_for(lambda: len(gw.sink.mails) > mails)
    await wait_for(lambda: settled(gw.services))


async def test_same_key_same_request_gives_same_id_and_one_email(gateway: Gateway) -> None:
    token = await gateway.token()
    await put_canary_customer(gateway, token)
    first = await gateway.request("POST", "/api/v1/messages", token=token, json=notice(),
                                  headers={"Idempotency-Key": "k-1"})
    await wait_for(lambda: len(gateway.sink.mails) == 1)

    async def recorded_sent() -> bool:
        _, state, _ = await gateway.request("GET", f"/api/v1/messages/{first[1]['id']}", token=token)
        return bool(state["notification"]["status"] == "sent")

    await wait_for(recorded_sent)  # the relay has it before the worker records it
    again = await gateway.request("POST", "/api/v1/messages", token=token, json=notice(),
                                  headers={"Idempotency-Key": "k-1"})
    assert first[0] == again[0] == 201
    assert first[1]["id"] == again[1]["id"]
    assert again[2].headers["Idempotent-Replayed"] == "true"
    assert again[1]["status"] == "sent"
    assert await stored_counts(gateway) == (1, 1, 0)
    await deliver_a_later_notice(gateway, token)
    # The first notice once, the later one once.
    assert len({message_id_of(m) for m in gateway.sink.mails}) == len(gateway.sink.mails) == 2
    assert await stored_counts(gateway) == (2, 2, 0)


async def test_same_key_different_request_is_a_conflict(gateway: Gateway) -> None:
    token = await gateway.token()
    await put_canary_customer(gateway, token)
    await gateway.request("POST", "/api/v1/messages", token=token, json=notice(),
                          headers={"Idempotency-Key": "k-1"})
    status, body, response = await gateway.request(
        "POST", "/api/v1/messages", token=token, json=notice(subject="Other"), headers={"Idempotency-Key": "k-1"})
    assert status == 409
    assert response.content_type == "application/problem+json"
    assert body["status"] == 409 and "Idempotency-Key" in body["detail"]
    assert await stored_counts(gateway) == (1, 1, 0)


async def test_concurrent_retries_with_one_key_store_one_message(gateway: Gateway) -> None:
    token = await gateway.token()
    await put_canary_customer(gateway, token)
    results = await asyncio.gather(*(
        gateway.request("POST", "/api/v1/messages", token=token, json=notice(),
                        headers={"Idempotency-Key": "same"}) for _ in range(8)))
    assert {r[0] for r in results} == {201}
    assert len({r[1]["id"] for r in results}) == 1
    await wait_for(lambda: len(gateway.sink.mails) == 1)
    assert (await stored_counts(gateway))[0] == 1


async def test_batch_returns_one_result_per_item_in_order(gateway: Gateway) -> None:
    token = await gateway.token()
    await put_canary_customer(gateway, token)
    items = [
        {**notice(), "idempotency_key": "b-1"},
        {**notice(category="nonsense"), "idempotency_key": "b-2"},
        {**notice(customer_id="no-such-customer"), "idempotency_key": "b-3"},
        {**notice(subject="Second"), "idempotency_key": "b-4"},
        {**notice(), "idempotency_key": "b-1"},  # replay inside the same batch
        notice(),  # no idempotency key
    ]
    status, body, _ = await gateway.request("POST", "/api/v1/messages/batch", token=token, json={"messages": items})
    assert status == 200, body
    results = body["results"]
    assert len(results) == 6
    assert results[0]["status"] == "pending"
    assert results[1]["error"]["status"] == 422 and "category" in results[1]["error"]["detail"]
    assert results[2]["error"]["status"] == 422 and "customer" in results[2]["error"]["detail"]
    assert results[3]["id"] != results[0]["id"]
    assert results[4]["id"] == results[0]["id"]
    assert results[5]["error"]["status"] == 422
    await wait_for(lambda: len(gateway.sink.mails) == 2)
    assert await stored_counts(gateway) == (2, 2, 0)


async def test_batch_limits(gateway: Gateway) -> None:
    token = await gateway.token()
    too_many = {"messages": [{**notice(), "idempotency_key": str(i)} for i in range(1001)]}
    for body in ({"messages": []}, too_many, {"messages": "x"}, {"items": []}):
        status, problem, _ = await gateway.request("POST", "/api/v1/messages/batch", token=token, json=body)
        assert status == 422, problem
    assert await stored_counts(gateway) == (0, 0, 0)


async def test_status_of_unknown_message_is_404_problem(gateway: Gateway) -> None:
    token = await gateway.token("messages:read")
    status, body, response = await gateway.request("GET", "/api/v1/messages/nope", token=token)
    assert status == 404 and response.content_type == "application/problem+json"
    assert body["title"] == "Not found"


@pytest.mark.parametrize("scope_given, method, path", [
    ("messages:read", "POST", "/api/v1/messages"),
    ("messages:write", "GET", "/api/v1/messages/x"),
    ("messages:write", "PUT", "/api/v1/customers/c-1"),
    ("customers:write", "POST", "/api/v1/templates/check"),
])
async def test_scopes_are_enforced(gateway: Gateway, scope_given: str, method: str, path: str) -> None:
    token = await gateway.token(scope_given)
    status, body, _ = await gateway.request(method, path, token=token, json={},
                                            headers={"Idempotency-Key": "x"})
    assert status == 403 and body["status"] == 403


async def test_missing_wrong_and_revoked_keys_are_401(gateway: Gateway) -> None:
    from gateway.rest import apikeys

    key, secret = await apikeys.create(gateway.services.engine, "old", frozenset(apikeys.SCOPES))
    await apikeys.revoke(gateway.services.engine, key.id)
    wrong = secret[:-4] + "AAAA"
    for token in (None, "garbage", wrong, secret):
        status, _body, response = await gateway.request("GET", "/api/v1/messages/x", token=token)
        assert status == 401, token
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.content_type == "application/problem+json"


BAD_MESSAGES: list[tuple[str, dict[str, Any], int, str]] = [
    ("unknown category", notice(category="spam"), 422, "category"),
    ("unknown field", notice(colour="red"), 422, "colour"),
    ("missing subject", notice(subject=None), 422, "subject"),
    ("empty body", notice(body="   "), 422, "body"),
    ("subject too long", notice(subject="x" * 201), 422, "subject"),
    ("both text and template", notice(template="invoice_ready"), 422, "template"),
    ("unknown template", notice(subject=None, body=None, template="nope"), 422, "template"),
    ("template data missing", notice(subject=None, body=None, template="invoice_ready", data={}), 422, "template"),
    ("data not an object", notice(subject=None, body=None, template="invoice_ready", data=[1]), 422, "data"),
    *[(f"template data {kind} printed", notice(subject=None, body=None, template="invoice_ready",
                                               data={**INVOICE, "amount": value}), 422, "not text or a number")
      for kind, value in (("null", None), ("boolean", True), ("object", {"kr": 1}), ("list", [1]))],
    ("bad sensitivity", notice(sensitivity="secret"), 422, "sensitivity"),
    ("bad customer id", notice(customer_id="../etc"), 422, "customer_id"),
    ("unknown customer", notice(customer_id="c-2"), 422, "customer"),
    ("attachment type", notice(attachments=[{"filename": "a.exe", "content_type": "application/x-msdownload",
                                             "content_base64": PDF}]), 422, "content_type"),
    ("attachment not base64", notice(attachments=[{"filename": "a.pdf", "content_type": "application/pdf",
                                                   "content_base64": "%%%"}]), 422, "base64"),
    ("attachment lies about type", notice(attachments=[{"filename": "a.pdf", "content_type": "application/pdf",
                                                        "content_base64": base64.b64encode(b"MZ...").decode()}]),
     422, "not application/pdf"),
    ("attachment path in name", notice(attachments=[{"filename": "../a.pdf", "content_type": "application/pdf",
                                                     "content_base64": PDF}]), 422, "filename"),
    ("too many attachments", notice(attachments=[{"filename": f"{i}.pdf", "content_type": "application/pdf",
                                                  "content_base64": PDF} for i in range(11)]), 422, "attachments"),
    ("guard refuses", notice(body="Vennligst oppgi passordet ditt i svaret."), 422, "guard"),
]


@pytest.mark.parametrize("case, body, expected, mentions", BAD_MESSAGES, ids=[c[0] for c in BAD_MESSAGES])
async def test_bad_message_is_refused_with_nothing_stored(gateway: Gateway, case: str, body: dict[str, Any],
                                                          expected: int, mentions: str) -> None:
    token = await gateway.token()
    await put_canary_customer(gateway, token)
    status, problem, response = await gateway.request("POST", "/api/v1/messages", token=token, json=body,
                                                      headers={"Idempotency-Key": "bad"})
    assert status == expected, problem
    assert response.content_type == "application/problem+json"
    assert {"type", "title", "status", "detail"} <= set(problem)
    assert mentions in str(problem)
    assert await stored_counts(gateway) == (0, 0, 0)
    await deliver_a_later_notice(gateway, token)
    assert len(gateway.sink.mails) == 1  # only the later notice's


async def test_guard_findings_are_returned(gateway: Gateway) -> None:
    token = await gateway.token()
    await put_canary_customer(gateway, token)
    status, problem, _ = await gateway.request(
        "POST", "/api/v1/messages", token=token, headers={"Idempotency-Key": "g"},
        json=notice(body="Vennligst oppgi passordet ditt i svaret."))
    assert status == 422
    assert problem["findings"] and problem["findings"][0]["rule"].startswith("request")
    assert {"rule", "message", "line", "column", "excerpt"} <= set(problem["findings"][0])


async def test_request_level_errors(gateway: Gateway) -> None:
    token = await gateway.token()
    await put_canary_customer(gateway, token)
    status, problem, _ = await gateway.request("POST", "/api/v1/messages", token=token, json=notice())
    assert status == 400 and "Idempotency-Key" in problem["detail"]
    status, problem, _ = await gateway.request("POST", "/api/v1/messages", token=token, data=b"{not json",
                                               headers={"Idempotency-Key": "j", "Content-Type": "application/json"})
    assert status == 400 and "JSON" in problem["detail"]
    status, problem, _ = await gateway.request("POST", "/api/v1/messages", token=token, data=b"a=b",
                                               headers={"Idempotency-Key": "j",
                                                        "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400
    status, problem, _ = await gateway.request("POST", "/api/v1/messages", token=token, json=notice(),
                                               headers={"Idempotency-Key": "x" * 256})
    assert status == 422
    assert await stored_counts(gateway) == (0, 0, 0)


async def test_body_over_the_limit_is_413(gateway: Gateway) -> None:
    token = await gateway.token()
    await put_canary_customer(gateway, token)
    huge = notice(body="a" * (gateway.services.settings.max_body_bytes + 10))
    status, _problem, response = await gateway.request("POST", "/api/v1/messages", token=token, json=huge,
                                                      headers={"Idempotency-Key": "big"})
    assert status == 413
    assert response.content_type == "application/problem+json"
    assert await stored_counts(gateway) == (0, 0, 0)


@pytest.fixture
async def clocked(settings: Settings, sink: MailSink) -> Any:
    """The service keeping time by a FakeClock: (gateway, clock)."""
    clock = FakeClock()
    running = await start_gateway(settings, sink, run_worker=False, clock=clock)
    yield running, clock
    await stop_gateway(running)


async def test_revocation_by_another_process_is_honoured_within_a_second(
        clocked: tuple[Gateway, FakeClock]) -> None:
    from sqlalchemy import update

    from gateway.rest.apikeys import REVALIDATE_SECONDS
    from gateway.storage.schema import api_keys
    from gateway.storage.types import utcnow

    gateway, clock = clocked
    token = await gateway.token("messages:read")
    assert (await gateway.request("GET", "/api/v1/messages/x", token=token))[0] == 404
    async with gateway.services.engine.begin() as conn:  # as `gateway api-keys revoke` would, elsewhere
        await conn.execute(update(api_keys).values(revoked_at=utcnow()))
    clock.advance(REVALIDATE_SECONDS + 0.001)
    assert (await gateway.request("GET", "/api/v1/messages/x", token=token))[0] == 401
