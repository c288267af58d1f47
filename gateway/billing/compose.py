"""Compose a message: render its template (or take its text), pass it through the content guard,
and seal it with its attachments and outbox job into the rows to store."""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from datetime import datetime
from typing import Any

from jinja2 import Template

from gateway.billing.context import BillingContext
from gateway.billing.messages import MessageInput
from gateway.billing.templates import MessageTemplates, TemplateProblem
from gateway.crypto import Crypto, CustomerKey
from gateway.delivery import queue
from gateway.errors import GuardRefused, ValidationFailed
from gateway.guard import check_text, is_refused
from gateway.ids import new_id


def render_and_guard(services: BillingContext, item: MessageInput, language: str,
                     templates: dict[tuple[str, str], Template | TemplateProblem] | None = None) -> tuple[str, str]:
    """`templates`: the templates already looked up for the same call (a batch), by (name, language)."""
    if item.template is not None:
        try:
            subject, body = MessageTemplates.render_template(
                _template(services.message_templates, item.template, language, templates), item.data or {})
        except TemplateProblem as exc:
            raise ValidationFailed([{"field": "template", "detail": str(exc)}]) from None
    else:
        assert item.subject is not None and item.body is not None
        subject, body = item.subject, item.body
    findings = _check_text(f"{subject}\n\n{body}", item.template or "<message>")
    if is_refused(findings):
        raise GuardRefused([f.to_dict() for f in findings if f.severity == "error"])
    return subject, body


def _template(found: MessageTemplates, name: str, language: str,
              memo: dict[tuple[str, str], Template | TemplateProblem] | None) -> Template:
    if memo is None:
        return found.template(name, language)
    held = memo.get((name, language))
    if held is None:
        try:
            held = memo[(name, language)] = found.template(name, language)
        except TemplateProblem as exc:
            held = memo[(name, language)] = exc
    if isinstance(held, TemplateProblem):
        raise TemplateProblem(str(held))  # a fresh one: each item's refusal is its own
    return held


# Texts the guard passed with no finding at all, by SHA-256 of (name, text): a notice sent with the
# same text again (one text to many customers, a retried request) is not analysed twice. Only the
# digest is kept, never the text, and only for texts with no findings.
_PASSED_MAX = 4096
_passed: OrderedDict[bytes, None] = OrderedDict()


def _check_text(text: str, name: str) -> list[Any]:
    """check_text(text, name=name), which is a pure function of the two."""
    digest = hashlib.sha256(f"{len(name)}:{name}:{text}".encode("utf-8", "surrogatepass")).digest()
    if digest in _passed:
        _passed.move_to_end(digest)
        return []
    findings = check_text(text, name=name)
    if not findings:
        _passed[digest] = None
        if len(_passed) > _PASSED_MAX:
            _passed.popitem(last=False)
    return findings


def encrypt_rows(
    crypto: Crypto, ck: CustomerKey, message_id: str, client_id: str, idem_key: str,
    item: MessageInput, subject: str, body: str, now: datetime,
) -> dict[str, list[dict[str, Any]]]:
    """The message's rows (message, attachments, outbox job), content sealed."""
    rows: dict[str, list[dict[str, Any]]] = {"messages": [], "attachments": [], "notifications": []}
    dk = crypto.new_data_key(ck, message_id)
    data_enc = None
    if item.data is not None:
        data_enc = crypto.seal(dk, "message.data", json.dumps(item.data, ensure_ascii=False).encode())
    rows["messages"].append({
        "id": message_id, "customer_id": item.customer_id, "client_id": client_id,
        "idempotency_key": idem_key, "request_hash": item.request_hash, "category": item.category,
        "sensitivity": item.sensitivity, "auth_level": item.auth_level, "template": item.template,
        "key_wrapped": dk.wrapped, "subject_enc": crypto.seal(dk, "message.subject", subject.encode()),
        "body_enc": crypto.seal(dk, "message.body", body.encode()), "data_enc": data_enc,
        "created_at": now, "read_at": None,
    })
    for position, file in enumerate(item.attachments):
        attachment_id = new_id()
        ak = crypto.new_data_key(ck, attachment_id)
        rows["attachments"].append({
            "id": attachment_id, "message_id": message_id, "customer_id": item.customer_id,
            "position": position, "key_wrapped": ak.wrapped, "content_type": file.content_type,
            "filename_enc": crypto.seal(ak, "attachment.filename", file.filename.encode()),
            "size": len(file.content), "content_enc": crypto.seal(ak, "attachment.content", file.content),
            "created_at": now,
        })
    rows["notifications"].append(queue.new_job(message_id, item.customer_id, now))
    return rows
