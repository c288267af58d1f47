"""The auditor's view of the audit log: filter by actor, customer, action and time; export as CSV.
The log holds ids, never content or personal data, so nothing here is decrypted. Looking is itself
audited."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

from aiohttp import web

from gateway import audit
from gateway.console.pages import render, requires, staff_of, state_of
from gateway.webkit import PageError

AUDITORS = ("auditor", "admin")
_TOKEN = re.compile(r"[A-Za-z0-9._:-]{0,100}")


def _filter(request: web.Request) -> audit.Filter:
    q = request.query
    values = {name: q.get(name, "").strip() for name in ("actor", "customer", "action", "since", "until")}
    if not all(_TOKEN.fullmatch(values[name]) for name in ("actor", "customer", "action")):
        raise PageError(400)
    return audit.Filter(actor=values["actor"], customer=values["customer"], action=values["action"],
                        since=_date(values["since"]), until=_date(values["until"]))


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise PageError(400) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


async def _rows(request: web.Request, where: audit.Filter, action: str) -> list[audit.Row]:
    state = state_of(request)
    async with state.engine.begin() as conn:
        rows = await audit.search(conn, where)
        await audit.append(conn, audit.Entry(staff_of(request).actor, action, None, {
            "actor": where.actor, "customer": where.customer, "action": where.action, "rows": len(rows)}))
    return rows


@requires(*AUDITORS)
async def view(request: web.Request) -> web.StreamResponse:
    where = _filter(request)
    rows = await _rows(request, where, "audit.view")
    return render(request, "audit.html", {"rows": rows, "f": request.query, "query": request.query_string})


@requires(*AUDITORS)
async def export(request: web.Request) -> web.StreamResponse:
    rows = await _rows(request, _filter(request), "audit.export")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["seq", "at", "actor", "action", "subject", "details"])
    for r in rows:
        writer.writerow([r.seq, r.at.isoformat(), r.actor, r.action, r.subject or "", r.details])
    return web.Response(text=out.getvalue(), content_type="text/csv", charset="utf-8", headers={
        "Content-Disposition": 'attachment; filename="audit.csv"',
        "Content-Security-Policy": "default-src 'none'; sandbox; frame-ancestors 'none'"})
