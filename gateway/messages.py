"""Messages from billing: validate, guard, encrypt and store with their outbox row in one transaction.

The idempotency key makes retries safe: the same key with the same request returns the stored id
(and no second e-mail, because the outbox row is only written with a new message); the same key
with a different request is a conflict.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from gateway import audit
from gateway.crypto import Crypto, CustomerKey
from gateway.db.schema import attachments, customers, messages, notifications
from gateway.db.types import utcnow
from gateway.errors import Conflict, GatewayError, GuardRefused, NotFound, ValidationFailed
from gateway.guard import check_text, is_refused
from gateway.ids import new_id
from gateway.message_templates import TemplateProblem
from gateway.services import Services
from gateway.db import reading
from gateway.db.inserts import insert_rows
from gateway.db.writer import writer_for

CATEGORIES = ("invoice", "reminder", "contract", "support", "general")
# Allowed attachment types, each with the bytes its content must start with (None: UTF-8 text).
CONTENT_TYPES: dict[str, bytes | None] = {
    "application/pdf": b"%PDF-",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/jpeg": b"\xff\xd8\xff",
    "text/plain": None,
    "text/csv": None,
}


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class MessageInput:
    customer_id: str
    category: str
    sensitivity: str
    auth_level: str
    subject: str | None
    body: str | None
    template: str | None
    data: dict[str, Any] | None
    attachments: tuple[Attachment, ...]
    request_hash: str


@dataclass
class Outcome:
    """One item's result: an id (new or replayed) or a problem."""

    id: str | None = None
    status: str | None = None
    replayed: bool = False
    error: GatewayError | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def parse_message(payload: Any, max_attachment_bytes: int) -> MessageInput:
    """A message given as a JSON-like object, checked exactly as the API checks a request body
    (gateway/api/rules.py): for callers inside the gateway (the demo, the tests)."""
    from gateway.api import rules  # the API layer's rules, loaded when first needed

    return rules.message(_json_bytes(payload), max_attachment_bytes)


