"""A staff member's draft: read from the compose form into the billing API's own message shape (so
the API's rules for categories, templates, attachment types and sizes apply unchanged), checked by
the guard with each finding placed in its field, and previewed as the customer will see it."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from multidict import MultiMapping

from gateway.billing import MessageInput, parse_message
from gateway.billing.context import BillingContext
from gateway.billing.templates import TemplateProblem
from gateway.delivery.notification import NotificationRenderer, RenderedEmail
from gateway.errors import ValidationFailed
from gateway.guard import Finding, check_text, is_refused

PREVIEW_ID = "preview"  # the e-mail's link gets the message's id when it is sent
MAX_BODY = 100_000


@dataclass
class Draft:
    """The form's values, kept to show the form again exactly as the agent left it."""

    category: str = "support"
    sensitivity: str = "normal"
    auth_level: str = "substantial"
    mode: str = "free"
    template: str = ""
    data: str = "{}"
    subject: str = ""
    body: str = ""
    draft_id: str = ""
    files: list[tuple[str, str, bytes]] = field(default_factory=list)

    @classmethod
    def from_form(cls, form: MultiMapping[Any]) -> Draft:
        def text(name: str, default: str = "", limit: int = MAX_BODY) -> str:
            value = form.get(name, default)
            return (value if isinstance(value, str) else default).replace("\r\n", "\n")[:limit]

        files = [(f.filename, f.content_type, f.file.read()) for f in form.getall("attachments", [])
                 if hasattr(f, "file") and f.filename]
        return cls(category=text("category", "support", 20), sensitivity=text("sensitivity", "normal", 20),
                   auth_level=text("auth_level", "substantial", 20), mode=text("mode", "free", 10),
                   template=text("template", "", 64), data=text("data", "{}"), subject=text("subject", "", 400),
                   body=text("body"), draft_id=text("draft_id", "", 64), files=files)

    def payload(self, customer_id: str) -> dict[str, Any]:
        """The request body billing would send for this message (POST /api/v1/messages)."""
        payload: dict[str, Any] = {"customer_id": customer_id, "category": self.category,
                                   "sensitivity": self.sensitivity, "auth_level": self.auth_level}
        if self.mode == "template":
            payload["template"] = self.template
            try:
                payload["data"] = json.loads(self.data or "{}")
            except ValueError:
                raise ValidationFailed([{"field": "data", "detail": "is not valid JSON"}]) from None
        else:
            payload["subject"], payload["body"] = self.subject, self.body
        if self.files:
            payload["attachments"] = [{"filename": name, "content_type": ctype,
                                       "content_base64": base64.b64encode(content).decode("ascii")}
                                      for name, ctype, content in self.files]
        return payload

    def message(self, customer_id: str, max_attachment_bytes: int) -> MessageInput:
        return parse_message(self.payload(customer_id), max_attachment_bytes)


@dataclass(frozen=True)
class Placed:
    """A finding in the agent's terms: the field, and the line and column within it."""

    rule: str
    message: str
    field: str
    line: int
    column: int
    excerpt: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "message": self.message, "field": self.field, "line": self.line,
                "column": self.column, "excerpt": self.excerpt}


def texts(billing: BillingContext, item: MessageInput, language: str) -> tuple[str, str]:
    """Subject and body as the customer will read them (a template rendered with its data)."""
    if item.template is not None:
        try:
            return billing.message_templates.render(item.template, language, item.data or {})
        except TemplateProblem as exc:
            raise ValidationFailed([{"field": "template", "detail": str(exc)}]) from None
    return item.subject or "", item.body or ""


def check(subject: str, body: str, lang: str) -> tuple[bool, list[Placed]]:
    """The guard over subject and body exactly as billing's pipeline checks them (one text,
    subject first), each finding placed back in its field."""
    findings = check_text(f"{subject}\n\n{body}", name="<message>", leaks=True)
    return is_refused(findings), [_place(f, lang) for f in findings]


def _place(finding: Finding, lang: str) -> Placed:
    field_name, line = ("subject", 1) if finding.line == 1 else ("body", max(1, finding.line - 2))
    message = finding.message_nb if lang == "nb" else finding.message
    return Placed(finding.rule, message, field_name, line, finding.column, finding.excerpt)


def email_preview(renderer: NotificationRenderer, language: str, category: str, sensitive: bool,
                  now: datetime) -> RenderedEmail:
    return renderer.render(language=language, message_id=PREVIEW_ID, category=category, sensitive=sensitive,
                           sent_at=now)
