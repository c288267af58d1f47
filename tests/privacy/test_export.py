"""The right of access: the API's, the CLI's and the portal's export are the same streamed ZIP, and
its index holds, field by field, what is stored, the audit entries about the customer and who at
the company opened their messages."""

from __future__ import annotations

import io
import json
import os
import re
import stat
import zipfile
from pathlib import Path

from sqlalchemy import select

from gateway import audit
from gateway.storage.schema import attachments, customers, messages, replies
from tests.portal.portal_helpers import PortalClient
from tests.privacy.test_restore import cli_env
from tests.support.cli import run
from tests.support.factories import PDF, send
from tests.support.factories import put_customer as add_customer
from tests.support.service import Gateway

NID = "01817010055"


def iso(moment: object) -> str:
    return moment.isoformat().replace("+00:00", "Z")  # type: ignore[attr-defined]


async def test_export_holds_everything_stored_field_by_field(gateway: Gateway, tmp_path: Path) -> None:
    token = await gateway.token("customers:write", "messages:write", "customers:export")
    await add_customer(gateway, token, "c-x", national_id=NID, last_invoice_settled_at="2026-10-31",
                       relationship_ended_at="2026-11-30")
    await add_customer(gateway, token, "c-other")
    msg = await send(gateway, token, "c-x", "k1", subject="Your invoice", body="Amount: 100 kr")
    other = await send(gateway, token, "c-other", "k2", subject="Not yours", body="Other body")
    portal = PortalClient(gateway)
    await portal.sign_in("c-x", next_path=f"/portal/messages/{msg}")
    await portal.get(f"/portal/messages/{msg}")  # the customer reads it (portal.message.read)
    replied = await portal.post(f"/portal/messages/{msg}/replies", {"body": "Thanks!"})
    reply_id = replied.location.rsplit("#reply-", 1)[1]
    async with gateway.services.engine.begin() as conn:  # what the staff console records when staff open it
        await audit.append(conn, audit.Entry("staff:anna", "console.message.read", msg))

    status, body, response = await gateway.request("GET", "/api/v1/customers/c-x/export", token=token)
    assert status == 200 and response.content_type == "application/zip"
    assert response.headers.get("Transfer-Encoding") == "chunked"  # streamed, not built and then sent
    archive = zipfile.ZipFile(io.BytesIO(body))
    index = json.loads(archive.read("index.json"))

    async with gateway.services.engine.connect() as conn:
        c = (await conn.execute(select(customers).where(customers.c.id == "c-x"))).one()
        m = (await conn.execute(select(messages).where(messages.c.id == msg))).one()
        a = (await conn.execute(select(attachments).where(attachments.c.message_id == msg))).one()
        r = (await conn.execute(select(replies).where(replies.c.id == reply_id))).one()
    assert index["format"] == "min-stromside-export/1"
    assert index["customer"] == {
        "id": "c-x", "email": "c-x@example.no", "name": "Name of c-x", "national_id": NID, "language": "nb",
        "created_at": iso(c.created_at), "last_invoice_settled_at": "2026-10-30T23:00:00Z",
        "relationship_ended_at": "2026-11-29T23:00:00Z"}
    assert index["retention"]["erase_after"] == "2031-10-30T23:00:00Z"  # 5 years after 31 Oct 2026 in Norway
    path = f"attachments/{msg}/{a.id}-faktura.pdf"
    assert index["messages"] == [{
        "id": msg, "category": "invoice", "auth_level": m.auth_level, "created_at": iso(m.created_at),
        "read_at": iso(m.read_at), "subject": "Your invoice", "body": "Amount: 100 kr", "data": None,
        "attachments": [{"id": a.id, "filename": "faktura.pdf", "content_type": "application/pdf",
                         "size": len(PDF), "path": path}],
        "replies": [{"id": reply_id, "author": "customer", "created_at": iso(r.created_at), "body": "Thanks!"}],
    }]
    assert archive.read(path) == PDF
    assert sorted(archive.namelist()) == sorted([path, "index.json"])
    actions = [(e["actor"].split(":")[0], e["action"], e["subject"]) for e in index["audit"]]
    for expected in [("api_key", "customer.create", "c-x"), ("api_key", "message.create", msg),
                     ("customer", "portal.message.read", msg), ("customer", "portal.reply.create", reply_id),
                     ("staff", "console.message.read", msg)]:
        assert expected in actions
    assert [(e["actor"], e["action"], e["subject"]) for e in index["opened_by_staff"]] == [
        ("staff:anna", "console.message.read", msg)]
    assert index["requests"] == []
    assert other not in json.dumps(index) and "Not yours" not in json.dumps(index)

    # The CLI writes the same archive to a new private file; the portal's download is the same too.
    out = tmp_path / "c-x.zip"
    result = run(cli_env(gateway.services.settings), "customers", "export", "c-x", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"exported c-x to .*: 1 messages, 1 attachments, \d+ audit entries\n", result.stdout)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    from_cli = zipfile.ZipFile(out)
    cli_index = json.loads(from_cli.read("index.json"))
    assert cli_index["customer"] == index["customer"] and cli_index["messages"] == index["messages"]
    assert from_cli.read(path) == PDF
    await portal.get("/portal/my-data")
    page = await portal.post("/portal/my-data/export", {})
    from_portal = json.loads(zipfile.ZipFile(io.BytesIO(page.body)).read("index.json"))
    assert from_portal["customer"] == index["customer"] and from_portal["messages"] == index["messages"]
    await portal.close()


async def test_export_refuses_without_scope_unknown_and_erased(gateway: Gateway, tmp_path: Path) -> None:
    token = await gateway.token("customers:write", "customers:erase", "customers:export")
    writer = await gateway.token("customers:write")
    await add_customer(gateway, token, "c-y")
    assert (await gateway.request("GET", "/api/v1/customers/c-y/export", token=writer))[0] == 403
    assert (await gateway.request("GET", "/api/v1/customers/c-none/export", token=token))[0] == 404
    await gateway.request("DELETE", "/api/v1/customers/c-y", token=token)
    status, _problem, response = await gateway.request("GET", "/api/v1/customers/c-y/export", token=token)
    assert status == 404 and response.content_type == "application/problem+json"
    result = run(cli_env(gateway.services.settings), "customers", "export", "c-y", "--out", str(tmp_path / "y.zip"))
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "y.zip").exists()
