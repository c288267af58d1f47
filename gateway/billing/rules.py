"""Request bodies in: decode and validate with msgspec (billing/schemas.py), then check what a
declaration cannot say. Every refusal is a problem naming the field; nothing here answers 500.

Malformed JSON answers 400. A body that is JSON but breaks a rule answers 422 with one entry per
field; that includes a string with an unpaired surrogate (it cannot be stored or sent as UTF-8)
and a value nested deeper than the parser goes, which msgspec reports without a field: the error
path below finds the field by splitting the body at its first level without parsing the values."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

import msgspec
from aiohttp import web

from gateway.billing import schemas
from gateway.billing.messages import CONTENT_TYPES, Attachment, MessageInput
from gateway.customers import CustomerInput, day_or_moment
from gateway.errors import GatewayError, ValidationFailed
from gateway.identifiers import national_id
from gateway.rest import draining

T = TypeVar("T")
_MESSAGE = msgspec.json.Decoder(schemas.MessageRequest)
_ITEM = msgspec.json.Decoder(schemas.BatchItem)
_CUSTOMER = msgspec.json.Decoder(schemas.Customer)
_CHECK = msgspec.json.Decoder(schemas.TemplateCheck)


class _Batch(msgspec.Struct, forbid_unknown_fields=True):
    messages: list[schemas.BatchItem]


_BATCH = msgspec.json.Decoder(_Batch)
NOT_JSON = "The request body is not valid JSON"


async def read_body(request: web.Request) -> bytes:
    if request.content_type != "application/json":
        raise GatewayError("The request body must be application/json")
    return await draining.read_body(request)  # 413 over client_max_size, 503 when stopping


def decode(decoder: msgspec.json.Decoder[T], raw: bytes, prefix: str = "") -> T:
    try:
        return decoder.decode(raw)
    except msgspec.ValidationError as exc:
        raise ValidationFailed([field_error(str(exc), prefix)]) from None
    except (msgspec.DecodeError, RecursionError):
        raise locate(raw, prefix) from None


# ---------------------------------------------------------------- requests


def customer(customer_id: str, raw: bytes) -> CustomerInput:
    if not re.fullmatch(schemas.ID_PATTERN, customer_id):
        raise ValidationFailed([{"field": "customer_id",
                                 "detail": "must be 1-64 characters: letters, digits, '.', '_' or '-'"}])
    return customer_input(decode(_CUSTOMER, raw))


def customer_input(body: schemas.Customer) -> CustomerInput:
    if body.national_id is not None and not national_id.is_valid(body.national_id):
        raise ValidationFailed([{"field": "national_id", "detail": "must be a valid Norwegian national "
                                                                   "identity number (11 digits, check digits)"}])
    nid = national_id.normalise(body.national_id) if body.national_id else None
    return CustomerInput(body.email, body.language, body.name, nid,
                         _day_or_moment(body.last_invoice_settled_at, "last_invoice_settled_at"),
                         _day_or_moment(body.relationship_ended_at, "relationship_ended_at"))


# Billing's dates are of a customer relationship: outside these years a date is a mistake, and
# retention's arithmetic (years after it, in Norwegian time) would leave datetime's range.
FIRST_YEAR, LAST_YEAR = 1900, 2199


def _day_or_moment(value: str | None, field: str) -> datetime | None:
    """The declaration admitted the shape; a day or time that does not exist (2026-02-30) is a 422,
    and so is one outside FIRST_YEAR..LAST_YEAR (0001-01-01 in Norway is before year 1 in UTC)."""
    if value is None:
        return None
    try:
        moment = day_or_moment(value)
        year = moment.year  # as written, as the document's pattern says (the offset may cross a year)
    except ValueError:
        raise ValidationFailed([{"field": field, "detail": "must be an RFC 3339 date-time with a time zone "
                                                          "offset, or a date (YYYY-MM-DD)"}]) from None
    except OverflowError:
        year = 0
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed([{"field": field, "detail": f"must be in the years {FIRST_YEAR}-{LAST_YEAR}"}])
    return moment


def message(raw: bytes, max_attachment_bytes: int) -> MessageInput:
    return message_input(decode(_MESSAGE, raw), max_attachment_bytes)


def batch(raw: bytes, max_attachment_bytes: int) -> list[tuple[str, MessageInput] | GatewayError]:
    """One entry per item, in order: (idempotency key, item) or the item's problem. A bad item
    never fails the others; only a body that is not {"messages": [1..1000 items]} fails whole."""
    try:
        items: Sequence[schemas.BatchItem | str] = _BATCH.decode(raw).messages
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
        items = _batch_items(raw)
    if not 1 <= len(items) <= schemas.MAX_BATCH:
        raise ValidationFailed([{"field": "messages", "detail": f"must hold 1 to {schemas.MAX_BATCH} messages"}])
    return [_batch_entry(item, index, max_attachment_bytes) for index, item in enumerate(items)]


def _batch_items(raw: bytes) -> list[str]:
    """The batch's items as JSON texts, each to be decoded on its own (the slow path)."""
    try:
        members = split(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise GatewayError(NOT_JSON) from None
    if members is None or members[0] != "{":
        raise GatewayError(NOT_JSON) if members is None else _not_batch()
    keys = [key for key, _ in members[1]]
    if keys != ["messages"]:
        raise _not_batch()
    items = split(members[1][0][1])
    if items is None:
        raise ValidationFailed([{"field": "messages", "detail": "is not valid JSON"}])
    if items[0] != "[":
        raise _not_batch()
    return [value for _, value in items[1]]


def _not_batch() -> ValidationFailed:
    return ValidationFailed([{"field": "messages", "detail": 'the body must be {"messages": [...]}'}])


def _batch_entry(item: schemas.BatchItem | str, index: int, max_bytes: int) -> tuple[str, MessageInput] | GatewayError:
    prefix = f"messages[{index}]."
    try:
        if isinstance(item, str):
            item = decode(_ITEM, item.encode("utf-8", "surrogatepass"), prefix)
        return item.idempotency_key, message_input(item, max_bytes, prefix)
    except GatewayError as exc:
        return exc


def template_check(raw: bytes) -> schemas.TemplateCheck:
    return decode(_CHECK, raw)


def idempotency_key(value: str | None) -> str:
    if value is None or not re.fullmatch(schemas.IDEMPOTENCY_HEADER_PATTERN, value):
        raise ValidationFailed([{"field": "Idempotency-Key", "detail": "must be 1-255 printable ASCII characters"}])
    return value


# ---------------------------------------------------------------- what a declaration cannot say


def message_input(body: schemas.MessageRequest, max_bytes: int, prefix: str = "") -> MessageInput:
    errors: list[dict[str, str]] = []
    uses_template = body.template is not msgspec.UNSET
    if uses_template and (body.subject is not msgspec.UNSET or body.body is not msgspec.UNSET):
        errors.append({"field": prefix + "template",
                       "detail": "give either subject and body, or template and data, not both"})
    if not uses_template:
        if body.data is not msgspec.UNSET:
            errors.append({"field": prefix + "data", "detail": "is only allowed together with template"})
        for name in ("subject", "body"):
            if getattr(body, name) is msgspec.UNSET:
                errors.append({"field": prefix + name, "detail": "is required"})
    data = None if body.data is msgspec.UNSET else body.data
    if uses_template:
        data = data or {}
        problem = data_problem(data)
        if problem:
            errors.append({"field": prefix + "data", "detail": problem})
    files = _attachments(body.attachments or [], max_bytes, errors, prefix)
    if errors:
        raise ValidationFailed(errors)
    unset = msgspec.UNSET
    return MessageInput(
        body.customer_id, body.category,
        "normal" if body.sensitivity is unset else body.sensitivity,
        "substantial" if body.auth_level is unset else body.auth_level,
        None if body.subject is unset else body.subject, None if body.body is unset else body.body,
        None if body.template is unset else body.template, data, files, request_hash(body))


def request_hash(body: schemas.MessageRequest) -> str:
    """SHA-256 of the request as given (fields left out stay out), idempotency key excluded."""
    payload = msgspec.to_builtins(body)
    payload.pop("idempotency_key", None)
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def data_problem(data: dict[str, Any]) -> str | None:
    """Template data must be storable and renderable: finite numbers, no NUL, bounded depth."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            if depth > schemas.MAX_DATA_DEPTH:
                return f"must be nested at most {schemas.MAX_DATA_DEPTH} levels deep"
            for key, inner in value.items():
                if "\x00" in key:
                    return "must not contain NUL characters"
                stack.append((inner, depth + 1))
        elif isinstance(value, list):
            if depth > schemas.MAX_DATA_DEPTH:
                return f"must be nested at most {schemas.MAX_DATA_DEPTH} levels deep"
            stack.extend((inner, depth + 1) for inner in value)
        elif isinstance(value, str) and "\x00" in value:
            return "must not contain NUL characters"
        elif isinstance(value, float) and not math.isfinite(value):
            return "must not contain NaN or Infinity"
    return None


def _attachments(items: list[schemas.Attachment], max_bytes: int, errors: list[dict[str, str]],
                 prefix: str) -> tuple[Attachment, ...]:
    result = []
    for index, item in enumerate(items):
        where = f"{prefix}attachments[{index}].content_base64"
        if len(item.content_base64) > (max_bytes * 4) // 3 + 4:
            errors.append({"field": where, "detail": f"attachment larger than {max_bytes} bytes"})
            continue
        try:
            content = base64.b64decode(item.content_base64, validate=True)
        except (binascii.Error, ValueError):
            errors.append({"field": where, "detail": "is not valid base64"})
            continue
        if not content or len(content) > max_bytes:
            errors.append({"field": where, "detail": f"attachment must be 1 to {max_bytes} bytes"})
        elif not _content_matches(item.content_type, content):
            errors.append({"field": where, "detail": f"content is not {item.content_type}"})
        else:
            result.append(Attachment(item.filename, item.content_type, content))
    return tuple(result)


def _content_matches(content_type: str, content: bytes) -> bool:
    magic = CONTENT_TYPES[content_type]
    if magic is not None:
        return content.startswith(magic)
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# ---------------------------------------------------------------- naming the field


_AT = re.compile(r" - at `\$(.*)`\Z")
_MISSING = re.compile(r"Object missing required field `(.*)`")
_UNKNOWN = re.compile(r"Object contains unknown field `(.*)`")


def field_error(text: str, prefix: str = "") -> dict[str, str]:
    """msgspec's "Expected `str`, got `int` - at `$.attachments[0].filename`" as field and detail."""
    at = _AT.search(text)
    # msgspec writes a mapping's key as "[...]" (it does not echo keys): the mapping names the field.
    path = at.group(1).lstrip(".").split("[...]")[0] if at else ""
    detail = text[:at.start()] if at else text
    for pattern, said in ((_MISSING, "is required"), (_UNKNOWN, "is not a known field")):
        found = pattern.fullmatch(detail)
        if found:
            path, detail = f"{path}.{found.group(1)}".lstrip("."), said
    return {"field": (prefix + path).rstrip(".") or "body", "detail": detail}


def locate(raw: bytes, prefix: str = "") -> GatewayError:
    """The problem of a body msgspec could not parse: the first member whose value does not
    parse names the field (422); where the structure itself is broken, the body is not JSON (400)."""
    try:
        members = split(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return GatewayError(NOT_JSON + " (it is not UTF-8)")
    if members is None:
        return GatewayError(NOT_JSON)
    for key, value in members[1]:
        problem = value_problem(value)
        if problem is not None:
            field = key if key is not None else "body"
            return ValidationFailed([{"field": prefix + field, "detail": problem}])
    return GatewayError(NOT_JSON)


def value_problem(value: str) -> str | None:
    try:
        msgspec.json.decode(value.encode("utf-8", "surrogatepass"))
        return None
    except RecursionError:
        return "is nested too deeply"
    except msgspec.DecodeError:
        pass
    try:
        json.loads(value, parse_constant=_no_constant)
    except RecursionError:
        return "is nested too deeply"
    except ValueError:
        return "is not valid JSON (NaN and Infinity are not JSON numbers)" if _has_constant(value) \
            else "is not valid JSON"
    return "must not contain unpaired surrogates (\\ud800-\\udfff)"


def _no_constant(name: str) -> None:
    raise ValueError(name)


def _has_constant(value: str) -> bool:
    return re.search(r"(?<![\w\"])-?(?:NaN|Infinity)\b", value) is not None


# A JSON string, or one structural character: enough to split a text at its first level.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\],:]', re.DOTALL)


def split(text: str) -> tuple[str, list[tuple[str | None, str]]] | None:
    """The first-level members of a JSON object ("{", [(key, value text)]) or array ("[",
    [(None, value text)]), found without parsing the values (so without recursion); None where
    the brackets or separators are broken."""
    text = text.strip()
    if len(text) < 2 or text[0] + text[-1] not in ("{}", "[]"):
        return None
    members: list[tuple[str | None, str]] = []
    depth, start, key = 0, 1, None
    for token in _TOKEN.finditer(text):
        mark = token.group()
        if mark in ("{", "["):
            depth += 1
        elif mark in ("}", "]"):
            depth -= 1
            if depth == 0:
                if token.end() != len(text):
                    return None
                last = text[start:token.start()].strip()
                if last or members or key is not None:
                    members.append((key, last))
        elif depth == 1 and mark == ":" and text[0] == "{":
            try:
                key = json.loads(text[start:token.start()])
            except ValueError:
                return None
            start = token.end()
        elif depth == 1 and mark == ",":
            members.append((key, text[start:token.start()].strip()))
            start, key = token.end(), None
    if depth != 0 or (text[0] == "{" and any(k is None for k, _ in members)):
        return None
    return text[0], members
