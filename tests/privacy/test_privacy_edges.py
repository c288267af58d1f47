"""The privacy room's refusals and edges: a torn or damaged erasure log, backups that cannot be
made, case answers and e-mail codes that are refused, and the daily run through the app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web

from gateway.clock import FakeClock
from gateway.crypto import KeyStore
from gateway.delivery.devmail import MailSink
from gateway.errors import NotFound, ValidationFailed
from gateway.privacy import email_change, erasure_log, requests
from gateway.privacy.backup import BackupError, backup_database, backup_keystore
from gateway.privacy.context import PRIVACY
from gateway.privacy.erasure_log import ErasureLogError
from gateway.privacy.schedule import run_if_due
from gateway.settings import Settings
from tests.support.factories import put_customer
from tests.support.service import Gateway, start_gateway, stop_gateway


@pytest.fixture
async def gw(settings: Settings, sink: MailSink) -> AsyncIterator[Gateway]:
    running = await start_gateway(settings, sink, run_worker=False)
    yield running
    await stop_gateway(running)


def test_the_erasure_log_survives_a_torn_last_line_and_refuses_damage(tmp_path: Path) -> None:
    log = tmp_path / "erasures.log"
    assert erasure_log.read_ids(log) == []
    erasure_log.append_many(log, ["a", "b", "a"], datetime(2026, 1, 1, tzinfo=UTC))
    erasure_log.append_many(log, [], datetime(2026, 1, 1, tzinfo=UTC))
    with log.open("a") as f:
        f.write('{"at": "2026-01-01", "custo')  # a crash in the middle of an append
    assert erasure_log.read_ids(log) == ["a", "b"]
    log.write_text('not json\n{"customer_id": "c"}\n')
    with pytest.raises(ErasureLogError, match="line 1"):
        erasure_log.read_ids(log)
    log.write_text('{"customer_id": 5}\n\n')
    with pytest.raises(ErasureLogError):
        erasure_log.read_ids(log)
    with pytest.raises(ErasureLogError, match="cannot write"):
        erasure_log.append_many(tmp_path, ["x"], datetime(2026, 1, 1, tzinfo=UTC))  # a folder, not a file


def test_backups_refuse_what_they_cannot_do(tmp_path: Path, sqlite_url: str) -> None:
    with pytest.raises(BackupError, match="pg_dump"):
        backup_database("postgresql://db.invalid/gateway", tmp_path / "x.db")
    with pytest.raises(BackupError, match="does not exist"):
        backup_database(f"sqlite:///{tmp_path / 'missing.db'}", tmp_path / "y.db")
    (tmp_path / "taken.db").write_bytes(b"")
    with pytest.raises(BackupError, match="already exists"):
        backup_database(sqlite_url, tmp_path / "taken.db")
    assert backup_database(sqlite_url, tmp_path / "copy.db") > 0
    store = KeyStore.open(tmp_path / "keystore.db")
    store.create("c-1")
    backup_keystore(store, tmp_path / "ks-copy.db")
    assert KeyStore.open(tmp_path / "ks-copy.db").secret("c-1") == store.secret("c-1")
    (tmp_path / "loose.db").write_bytes(b"")
    (tmp_path / "loose.db").chmod(0o644)
    with pytest.raises(Exception, match="0600"):
        KeyStore.open(tmp_path / "loose.db")
    with pytest.raises(Exception, match="does not exist"):
        KeyStore.open(tmp_path / "none.db", create=False)


async def test_cases_and_codes_refuse_bad_input(gw: Gateway) -> None:
    ctx = gw.services
    token = await gw.token("customers:write")
    await put_customer(gw, token, "c-1")
    with pytest.raises(ValidationFailed):
        await requests.create(ctx.engine, ctx.crypto, "c-1", "deletion", "")
    with pytest.raises(ValidationFailed):
        await requests.create(ctx.engine, ctx.crypto, "c-1", "correction", "x" * 2001)
    with pytest.raises(NotFound):
        await requests.create(ctx.engine, ctx.crypto, "c-none", "correction", "")
    case = await requests.create(ctx.engine, ctx.crypto, "c-1", "erasure", "")
    with pytest.raises(ValidationFailed):
        await requests.answer(ctx.engine, case, "maybe", "staff:anna")
    await requests.answer(ctx.engine, case, "refused", "staff:anna")
    with pytest.raises(NotFound):
        await requests.answer(ctx.engine, case, "done", "staff:anna")  # no longer open

    with pytest.raises(NotFound):
        await email_change.request(ctx.engine, ctx.crypto, "c-none", "a@example.no")
    clock = FakeClock()
    code = await email_change.request(ctx.engine, ctx.crypto, "c-1", "new@example.no", clock=clock)
    clock.advance(31 * 60)  # the code is good for 30 minutes
    with pytest.raises(email_change.CodeRefused, match="no change"):
        await email_change.confirm(ctx.engine, ctx.crypto, "c-1", code, clock=clock)
    code = await email_change.request(ctx.engine, ctx.crypto, "c-1", "new@example.no", clock=clock)
    wrong = "12345678" if code != "12345678" else "87654321"
    for left in (4, 3, 2, 1, 0):
        with pytest.raises(email_change.CodeRefused, match=f"{left} attempts left"):
            await email_change.confirm(ctx.engine, ctx.crypto, "c-1", wrong, clock=clock)
    with pytest.raises(email_change.CodeRefused, match="no change"):  # five wrong codes end it
        await email_change.confirm(ctx.engine, ctx.crypto, "c-1", code, clock=clock)


async def test_the_daily_run_through_the_app_runs_once_a_day(gw: Gateway) -> None:
    app = web.Application()
    app[PRIVACY] = gw.services
    clock = FakeClock(datetime(2030, 1, 1, 3, 0, tzinfo=UTC))
    assert (await run_if_due(app, "node-a", clock)) is not None
    assert (await run_if_due(app, "node-b", clock)) is None  # ran less than a day ago
    clock.advance(timedelta(days=1).total_seconds())
    assert (await run_if_due(app, "node-b", clock)) is not None
