"""POST /api/v1/templates/check: the guard for template admins' tools."""

from __future__ import annotations

from tests.support.service import Gateway


async def test_safe_email_template_passes(gateway: Gateway) -> None:
    token = await gateway.token("templates:write")
    source = "Hei!\nDu har en ny melding: {{ message_url }}\nHilsen {{ company_name }}\n"
    status, body, _ = await gateway.request("POST", "/api/v1/templates/check", token=token,
                                            json={"kind": "email", "source": source})
    assert status == 200 and body == {"ok": True, "findings": []}


async def test_unsafe_templates_are_refused_with_located_findings(gateway: Gateway) -> None:
    token = await gateway.token("templates:write")
    email = "Hei {{ customer.name }}!\nLes meldingen: {{ message_url }}\n"
    status, body, _ = await gateway.request("POST", "/api/v1/templates/check", token=token,
                                            json={"kind": "email", "source": email, "name": "n.txt"})
    assert status == 200 and body["ok"] is False
    finding = body["findings"][0]
    assert finding["rule"].startswith("template.") and finding["line"] == 1 and finding["template"] == "n.txt"
    message = "Hei!\n\nFor å bekrefte flyttingen, send oss fødselsnummeret ditt og kontonummeret."
    status, body, _ = await gateway.request("POST", "/api/v1/templates/check", token=token,
                                            json={"kind": "message", "source": message})
    assert body["ok"] is False
    assert any(f["rule"].startswith("request.") and f["line"] == 3 for f in body["findings"])


async def test_bad_check_requests_are_422(gateway: Gateway) -> None:
    token = await gateway.token("templates:write")
    for payload in ({"kind": "sms", "source": "x"}, {"kind": "email"}, {"kind": "email", "source": 5},
                    {"kind": "email", "source": "x", "extra": 1}, ["not", "an", "object"]):
        status, _body, response = await gateway.request("POST", "/api/v1/templates/check", token=token,
                                                       json=payload)
        assert status == 422 and response.content_type == "application/problem+json", payload