def _json_bytes(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode("utf-8", "surrogatepass")


@dataclass(frozen=True)
class Prepared:
    """A validated item with its rendered text, ready to encrypt."""

    item: MessageInput
    idempotency_key: str
    subject: str
    body: str


def render_and_guard(services: Services, item: MessageInput, language: str) -> tuple[str, str]:
    if item.template is not None:
        try:
            subject, body = services.message_templates.render(item.template, language, item.data or {})
        except TemplateProblem as exc:
            raise ValidationFailed([{"field": "template", "detail": str(exc)}]) from None
    else:
        assert item.subject is not None and item.body is not None
        subject, body = item.subject, item.body
    findings = _check_text(f"{subject}\n\n{body}", item.template or "<message>")
    if is_refused(findings):
        raise GuardRefused([f.to_dict() for f in findings if f.severity == "error"])
    return subject, body


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


async def create_many(
    services: Services, client_id: str, items: Sequence[tuple[str, MessageInput]]
) -> list[Outcome]:
    """Store each (idempotency key, item); one transaction for all, so a fault stores none.

    Concurrent calls are committed together (see _GroupCommit): the result, and what is stored,
    is the same as if the calls had run one after the other in the order they arrived."""
    return await _group_commit(services.engine).submit(services, client_id, items)


async def _create_alone(
    services: Services, client_id: str, items: Sequence[tuple[str, MessageInput]]
) -> list[Outcome]:
    """One call in its own transaction."""
    for attempt in range(3):
        [ready] = await _prepare(services, [(client_id, items)])
        try:
            [outcomes] = await writer_for(services.engine).run(_commit_prepared, [(client_id, ready)])
            return outcomes
        except IntegrityError:
            # A concurrent request with the same idempotency key won the race (or the customer
            # was removed meanwhile); on retry it is found and handled by the normal paths.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


# The most items one group transaction takes; a batch of 1,000 is committed on its own.
MAX_GROUP_ITEMS = 1000
# Event-loop turns the group committer waits before it writes (each costs microseconds).
GATHER_YIELDS = 3
_Call = tuple[Services, str, Sequence[tuple[str, MessageInput]], "asyncio.Future[list[Outcome]]"]


class _GroupCommit:
    """Group commit: calls that arrive while a transaction is being written wait, and are then
    written together in one transaction with one commit (one fsync on SQLite, where writers are
    serialised anyway, instead of one each plus contention for the write lock).

    The group is processed in arrival order in a single pass, each call seeing the rows of those
    before it, so outcomes are exactly those of running the calls one by one. The response is sent
    only after the commit, as before. If the group transaction fails for any reason, nothing of it
    is stored and every call is retried in a transaction of its own (the pre-grouping path), so
    one call's fault never stores or fails another's."""

    def __init__(self) -> None:
        self.pending: list[_Call] = []
        self.task: asyncio.Task[None] | None = None

    def submit(self, services: Services, client_id: str,
               items: Sequence[tuple[str, MessageInput]]) -> asyncio.Future[list[Outcome]]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[Outcome]] = loop.create_future()
        self.pending.append((services, client_id, items, future))
        if self.task is None or self.task.done():
            # A task of its own, so a cancelled request cannot strand the others of its group.
            self.task = loop.create_task(self._drain())
        return future

    async def _drain(self) -> None:
        group: list[_Call] = []
        writing: asyncio.Task[None] | None = None
        try:
            # Let the requests already runnable on the loop reach submit() first: a group's cost is
            # mostly per transaction, so fuller groups mean less CPU per message under load.
            for _ in range(GATHER_YIELDS):
                await asyncio.sleep(0)
            # A pipeline of two: the next group is rendered, guarded and encrypted while the one
            # before it is being written. Transactions still run one at a time, in arrival order.
            while self.pending or (writing is not None and not writing.done()):
                if not self.pending:
                    assert writing is not None
                    await writing
                    continue
                group = self._take()
                prepared = await _prepare_group(group)
                if writing is not None:
                    await writing
                writing = asyncio.get_running_loop().create_task(_write_group(group, prepared))
                group = []
        except BaseException as exc:  # cancelled (loop shutdown): no call may be left waiting
            if writing is not None:
                writing.cancel()
            for *_, future in group + self.pending:
                if not future.done():
                    if isinstance(exc, Exception):
                        future.set_exception(exc)
                    else:
                        future.cancel()
            self.pending.clear()
            raise

    def _take(self) -> list[_Call]:
        group, size = [], 0
        while self.pending and (not group or size + len(self.pending[0][2]) <= MAX_GROUP_ITEMS):
            call = self.pending.pop(0)
            group.append(call)
            size += len(call[2])
        return group


async def _prepare_group(group: list[_Call]) -> _Prepared | None:
    """_prepare for a whole group; None if that failed (each call is then tried alone)."""
    try:
        calls = [(client_id, items) for _, client_id, items, _ in group]
        return list(zip([c for c, _ in calls], await _prepare(group[0][0], calls)))
    except Exception:  # noqa: BLE001 - the alone path reports the error to its own caller
        return None


async def _write_group(group: list[_Call], prepared: _Prepared | None) -> None:
    if prepared is not None:
        try:
            results = await writer_for(group[0][0].engine).run(_commit_prepared, prepared)
        except Exception:  # noqa: BLE001 - rolled back; each call is retried alone below
            pass
        else:
            for (*_, future), outcomes in zip(group, results):
                if not future.done():
                    future.set_result(outcomes)
            return
    for services, client_id, items, future in group:
        if future.done():
            continue
        try:
            outcomes = await _create_alone(services, client_id, items)
        except Exception as exc:  # noqa: BLE001 - handed to the caller, as before grouping
            if not future.done():
                future.set_exception(exc)
        else:
            if not future.done():
                future.set_result(outcomes)


