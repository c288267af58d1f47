"""The `gateway` command as an operator uses it: real subprocesses, real files, real databases."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import update

from gateway.billing import parse_customer
from gateway.crypto import Crypto, Keyring
from gateway.customers import contact, upsert
from gateway.storage import make_engine
from gateway.storage.schema import audit_log
from tests.support.cli import run
from tests.support.service import ROOT

pytestmark = pytest.mark.slow  # a `gateway` subprocess per command


@pytest.fixture
def env(tmp_path: Path, sqlite_url: str) -> dict[str, str]:
    return {"GATEWAY_DATABASE_URL": sqlite_url, "GATEWAY_KEYS_DIR": str(tmp_path / "keys"),
            "GATEWAY_TEMPLATES_DIR": str(ROOT / "templates"), "GATEWAY_PORT": "0"}


def one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 1, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gateway: "), result.stderr
    for needle in needles:
        assert needle in lines[0]


def test_keys_init_makes_private_files_once(env: dict[str, str]) -> None:
    result = run(env, "keys", "init")
    assert result.returncode == 0, result.stderr
    keys = Path(env["GATEWAY_KEYS_DIR"])
    assert stat.S_IMODE(keys.stat().st_mode) == 0o700
    files = list(keys.iterdir())
    assert files and all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    one_line_error(run(env, "keys", "init"), "already exist")


@pytest.mark.parametrize("damage, needle", [
    (lambda k: os.chmod(k, 0o755), "0700"),
    (lambda k: os.chmod(next(k.glob("*.kek")), 0o644), "0600"),
    (lambda k: next(k.glob("*.kek")).write_bytes(b"short"), "expected 32"),
    (lambda k: (k / "primary").unlink(), "primary"),
    (lambda k: shutil.rmtree(k), "keys"),
])
def test_serve_refuses_to_start_with_bad_keys(env: dict[str, str], damage: object, needle: str) -> None:
    assert run(env, "keys", "init").returncode == 0
    damage(Path(env["GATEWAY_KEYS_DIR"]))  # type: ignore[operator]
    one_line_error(run(env, "serve"), needle)


def test_serve_refuses_invalid_settings_and_unmigrated_database(env: dict[str, str], tmp_path: Path) -> None:
    one_line_error(run({**env, "GATEWAY_SMTP_TLS": "maybe"}, "serve"), "GATEWAY_SMTP_TLS")
    assert run(env, "keys", "init").returncode == 0
    fresh = {**env, "GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"}
    one_line_error(run(fresh, "serve"), "gateway db upgrade")
    # With several processes the supervisor checks the schema in a short-lived child: the same refusal.
    one_line_error(run({**fresh, "GATEWAY_SERVE_PROCESSES": "2"}, "serve"), "gateway db upgrade")
    assert run(fresh, "db", "upgrade").returncode == 0
    assert run(fresh, "db", "upgrade").returncode == 0  # idempotent


@pytest.mark.parametrize("processes", ["1", "2"])
def test_serve_refuses_a_port_in_use_with_one_line(env: dict[str, str], processes: str) -> None:
    import socket

    assert run(env, "keys", "init").returncode == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = str(taken.getsockname()[1])
        result = run({**env, "GATEWAY_PORT": port, "GATEWAY_SERVE_PROCESSES": processes}, "serve")
    one_line_error(result, "GATEWAY_PORT", port)


def test_serve_refuses_a_template_the_guard_rejects(env: dict[str, str], tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    bad = templates / "messages" / "phish.nb.j2"
    bad.write_text("{% block subject %}Viktig{% endblock %}{% block body %}"
                   "Bekreft passordet ditt ved å svare på denne meldingen.{% endblock %}")
    assert run(env, "keys", "init").returncode == 0
    one_line_error(run({**env, "GATEWAY_TEMPLATES_DIR": str(templates)}, "serve"), "phish.nb.j2", "request")


def test_api_key_lifecycle(env: dict[str, str]) -> None:
    created = run(env, "api-keys", "create", "--name", "billing", "--scopes", "messages:write,messages:read")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip().splitlines()[-1]
    assert secret.startswith("gw_")
    key_id = secret.split("_")[1]
    listed = run(env, "api-keys", "list").stdout
    assert key_id in listed and "billing" in listed and "active" in listed and secret not in listed
    assert run(env, "api-keys", "revoke", key_id).returncode == 0
    assert "revoked" in run(env, "api-keys", "list").stdout
    one_line_error(run(env, "api-keys", "revoke", key_id), "no active API key")
    one_line_error(run(env, "api-keys", "create", "--name", "x", "--scopes", "admin:all"), "unknown scope")
    db_file = Path(env["GATEWAY_DATABASE_URL"].split(":///", 1)[1])
    assert secret.split("_", 2)[2].encode() not in db_file.read_bytes()


@pytest.mark.parametrize("argv, needle", [
    (("keys", "explode"), "invalid choice: 'explode'"),
    ((), "COMMAND"),
    (("keys", "retire"), "key_id"),
    (("staff", "add", "--email", "a@example.no"), "--role"),
    (("callbacks", "replay", "--since", "yesterday"), "RFC 3339"),
])
def test_usage_error_is_one_line_and_exits_2(env: dict[str, str], argv: tuple[str, ...], needle: str) -> None:
    result = run(env, *argv)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gateway") and needle in lines[0], result.stderr
    assert "--help" in lines[0] and not result.stdout


async def test_rotate_rewrap_status_retire(database_url: str, tmp_path: Path) -> None:
    env = {"GATEWAY_DATABASE_URL": database_url, "GATEWAY_KEYS_DIR": str(tmp_path / "keys")}
    assert run(env, "keys", "init").returncode == 0
    old_id = Keyring.load(tmp_path / "keys").primary_id
    engine = make_engine(database_url)
    crypto = Crypto(Keyring.load(tmp_path / "keys"))
    for n in range(3):
        data = parse_customer(f"c-{n}", {"email": f"k{n}@example.no", "language": "nb"})
        await upsert(engine, crypto, f"c-{n}", data, actor="test")

    rotated = run(env, "keys", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    new_id = Keyring.load(tmp_path / "keys").primary_id
    assert new_id != old_id
    status = run(env, "keys", "status").stdout
    assert f"{old_id}\tdecrypt-only\t3 customer keys" in status
    assert f"{new_id}\tprimary\t0 customer keys" in status
    one_line_error(run(env, "keys", "retire", old_id), "still protects 3")

    assert "re-wrapped 3" in run(env, "keys", "rewrap").stdout
    assert "re-wrapped 0" in run(env, "keys", "rewrap").stdout  # resumable: nothing left to do
    status = run(env, "keys", "status").stdout
    assert f"{old_id}\tdecrypt-only\t0 customer keys" in status and f"{new_id}\tprimary\t3" in status
    one_line_error(run(env, "keys", "retire", new_id), "primary")
    assert run(env, "keys", "retire", old_id).returncode == 0
    assert old_id not in Keyring.load(tmp_path / "keys").kek_ids

    # Data is still readable with only the new key on disk.
    crypto = Crypto(Keyring.load(tmp_path / "keys"))
    async with engine.connect() as conn:
        assert (await contact(conn, crypto, "c-2")).email == "k2@example.no"
    verify = run(env, "audit", "verify")
    assert verify.returncode == 0 and "chain intact" in verify.stdout
    await engine.dispose()


async def test_audit_verify_reports_tampering(env: dict[str, str]) -> None:
    assert run(env, "keys", "init").returncode == 0
    assert run(env, "api-keys", "create", "--name", "a", "--scopes", "messages:read").returncode == 0
    engine = make_engine(env["GATEWAY_DATABASE_URL"])
    async with engine.begin() as conn:
        await conn.execute(update(audit_log).where(audit_log.c.seq == 1).values(actor="someone else"))
    await engine.dispose()
    result = run(env, "audit", "verify")
    assert result.returncode == 1
    assert "row 1" in result.stdout and "CHAIN BROKEN" in result.stdout


@pytest.mark.parametrize("argv", [("db", "upgrade"), ("audit", "verify"), ("api-keys", "list"), ("serve",),
                                  ("worker",)])
def test_an_unreachable_database_is_one_line_without_the_url(env: dict[str, str], argv: tuple[str, ...]) -> None:
    from tests.support.net import free_port

    assert run(env, "keys", "init").returncode == 0
    url = f"postgresql://gateway:s3cret-pw@127.0.0.1:{free_port()}/gateway"  # nothing listens there
    result = run({**env, "GATEWAY_DATABASE_URL": url}, *argv)
    one_line_error(result, "GATEWAY_DATABASE_URL", "ConnectionRefusedError")
    assert "s3cret-pw" not in result.stderr + result.stdout and "Traceback" not in result.stderr


@pytest.mark.parametrize("command, setting, extra", [
    ("inbound", "GATEWAY_INBOUND_PORT", {}),
    ("worker", "GATEWAY_WORKER_METRICS_PORT", {}),
    ("serve", "GATEWAY_INBOUND_PORT", {"GATEWAY_INBOUND_IN_SERVE": "true"}),
    ("serve", "GATEWAY_INBOUND_PORT", {"GATEWAY_INBOUND_IN_SERVE": "true", "GATEWAY_SERVE_PROCESSES": "2"}),
])
def test_inbound_and_worker_refuse_a_port_in_use_with_one_line(env: dict[str, str], command: str,
                                                              setting: str, extra: dict[str, str]) -> None:
    import socket

    from tests.support.net import free_port

    assert run(env, "keys", "init").returncode == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = str(taken.getsockname()[1])
        result = run({**env, **extra, "GATEWAY_PORT": str(free_port()), setting: port}, command)
    one_line_error(result, setting, port, "in use")
