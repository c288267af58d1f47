"""Schemathesis hooks for tests/test_fuzz_openapi.py (loaded by `st run` through its config).

The document states every rule of a request's form; a few refusals depend on what is stored or on
content, which no schema can state: the customer must exist, the template must exist and get its
variables, an attachment's bytes must be of its content type, a national id needs valid check
digits. For positive cases (schema-valid by construction) these hooks put such values in, so a
refusal of the remaining request is a real mismatch between the document and the server. Negative
cases are left exactly as generated."""

from __future__ import annotations

import base64
import os
from typing import Any

import schemathesis

CUSTOMER = os.environ.get("FUZZ_CUSTOMER_ID", "fuzz-customer")
NATIONAL_ID = "01817010055"  # synthetic test number with valid check digits
TEMPLATE_DATA = {"name": "Kari", "period": "oktober 2026", "amount": "100,00", "due_date": "20.11.2026",
                 "invoice_number": "1001"}
CONTENT = {"application/pdf": b"%PDF-1.4\n%fuzz\n", "image/png": b"\x89PNG\r\n\x1a\nfuzz",
           "image/jpeg": b"\xff\xd8\xff\xe0fuzz", "text/plain": b"fuzz\n", "text/csv": b"a,b\n1,2\n"}


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    meta = getattr(case, "meta", None)
    if meta is None or not meta.generation.mode.is_positive or not isinstance(case.body, dict):
        return case
    path = case.operation.path
    if path == "/api/v1/messages":
        _message(case.body)
    elif path == "/api/v1/messages/batch":
        for item in case.body.get("messages") or []:
            if isinstance(item, dict):
                _message(item)
    elif path == "/api/v1/customers/{customer_id}" and isinstance(case.body.get("national_id"), str):
        case.body["national_id"] = NATIONAL_ID
    return case


def _message(body: dict[str, Any]) -> None:
    body["customer_id"] = CUSTOMER
    if "template" in body:
        body["template"] = "invoice_ready"
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        body["data"] = {**data, **TEMPLATE_DATA}
    for attachment in body.get("attachments") or []:
        if isinstance(attachment, dict) and attachment.get("content_type") in CONTENT:
            attachment["content_base64"] = base64.b64encode(CONTENT[attachment["content_type"]]).decode()