_GROUPS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Any, _GroupCommit]] = \
    weakref.WeakKeyDictionary()


def _group_commit(engine: Any) -> _GroupCommit:
    per_loop = _GROUPS.setdefault(asyncio.get_running_loop(), {})
    if engine not in per_loop:
        per_loop[engine] = _GroupCommit()
    return per_loop[engine]


@dataclass
class _Ready:
    """One item made ready outside the write transaction: the message already stored under its
    idempotency key, or its encrypted rows, or the error it gets."""

    idem_key: str
    item: MessageInput
    stored: tuple[str, str, str] | None = None  # (id, request hash, status) found by _prepare
    message_id: str = ""
    rows: dict[str, list[dict[str, Any]]] | None = None
    error: GatewayError | None = None


_Prepared = list[tuple[str, list[_Ready]]]  # (client id, its items made ready) per call
_UNKNOWN_CUSTOMER = [{"field": "customer_id",
                      "detail": "no such customer (create it first with PUT /api/v1/customers/{id})"}]


async def _prepare(
    services: Services, calls: Sequence[tuple[str, Sequence[tuple[str, MessageInput]]]]
) -> list[list[_Ready]]:
    """Look up idempotency keys and customers, then render, guard and encrypt every new item before
    the write transaction begins, so the database's write lock (SQLite has one for the whole file)
    is held only for the inserts and the commit: other processes and the next group can write
    meanwhile. A key stored after this read is caught by the unique index in the transaction."""
    wanted: dict[str, list[str]] = {}
    for client_id, items in calls:
        wanted.setdefault(client_id, []).extend(key for key, _ in items)
    stored, customer_rows = await writer_for(services.engine).read(_lookups, wanted, calls)
    now = utcnow()
    keys: dict[str, CustomerKey] = {}
    return [[_ready(services, client_id, idem_key, item, stored[client_id].get(idem_key), customer_rows, keys, now)
             for idem_key, item in items]
            for client_id, items in calls]


def _lookups(conn: Connection, wanted: dict[str, list[str]],
             calls: Sequence[tuple[str, Sequence[tuple[str, MessageInput]]]],
             ) -> tuple[dict[str, dict[str, tuple[str, str, str]]], dict[str, Any]]:
    """What _prepare reads: the messages already stored under the keys, per client, and the
    customers named."""
    stored = {client_id: _existing(conn, client_id, keys) for client_id, keys in wanted.items()}
    return stored, _customers(conn, [item.customer_id for _, items in calls for _, item in items])


def _ready(services: Services, client_id: str, idem_key: str, item: MessageInput,
           stored: tuple[str, str, str] | None, customer_rows: dict[str, Any],
           keys: dict[str, CustomerKey], now: datetime) -> _Ready:
    if stored is not None:
        return _Ready(idem_key, item, stored=stored)
    customer = customer_rows.get(item.customer_id)
    if customer is None or customer.key_wrapped is None:
        return _Ready(idem_key, item, error=ValidationFailed(_UNKNOWN_CUSTOMER))
    try:
        subject, body = render_and_guard(services, item, customer.language)
    except GatewayError as exc:
        return _Ready(idem_key, item, error=exc)
    if item.customer_id not in keys:
        keys[item.customer_id] = services.crypto.open_customer_key(item.customer_id, customer.key_wrapped)
    message_id = new_id()
    rows = _encrypt_rows(services.crypto, keys[item.customer_id], message_id, client_id, idem_key,
                         item, subject, body, now)
    return _Ready(idem_key, item, message_id=message_id, rows=rows)


