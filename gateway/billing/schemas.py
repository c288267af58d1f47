"""The machine-client API's request and response bodies, declared once.

msgspec decodes and validates a request against these declarations in one pass (fast: single-message
ingest is performance sensitive, docs/performance.md), and gateway/web/openapi.py derives the JSON
Schema in the OpenAPI document from the same declarations, so the two cannot drift.

Patterns are written with \\A and \\Z (a full match in Python, whose "$" also matches before a final
newline); the document states them with ECMA-262's ^ and $, which mean the same there. What msgspec
cannot express is checked after decoding (billing/rules.py) and is stated in the document by
hand, next to the declaration it refines (EXTRA_SCHEMA below)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from gateway import addresses

MAX_BATCH = 1000
MAX_ATTACHMENTS = 10
MAX_SUBJECT = 200
MAX_BODY = 1_000_000
MAX_DATA_DEPTH = 32
MAX_TEMPLATE_SOURCE = 200_000


def full(pattern: str) -> str:
    """A pattern matched whole: msgspec applies patterns with re.search."""
    return rf"\A(?:{pattern})\Z"


ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
TEMPLATE_PATTERN = r"[a-z0-9][a-z0-9_]{0,63}"
# No NUL, and at least one character that is not ASCII white space. The leading class and the next
# one are disjoint, so the match is linear even on a long text (no catastrophic backtracking).
TEXT_PATTERN = r"[\t\n\r ]*[^\x00\t\n\r ][^\x00]*"
NO_NUL_PATTERN = r"[^\x00]*"
FILENAME_PATTERN = r"[^\x00-\x1f\x7f/\\]+"
BASE64_PATTERN = r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?"
IDEMPOTENCY_KEY_PATTERN = r"[\x20-\x7e]{1,255}"
# In the header: HTTP strips a value's leading and trailing spaces, so none can be given.
IDEMPOTENCY_HEADER_PATTERN = r"[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?"

CustomerId = Annotated[str, Meta(pattern=full(ID_PATTERN),
                                 description="1-64 characters: letters, digits, '.', '_' or '-'")]
Email = Annotated[str, Meta(max_length=addresses.MAX_LENGTH, pattern=full(addresses.PATTERN),
                            description="One plain ASCII address (an internationalised domain in its xn-- form)")]
DateTime = Annotated[datetime, Meta(tz=True, extra_json_schema={"format": "date-time"},
                                    description="RFC 3339, with a time zone offset")]
# Billing's dates (issue 13): a timestamp, or a plain date meaning that day in Norway. A string with
# a pattern: msgspec allows only one string-encoded type in a union (datetime | date is refused), so
# customers.day_or_moment turns it into a datetime after the pattern has admitted it.
DayOrMoment = Annotated[str, Meta(
    pattern=full(r"(?:19|20|21)[0-9]{2}-[0-9]{2}-[0-9]{2}(?:[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?"
                 r"(?:[Zz]|[+-][0-9]{2}:[0-9]{2}))?"),
    extra_json_schema={"anyOf": [{"format": "date-time"}, {"format": "date"}]},
    description="RFC 3339 with a time zone offset, or a plain date (YYYY-MM-DD: that day in Norway); "
                "in the years 1900-2199")]
Category = Literal["invoice", "reminder", "contract", "support", "general"]
ContentType = Literal["application/pdf", "image/png", "image/jpeg", "text/plain", "text/csv"]


class Customer(Struct, forbid_unknown_fields=True):
    """PUT /api/v1/customers/{customer_id}."""

    email: Email
    language: Literal["nb", "nn", "en"]
    name: Annotated[str, Meta(max_length=200, pattern=full(NO_NUL_PATTERN))] | None = None
    national_id: Annotated[str, Meta(max_length=20, pattern=full(r" *(?:[0-9] *){11}"),
                                     description="11 digits (spaces allowed between groups) with a "
                                                 "plausible birth date and valid check digits")] | None = None
    last_invoice_settled_at: DayOrMoment | None = None
    relationship_ended_at: DayOrMoment | None = None


class Attachment(Struct, forbid_unknown_fields=True):
    filename: Annotated[str, Meta(max_length=255, pattern=full(FILENAME_PATTERN),
                                  description="No path separators or control characters")]
    content_type: ContentType
    content_base64: Annotated[str, Meta(min_length=4, pattern=full(BASE64_PATTERN),
                                        extra_json_schema={"contentEncoding": "base64"},
                                        description="Non-empty, at most the configured attachment size; "
                                                    "the content must be of content_type")]


class MessageRequest(Struct, forbid_unknown_fields=True, omit_defaults=True):
    """POST /api/v1/messages. Either subject and body, or template (and data), never both."""

    customer_id: CustomerId
    category: Category
    subject: Annotated[str, Meta(max_length=MAX_SUBJECT, pattern=full(TEXT_PATTERN))] | UnsetType = UNSET
    body: Annotated[str, Meta(max_length=MAX_BODY, pattern=full(TEXT_PATTERN))] | UnsetType = UNSET
    template: Annotated[str, Meta(pattern=full(TEMPLATE_PATTERN),
                                  description="templates/messages/NAME.LANG.j2")] | UnsetType = UNSET
    data: dict[str, Any] | UnsetType = UNSET
    attachments: Annotated[list[Attachment], Meta(max_length=MAX_ATTACHMENTS)] | UnsetType = UNSET
    sensitivity: Literal["normal", "sensitive"] | UnsetType = UNSET
    auth_level: Literal["substantial", "high"] | UnsetType = UNSET


class BatchItem(MessageRequest, forbid_unknown_fields=True, omit_defaults=True, kw_only=True):
    """One item of POST /api/v1/messages/batch: a message with its own idempotency key."""

    idempotency_key: Annotated[str, Meta(pattern=full(IDEMPOTENCY_KEY_PATTERN),
                                         description="1-255 printable ASCII characters")]


class BatchRequest(Struct, forbid_unknown_fields=True):
    messages: Annotated[list[msgspec.Raw], Meta(min_length=1, max_length=MAX_BATCH)]


class TemplateCheck(Struct, forbid_unknown_fields=True):
    """POST /api/v1/templates/check."""

    kind: Literal["email", "message"]
    source: Annotated[str, Meta(max_length=MAX_TEMPLATE_SOURCE)]
    name: Annotated[str, Meta(max_length=200)] = "<template>"


# ---------------------------------------------------------------- responses


class Created(Struct):
    id: str


class Accepted(Struct):
    id: str
    status: Literal["pending", "sending", "sent", "failed", "held", "bounced"]


class Bounce(Struct):
    """The delivery report that returned the notification: no content, addresses removed."""

    status: Annotated[str, Meta(description="RFC 3463 enhanced status code, e.g. 5.1.1")]
    diagnostic: str | None
    bounced_at: Annotated[str, Meta(extra_json_schema={"format": "date-time"})]


class Notification(Struct):
    status: Literal["pending", "sending", "sent", "failed", "held", "bounced", "undeliverable"]
    attempts: int
    sent_at: Annotated[str, Meta(extra_json_schema={"format": "date-time"})] | None
    last_error: str | None
    bounce: Bounce | None = None


class MessageStatus(Struct):
    id: str
    customer_id: str
    category: Category
    created_at: Annotated[str, Meta(extra_json_schema={"format": "date-time"})]
    notification: Notification
    read_at: Annotated[str, Meta(extra_json_schema={"format": "date-time"})] | None


class FieldError(Struct):
    field: str
    detail: str


class Finding(Struct):
    rule: str
    message: str
    line: int
    column: int
    excerpt: str
    severity: Literal["error", "warning"] | UnsetType = UNSET
    message_nb: str | UnsetType = UNSET
    template: str | UnsetType = UNSET


class Problem(Struct):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | UnsetType = UNSET
    errors: list[FieldError] | UnsetType = UNSET
    findings: list[Finding] | UnsetType = UNSET


class BatchError(Struct, forbid_unknown_fields=True):
    error: Problem


class BatchResults(Struct):
    # msgspec cannot declare a union of untagged structs: openapi.py states the items as
    # oneOf(Accepted, BatchError).
    results: list[dict[str, Any]]


class CheckResult(Struct):
    ok: bool
    findings: list[Finding]


class Readiness(Struct):
    status: Literal["ready", "not ready"]
    checks: dict[str, Literal["ok", "unavailable"]]


COMPONENTS = (Customer, Attachment, MessageRequest, BatchItem, TemplateCheck, Created, Accepted,
              MessageStatus, Problem, Finding, BatchError, BatchResults, CheckResult, Readiness)

# What the post-validation step (billing/rules.py) adds to a declaration, stated in the document.
_NO_NUL = {"type": "string", "pattern": full(NO_NUL_PATTERN)}
TEMPLATE_VALUE = {
    "description": f"JSON without NUL in any string, nested at most {MAX_DATA_DEPTH} levels; numbers "
                   "finite (1e999 overflows), integers of at most 4,300 digits",
    "anyOf": [_NO_NUL, {"type": ["number", "boolean", "null"]},
              {"type": "array", "items": {"$ref": "#/components/schemas/TemplateValue"}},
              {"type": "object", "propertyNames": _NO_NUL,
               "additionalProperties": {"$ref": "#/components/schemas/TemplateValue"}}],
}
_SUBJECT_AND_BODY = {"required": ["subject", "body"], "properties": {"template": False, "data": False}}
_TEMPLATE = {"required": ["template"], "properties": {"subject": False, "body": False}}
EXTRA_SCHEMA: dict[str, dict[str, Any]] = {
    "MessageRequest": {"oneOf": [_SUBJECT_AND_BODY, _TEMPLATE]},
    "BatchItem": {"oneOf": [_SUBJECT_AND_BODY, _TEMPLATE]},
}
DATA_SCHEMA = {"type": "object", "propertyNames": _NO_NUL,
               "additionalProperties": {"$ref": "#/components/schemas/TemplateValue"}}
