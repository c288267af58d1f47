"""`gateway staff add|list|disable|reset` and `gateway audit verify` as an operator runs them (real
subprocesses, SQLite and PostgreSQL): the enrolment link is the last line and opens once; errors are
one line and a non-zero exit; the audit chain verifies, then fails after a row is altered."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, update

from gateway.console import accounts
from gateway.storage import make_engine
from gateway.storage.schema import audit_log, staff
from tests.support.cli import run
from tests.support.service import ROOT
from tests.test_cli import one_line_error

pytestmark = pytest.mark.slow  # a dozen `gateway` subprocesses


def _env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {"GATEWAY_DATABASE_URL": database_url, "GATEWAY_KEYS_DIR": str(tmp_path / "keys"),
            "GATEWAY_TEMPLATES_DIR": str(ROOT / "templates"), "GATEWAY_PUBLIC_URL": "https://min.example.no"}


async def test_staff_commands_and_audit_verify(tmp_path: Path, database_url: str) -> None:
    env = _env(tmp_path, database_url)
    added = run(env, "staff", "add", "--email", "Kari@Kraft.example.no", "--role", "agent")
    assert added.returncode == 0, added.stderr
    link = added.stdout.strip().splitlines()[-1]
    assert link.startswith("https://min.example.no/console/enrol/") and len(link.rsplit("/", 1)[1]) >= 40
    one_line_error(run(env, "staff", "add", "--email", "kari@kraft.example.no", "--role", "agent"), "already exists")
    one_line_error(run(env, "staff", "add", "--email", "ola@kraft.example.no", "--role", "boss"), "--role")
    one_line_error(run(env, "staff", "add", "--email", "not-an-address", "--role", "agent"), "--email")
    one_line_error(run(env, "staff", "disable", "--email", "nobody@kraft.example.no"), "no staff account")
    listed = run(env, "staff", "list")
    assert listed.returncode == 0 and "kari@kraft.example.no\tKari\tagent\tinvited" in listed.stdout
    assert run(env, "staff", "disable", "--email", "kari@kraft.example.no").returncode == 0
    assert "\tdisabled\t" in run(env, "staff", "list").stdout
    reset = run(env, "staff", "reset", "--email", "kari@kraft.example.no")
    assert reset.returncode == 0 and reset.stdout.strip().splitlines()[-1] != link
    assert "\tinvited\t" in run(env, "staff", "list").stdout

    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            token = link.rsplit("/", 1)[1]
            assert await accounts.open_link(conn, token, (await conn.execute(select(staff.c.created_at))).scalar()) \
                is None  # the reset replaced the first link
        verified = run(env, "audit", "verify")
        assert verified.returncode == 0 and "chain intact" in verified.stdout
        assert "kari" not in verified.stdout.lower()
        async with engine.begin() as conn:
            await conn.execute(update(audit_log).where(audit_log.c.action == "staff.disable").values(actor="someone"))
    finally:
        await engine.dispose()
    broken = run(env, "audit", "verify")
    assert broken.returncode == 1 and "CHAIN BROKEN" in broken.stdout