def _commit_prepared(conn: Connection, calls: Sequence[tuple[str, list[_Ready]]]) -> list[list[Outcome]]:
    """The write transaction (run whole by gateway/db/writer.py): decide each item in arrival order,
    as a replay of what _prepare found stored or of an earlier item of this group, or new, and insert
    the rows of the new ones. A key stored by someone else since _prepare read, or a customer removed
    since, fails the unique index or the foreign key: the transaction rolls back and each call is
    tried again alone, which then finds them."""
    existing: dict[str, dict[str, tuple[str, str, str]]] = {client_id: {} for client_id, _ in calls}
    rows: dict[str, list[dict[str, Any]]] = {"messages": [], "attachments": [], "notifications": []}
    entries: list[audit.Entry] = []
    results: list[list[Outcome]] = []
    for client_id, ready in calls:
        results.append([_decide(client_id, r, existing[client_id], rows, entries) for r in ready])
    for table in (messages, attachments, notifications):
        insert_rows(conn, table, rows[table.name])
    audit.append_many_sync(conn, entries)
    return results


def _decide(client_id: str, ready: _Ready, existing: dict[str, tuple[str, str, str]],
            rows: dict[str, list[dict[str, Any]]], entries: list[audit.Entry]) -> Outcome:
    if ready.stored is not None:
        return _replay(ready.stored, ready.item)
    if ready.idem_key in existing:
        return _replay(existing[ready.idem_key], ready.item)
    if ready.rows is None:
        return Outcome(error=ready.error)
    for table, new in ready.rows.items():
        rows[table].extend(new)
    existing[ready.idem_key] = (ready.message_id, ready.item.request_hash, "pending")
    entries.append(audit.Entry(f"api_key:{client_id}", "message.create", ready.message_id,
                               {"customer_id": ready.item.customer_id, "category": ready.item.category}))
    return Outcome(id=ready.message_id, status="pending")


def _replay(stored: tuple[str, str, str], item: MessageInput) -> Outcome:
    message_id, stored_hash, status = stored
    if stored_hash != item.request_hash:
        return Outcome(error=Conflict(
            "This Idempotency-Key was already used with a different request"))
    return Outcome(id=message_id, status=status, replayed=True)


def _encrypt_rows(
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
    rows["notifications"].append({
        "id": new_id(), "message_id": message_id, "customer_id": item.customer_id, "status": "pending",
        "attempts": 0, "next_attempt_at": now, "created_at": now,
    })
    return rows


def _existing(conn: Connection, client_id: str, keys: list[str]) -> dict[str, tuple[str, str, str]]:
    found: dict[str, tuple[str, str, str]] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        rows = conn.execute(
            select(messages.c.idempotency_key, messages.c.id, messages.c.request_hash, notifications.c.status)
            .join(notifications, notifications.c.message_id == messages.c.id)
            .where(messages.c.client_id == client_id, messages.c.idempotency_key.in_(chunk))
        )
        for row in rows:
            found[row.idempotency_key] = (row.id, row.request_hash, row.status)
    return found


def _customers(conn: Connection, ids: list[str]) -> dict[str, Any]:
    unique = sorted(set(ids))
    found: dict[str, Any] = {}
    for start in range(0, len(unique), 500):
        rows = conn.execute(
            select(customers.c.id, customers.c.key_wrapped, customers.c.language)
            .where(customers.c.id.in_(unique[start:start + 500]))
        )
        found.update({row.id: row for row in rows})
    return found


async def status(services: Services, message_id: str) -> dict[str, Any]:
    """The delivery and read status billing may see: never the content."""
    async with reading(services.engine) as conn:
        row = (await conn.execute(
            select(messages.c.id, messages.c.customer_id, messages.c.category, messages.c.created_at,
                   messages.c.read_at, notifications.c.status, notifications.c.attempts,
                   notifications.c.sent_at, notifications.c.last_error)
            .join(notifications, notifications.c.message_id == messages.c.id)
            .where(messages.c.id == message_id)
        )).first()
    if row is None:
        raise NotFound("No message with this id")
    return {
        "id": row.id, "customer_id": row.customer_id, "category": row.category,
        "created_at": _iso(row.created_at),
        "notification": {"status": row.status, "attempts": row.attempts,
                         "sent_at": _iso(row.sent_at), "last_error": row.last_error},
        "read_at": _iso(row.read_at),
    }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")
