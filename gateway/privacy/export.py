"""The right of access: everything held about one customer as a ZIP with a JSON index, streamed.

The same archive for the portal's "download my data", `GET /api/v1/customers/{id}/export` and
`gateway customers export ID --out FILE`. It is written entry by entry to an unseekable sink and
handed to `write` after each entry, so at most one attachment is in memory, never the archive.

index.json: the customer's contact data and dates, the retention rule and erase-after date, every
message (subject, body, template data, replies, attachments with their path in the archive), their
correction and erasure requests, every
audit entry about the customer or one of their messages, attachments or replies, and among those
the ones where someone at the company (`staff:` actors) opened their content.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway import audit
from gateway.crypto import Crypto, CustomerKey
from gateway.customers import open_contact
from gateway.errors import NotFound
from gateway.privacy.requests import TEXT_FIELD as REQUEST_TEXT
from gateway.privacy.retention import RetentionPolicy, erase_after
from gateway.storage.schema import attachments, customers, messages, privacy_requests, replies

FORMAT = "min-stromside-export/1"
STAFF_PREFIX = "staff:"
Write = Callable[[bytes], Awaitable[None]]


@dataclass(frozen=True)
class ExportSummary:
    messages: int
    attachments: int
    audit_entries: int


class _Sink(io.RawIOBase):
    """An unseekable file for zipfile (it then writes data descriptors) that hands out what it got."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._parts.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def safe_name(filename: str) -> str:
    """A file name that cannot leave its folder in the archive."""
    name = "".join(c if (c.isalnum() or c in "._- ") else "_" for c in filename).strip(" .")
    return (name or "attachment")[:100]


async def write_zip(conn: AsyncConnection, crypto: Crypto, customer_id: str, write: Write, *,
                    now: datetime, policy: RetentionPolicy | None = None) -> ExportSummary:
    """Stream the customer's archive to `write`. NotFound for an unknown or erased customer."""
    row = (await conn.execute(select(customers).where(customers.c.id == customer_id))).first()
    if row is None or row.erased_at is not None or row.key_wrapped is None:
        raise NotFound("customer not found or erased")
    key = crypto.open_customer_key(customer_id, row.key_wrapped)
    sink = _Sink()
    archive = zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED)
    entries, subjects, n_attachments = [], [customer_id], 0
    for msg in (await conn.execute(select(messages).where(messages.c.customer_id == customer_id)
                                   .order_by(messages.c.created_at, messages.c.id))).all():
        entry = _message(crypto, key, msg)
        entry["replies"] = await _replies(conn, crypto, key, msg.id, subjects)
        for att in (await conn.execute(select(attachments.c.id).where(attachments.c.message_id == msg.id)
                                       .order_by(attachments.c.position))).scalars():
            entry["attachments"].append(await _attachment(conn, crypto, key, msg.id, att, archive))
            subjects.append(att)
            n_attachments += 1
            await write(sink.take())
        subjects.append(msg.id)
        entries.append(entry)
    cases = await _cases(conn, crypto, key, subjects)
    recorded = await audit.concerning(conn, subjects)
    index = _index(crypto, key, row, entries, recorded, now, policy or RetentionPolicy())
    index["requests"] = cases
    archive.writestr("index.json", json.dumps(index, ensure_ascii=False, indent=2))
    archive.close()
    await write(sink.take())
    return ExportSummary(len(entries), n_attachments, len(recorded))


def _message(crypto: Crypto, key: CustomerKey, msg: Any) -> dict[str, Any]:
    dk = crypto.open_data_key(key, msg.id, msg.key_wrapped)
    data = None if msg.data_enc is None else json.loads(crypto.open(dk, "message.data", msg.data_enc))
    return {"id": msg.id, "category": msg.category, "auth_level": msg.auth_level,
            "created_at": iso(msg.created_at), "read_at": iso(msg.read_at),
            "subject": crypto.open(dk, "message.subject", msg.subject_enc).decode("utf-8"),
            "body": crypto.open(dk, "message.body", msg.body_enc).decode("utf-8"), "data": data,
            "attachments": [], "replies": []}


async def _replies(conn: AsyncConnection, crypto: Crypto, key: CustomerKey, message_id: str,
                   subjects: list[str]) -> list[dict[str, Any]]:
    found = []
    for rep in (await conn.execute(select(replies).where(replies.c.message_id == message_id)
                                   .order_by(replies.c.created_at, replies.c.id))).all():
        rk = crypto.open_data_key(key, rep.id, rep.key_wrapped)
        found.append({"id": rep.id, "author": rep.author, "created_at": iso(rep.created_at),
                      "body": crypto.open(rk, "reply.body", rep.body_enc).decode("utf-8")})
        subjects.append(rep.id)
    return found


async def _attachment(conn: AsyncConnection, crypto: Crypto, key: CustomerKey, message_id: str, attachment_id: str,
                      archive: zipfile.ZipFile) -> dict[str, Any]:
    att = (await conn.execute(select(attachments).where(attachments.c.id == attachment_id))).one()
    ak = crypto.open_data_key(key, att.id, att.key_wrapped)
    filename = crypto.open(ak, "attachment.filename", att.filename_enc).decode("utf-8")
    path = f"attachments/{message_id}/{att.id}-{safe_name(filename)}"
    archive.writestr(path, crypto.open(ak, "attachment.content", att.content_enc))
    return {"id": att.id, "filename": filename, "content_type": att.content_type, "size": att.size, "path": path}


async def _cases(conn: AsyncConnection, crypto: Crypto, key: CustomerKey, subjects: list[str]) -> list[dict[str, Any]]:
    """The customer's correction and erasure requests, with their own words."""
    found = []
    for case in (await conn.execute(select(privacy_requests).where(privacy_requests.c.customer_id == key.customer_id)
                                    .order_by(privacy_requests.c.created_at, privacy_requests.c.id))).all():
        text = None if case.text_enc is None else crypto.open(key, REQUEST_TEXT, case.text_enc).decode("utf-8")
        found.append({"id": case.id, "kind": case.kind, "status": case.status, "text": text,
                      "created_at": iso(case.created_at), "answered_at": iso(case.answered_at)})
        subjects.append(case.id)
    return found


def _index(crypto: Crypto, key: CustomerKey, row: Any, entries: list[dict[str, Any]],
           recorded: list[audit.Recorded], now: datetime, policy: RetentionPolicy) -> dict[str, Any]:
    log = [{"at": iso(r.at), "actor": r.actor, "action": r.action, "subject": r.subject, "details": r.details}
           for r in recorded]
    return {
        "format": FORMAT,
        "generated_at": iso(now),
        "customer": {"id": row.id, **open_contact(crypto, key, row), "language": row.language,
                     "created_at": iso(row.created_at),
                     "last_invoice_settled_at": iso(row.last_invoice_settled_at),
                     "relationship_ended_at": iso(row.relationship_ended_at)},
        "retention": {
            "rule": f"kept while the customer relationship lasts and {policy.years} years after the last "
                    "invoice is settled",
            "erase_after": iso(erase_after(row.relationship_ended_at, row.last_invoice_settled_at, policy)),
        },
        "messages": entries,
        "audit": log,
        "opened_by_staff": [e for e in log if str(e["actor"]).startswith(STAFF_PREFIX)],
    }
