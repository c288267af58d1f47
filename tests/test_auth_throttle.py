"""Issue 9 item 7: refused credentials are counted per source and key prefix, audited once per time
window (not once per request), throttled with 429 + Retry-After, and exported as a metric. The
window's clock is injected, so nothing here sleeps. Both backends."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from gateway.rest.throttle import REFUSALS_PER_WINDOW, THROTTLE, WINDOW_SECONDS, RefusalThrottle, key_prefix
from gateway.storage.schema import audit_log
from tests.support.service import Gateway


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def install_clock(gateway: Gateway) -> Clock:
    clock = Clock()
    gateway.server.app[THROTTLE].clock = clock
    return clock


async def refusal_rows(gateway: Gateway) -> list[dict[str, Any]]:
    async with gateway.services.engine.connect() as conn:
        rows = (await conn.execute(select(audit_log.c.details).where(audit_log.c.action == "api.auth_failed")
                                   .order_by(audit_log.c.seq))).scalars().all()
    return [json.loads(r) for r in rows]


WRONG = "gw_AAAAAAAAAAAAAAAA_" + "x" * 43


async def test_refusals_are_audited_once_per_window_with_counts(gateway: Gateway) -> None:
    clock = install_clock(gateway)
    for _ in range(5):
        status, _, _ = await gateway.request("GET", "/api/v1/messages/m", token=WRONG)
        assert status == 401
    status, _, _ = await gateway.request("GET", "/api/v1/messages/m", token="not-a-key")
    assert status == 401
    assert await refusal_rows(gateway) == []  # the window is still open: no row per request
    clock.now += WINDOW_SECONDS
    await gateway.request("GET", "/api/v1/messages/m", token=WRONG)  # the next refusal closes it
    [row] = await refusal_rows(gateway)
    assert row["refusals"] == 6
    counts = {entry["key_prefix"]: entry["count"] for entry in row["by_source"]}
    assert counts == {"AAAAAAAAAAAAAAAA": 5, "malformed": 1}
    assert all("127.0.0.1" not in entry["source"] for entry in row["by_source"])  # a keyed digest
    assert WRONG.split("_")[2] not in json.dumps(row)  # never the secret


async def test_a_refused_source_is_throttled_with_retry_after_but_valid_keys_pass(gateway: Gateway) -> None:
    clock = install_clock(gateway)
    good = await gateway.token("messages:read")
    assert (await gateway.request("GET", "/api/v1/messages/none", token=good))[0] == 404
    for _ in range(REFUSALS_PER_WINDOW):
        assert (await gateway.request("GET", "/api/v1/messages/m", token=WRONG))[0] == 401
    status, problem, response = await gateway.request("GET", "/api/v1/messages/m", token=WRONG)
    assert status == 429 and problem["status"] == 429
    assert int(response.headers["Retry-After"]) == int(WINDOW_SECONDS)
    clock.now += 15
    status, _, response = await gateway.request("POST", "/api/v1/messages", token="garbage", json={})
    assert status == 429 and int(response.headers["Retry-After"]) == int(WINDOW_SECONDS) - 15
    # A key this process already verified is not held up by its neighbours' mistakes.
    assert (await gateway.request("GET", "/api/v1/messages/none", token=good))[0] == 404
    clock.now += WINDOW_SECONDS
    assert (await gateway.request("GET", "/api/v1/messages/m", token=WRONG))[0] == 401
    _, metrics, _ = await gateway.request("GET", "/metrics")
    text = metrics.decode()
    assert 'gateway_api_auth_refused_total{outcome="invalid"}' in text
    assert 'gateway_api_auth_refused_total{outcome="throttled"}' in text


async def test_an_ended_window_is_audited_at_shutdown_too(gateway: Gateway) -> None:
    install_clock(gateway)
    await gateway.request("GET", "/api/v1/messages/m", token=WRONG)
    await gateway.server.close()  # cleanup writes what was counted
    [row] = await refusal_rows(gateway)
    assert row["refusals"] == 1


def test_windows_roll_on_the_injected_clock() -> None:
    clock = Clock()
    throttle = RefusalThrottle(clock=clock, window=10, limit=2)
    throttle.refused("a", "p")
    throttle.refused("a", "p")
    assert throttle.retry_after("a") == 10 and throttle.retry_after("b") is None
    clock.now += 25  # two windows later: the first is reported once, no empty one
    assert throttle.retry_after("a") is None
    [(started, counts)] = throttle.take_ended()
    assert started == 1000.0 and counts == {("a", "p"): 2}
    assert throttle.take_ended() == []
    assert key_prefix("gw_abcdefghijklmnop_secret_more") == "abcdefghijklmnop"
    assert key_prefix("Basic dXNlcjpwYXNz") == "malformed"
