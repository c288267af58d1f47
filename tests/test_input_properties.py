"""Property tests for the request rules (billing/rules.py): whatever bytes arrive (arbitrary
Unicode, control characters, lone surrogates, deep nesting, huge numbers), the answer is a clear
4xx naming a field, or a value that can be stored and sent: never another exception. Then the same
over HTTP against a real `gateway serve` process, checking that nothing refused was stored."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.billing import rules
from gateway.delivery.devmail import MailSink
from gateway.errors import GatewayError
from tests.support.live import LiveGateway, start_live

# Text with everything a client could put in a JSON string: control characters, NUL, surrogates.
ANY_TEXT = st.text(st.characters(codec=None, categories=None), max_size=40)
NUMBERS = st.one_of(st.integers(min_value=-(10**30), max_value=10**30),
                    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([10**400, -(10**400)]))
JSON_VALUES = st.recursive(st.none() | st.booleans() | NUMBERS | ANY_TEXT,
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_TEXT, inner, max_size=3),
                           max_leaves=12)


def encode(value: Any) -> bytes:
    """JSON as a careless client writes it: NaN/Infinity literals, lone surrogates as escapes."""
    return json.dumps(value, ensure_ascii=True, allow_nan=True).encode()


def nested(depth: int, leaf: str = "1") -> str:
    return "[" * depth + leaf + "]" * depth


def assert_clear_refusal(error: GatewayError) -> None:
    assert error.status in (400, 422), error
    if error.status == 422:
        assert all(e["field"] and e["detail"] for e in error.extra["errors"])


def assert_storable(value: Any) -> None:
    """What is accepted can be encrypted as UTF-8 and exported as strict JSON."""
    json.dumps(value, allow_nan=False, ensure_ascii=False).encode("utf-8")


message_bodies = st.fixed_dictionaries(
    {"customer_id": ANY_TEXT | st.just("c-1"), "category": st.sampled_from(["invoice", "x"]) | ANY_TEXT},
    optional={"subject": ANY_TEXT, "body": ANY_TEXT, "template": ANY_TEXT | st.just("invoice_ready"),
              "data": JSON_VALUES, "sensitivity": ANY_TEXT, "attachments": JSON_VALUES, "extra": JSON_VALUES})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(message_bodies)
def test_message_rules_refuse_clearly_or_accept_storable(body: dict[str, Any]) -> None:
    try:
        item = rules.message(encode(body), 1 << 20)
    except GatewayError as error:
        assert_clear_refusal(error)
        return
    assert_storable([item.subject, item.body, item.data, item.template, item.customer_id])


@settings(max_examples=200, deadline=None)
@given(st.fixed_dictionaries({"email": ANY_TEXT, "language": st.sampled_from(["nb", "sv"])},
                             optional={"name": ANY_TEXT | NUMBERS, "national_id": ANY_TEXT,
                                       "last_invoice_settled_at": ANY_TEXT, "extra": JSON_VALUES}),
       ANY_TEXT)
def test_customer_rules_refuse_clearly_or_accept_storable(body: dict[str, Any], customer_id: str) -> None:
    try:
        data = rules.customer(customer_id, encode(body))
    except GatewayError as error:
        assert_clear_refusal(error)
        return
    assert_storable([customer_id, data.email, data.name, data.national_id])


@settings(max_examples=100, deadline=None)
@given(st.lists(message_bodies.map(lambda b: {**b, "idempotency_key": "k"}) | JSON_VALUES, min_size=1, max_size=4),
       st.integers(min_value=0, max_value=3), st.sampled_from(["", "deep", "surrogate", "nan"]))
def test_batch_rules_answer_every_item_and_never_raise_for_one(items: list[Any], where: int, poison: str) -> None:
    text = json.dumps({"messages": items})
    if poison:
        spoiled = {"deep": nested(3000), "surrogate": '"\\ud800"', "nan": "NaN"}[poison]
        bodies = [json.dumps(i) for i in items]
        bodies[where % len(bodies)] = '{"subject": ' + spoiled + "}"
        text = '{"messages": [' + ", ".join(bodies) + "]}"
    results = rules.batch(text.encode(), 1 << 20)
    assert len(results) == len(items)
    for result in results:
        if isinstance(result, GatewayError):
            assert_clear_refusal(result)


@pytest.mark.parametrize("raw", [nested(100_000).encode(), b'{"a": ' + nested(5000).encode() + b"}",
                                 b'"\\ud800"', b"\xff\xfe", b'{"subject": "\\udfff\\ud800"}', b"1e99999",
                                 b"9" * 100_000, b"", b"{", b'{"messages": [', b"[" * 10 + b"}"])
def test_hostile_bodies_are_clear_refusals(raw: bytes) -> None:
    for call in (lambda: rules.message(raw, 1024), lambda: rules.batch(raw, 1024),
                 lambda: rules.customer("c-1", raw), lambda: rules.template_check(raw)):
        with pytest.raises(GatewayError) as caught:
            call()
        assert_clear_refusal(caught.value)


# ---------------------------------------------------------------- over HTTP, nothing stored


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[LiveGateway]:
    sink = MailSink().start()
    running = start_live(tmp_path_factory.mktemp("live"), sqlite_template, sink)
    try:
        status, _, _ = running.request("PUT", "/api/v1/customers/c-1", json.dumps(
            {"email": "kunde@example.no", "language": "nb"}).encode(), scope="customers:write")
        assert status == 201
        yield running
    finally:
        running.process.stop()
        sink.stop()


def stored(live: LiveGateway) -> tuple[int, int]:
    path = live.settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        return (conn.execute("SELECT count(*) FROM messages").fetchone()[0],
                conn.execute("SELECT count(*) FROM customers").fetchone()[0])


ALWAYS_REFUSED = ["\x00", "\ud800", "\udfff"]
REFUSED_IN_NAMES = [*ALWAYS_REFUSED, "\n", "\r\n", "\u202e", "\ufeff", "\x1b[31m", " "]
HOSTILE = st.one_of(
    st.tuples(st.sampled_from(["customer_id", "template", "category"]), st.sampled_from(REFUSED_IN_NAMES)),
    st.tuples(st.sampled_from(["subject", "body", "data"]), st.sampled_from(ALWAYS_REFUSED)))


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(hostile=HOSTILE, depth=st.sampled_from([0, 2000]))
def test_hostile_messages_over_http_are_4xx_and_store_nothing(live: LiveGateway, hostile: tuple[str, str],
                                                             depth: int) -> None:
    field, poison = hostile
    before = stored(live)
    body: dict[str, Any] = {"customer_id": "c-1", "category": "invoice", "subject": "Faktura", "body": "Klar."}
    if field in ("template", "data"):
        body = {"customer_id": "c-1", "category": "invoice", "template": "invoice_ready", "data": {"name": "Kari"}}
    if field == "data":
        body["data"]["name"] += poison
    else:
        body[field] += poison
    raw = encode(body)
    if depth:
        raw = raw[:-1] + b', "deep": ' + nested(depth).encode() + b"}"
    status, headers, problem = live.request("POST", "/api/v1/messages", raw, scope="messages:write",
                                            headers={"Idempotency-Key": "hostile"})
    assert status in (400, 422), (status, problem)
    assert headers["Content-Type"].startswith("application/problem+json")
    assert stored(live) == before
