"""The `gateway` command. Every failure is one line on stderr and a non-zero exit."""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, NoReturn

from gateway import audit, logs
from gateway.cli import key_ops, privacy_cmds, reindex_cmds, staff_ops
from gateway.cli.stopping import stop_on_signals
from gateway.console.accounts import AccountError
from gateway.crypto import Crypto, Keyring, KeyringError, KeyStore, KeyStoreError, init_keys, rotate
from gateway.privacy import ErasureLogError
from gateway.privacy.backup import BackupError
from gateway.rest import apikeys
from gateway.rest.apikeys import ApiKeyError
from gateway.settings import ConfigError, Settings
from gateway.storage import make_engine, upgrade
from gateway.storage.migrate import SchemaOutOfDate, require_current
from gateway.web.template_checks import TemplateRefused

EXPECTED_ERRORS = (ConfigError, KeyringError, TemplateRefused, ApiKeyError, SchemaOutOfDate,
                   key_ops.KeyOpError, KeyStoreError, ErasureLogError, privacy_cmds.PrivacyCommandError,
                   BackupError, AccountError, reindex_cmds.ReindexError)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.load()
        return int(args.run(settings, args) or 0)
    except EXPECTED_ERRORS as exc:
        print(f"gateway: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if not _database_unusable(exc):
            raise
        # The class name only: a driver's message may quote the URL, and the URL may hold a password.
        cause = type(getattr(exc, "orig", None) or exc).__name__
        print(f"gateway: the database (GATEWAY_DATABASE_URL) cannot be reached or refused us ({cause})",
              file=sys.stderr)
        return 1


def _database_unusable(exc: BaseException) -> bool:
    """An unreachable database, a refused login, a missing database: the operator's to fix."""
    from sqlalchemy.exc import DBAPIError

    return (isinstance(exc, (DBAPIError, ConnectionError, socket.gaierror, TimeoutError))
            or type(exc).__module__.split(".")[0] in ("asyncpg", "psycopg", "psycopg2", "sqlite3"))


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (exit 2), like every other failure;
    the sub-command parsers inherit the class (add_subparsers uses type(parent))."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="gateway", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("serve", help="HTTP service with the outbox worker in-process").set_defaults(run=cmd_serve)
    sub.add_parser("worker", help="the outbox worker alone").set_defaults(run=cmd_worker)
    sub.add_parser("demo", help="everything on embedded defaults with a local SMTP sink").set_defaults(run=cmd_demo)

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="action", required=True)
    db.add_parser("upgrade", help="apply migrations, then backfill what they need where the keys are"
                  ).set_defaults(run=cmd_db_upgrade)

    keys = sub.add_parser("keys", help="key-encryption keys").add_subparsers(dest="action", required=True)
    keys.add_parser("init", help="create the first key").set_defaults(run=cmd_keys_init)
    keys.add_parser("rotate", help="make a new primary key").set_defaults(run=cmd_keys_rotate)
    keys.add_parser("rewrap", help="re-wrap customer keys under the primary").set_defaults(run=cmd_keys_rewrap)
    keys.add_parser("status", help="what each key protects").set_defaults(run=cmd_keys_status)
    keys.add_parser("dkim-init", help="create the DKIM signing key and print its DNS TXT record").set_defaults(
        run=cmd_keys_dkim_init)
    retire = keys.add_parser("retire", help="remove an unused old key")
    retire.add_argument("key_id")
    retire.set_defaults(run=cmd_keys_retire)
    keys.add_parser("move-to-keystore", help="put customer keys from before the key store under its secrets"
                    ).set_defaults(run=privacy_cmds.cmd_keys_move_to_keystore)
    imp = keys.add_parser("import-keystore", help="copy a SQLite key-store file (the old store, or a backup) "
                          "into the configured key store; online, resumable")
    imp.add_argument("path", type=Path, metavar="FILE")
    imp.set_defaults(run=privacy_cmds.cmd_keys_import_keystore)
    reindex_cmds.register(privacy_cmds.register(sub))

    ak = sub.add_parser("api-keys", help="API keys for machine clients").add_subparsers(dest="action", required=True)
    create = ak.add_parser("create", help="create a key; the secret is printed once, last")
    create.add_argument("--name", required=True)
    create.add_argument("--scopes", required=True, help="comma-separated: " + ",".join(apikeys.SCOPES))
    create.set_defaults(run=cmd_api_keys_create)
    ak.add_parser("list", help="list keys").set_defaults(run=cmd_api_keys_list)
    revoke = ak.add_parser("revoke", help="revoke a key")
    revoke.add_argument("key_id")
    revoke.set_defaults(run=cmd_api_keys_revoke)

    templates = sub.add_parser("templates", help="templates").add_subparsers(dest="action", required=True)
    check = templates.add_parser("check", help="run the content guard over template files")
    check.add_argument("--kind", choices=("email", "message"))
    check.add_argument("--json", action="store_true", dest="as_json")
    check.add_argument("paths", nargs="+", metavar="PATH")
    check.set_defaults(run=cmd_templates_check)

    sub.add_parser("inbound", help="SMTP server for bounces and replies").set_defaults(run=cmd_inbound)
    cb = sub.add_parser("callbacks", help="status callbacks").add_subparsers(dest="action", required=True)
    cb.add_parser("status", help="events per client and state").set_defaults(run=cmd_callbacks_status)
    replay = cb.add_parser("replay", help="deliver given-up (or all) events again")
    replay.add_argument("--client", help="API key id (default: every client)")
    replay.add_argument("--message", help="one message's events")
    replay.add_argument("--since", type=_timestamp, help="events that happened at or after (RFC 3339)")
    replay.add_argument("--include-delivered", action="store_true")
    replay.set_defaults(run=cmd_callbacks_replay)
    staff_ops.add_parsers(sub)

    au = sub.add_parser("audit", help="audit log").add_subparsers(dest="action", required=True)
    au.add_parser("verify", help="verify the hash chain").set_defaults(run=cmd_audit_verify)
    return parser


def _timestamp(value: str) -> Any:
    from datetime import datetime

    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise argparse.ArgumentTypeError("must be an RFC 3339 timestamp with a zone")
    from gateway.billing.callback_schemas import since_utc

    return since_utc(parsed)


def _with_engine(settings: Settings, body: Callable[[Any], Awaitable[int | None]]) -> int:
    """Run body(engine) on a migrated database, and dispose of the engine afterwards."""

    async def run() -> int:
        engine = make_engine(settings.database_url)
        try:
            await require_current(engine)
            return int(await body(engine) or 0)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from gateway.cli.serve import serve

    return serve(settings)


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    from gateway.callbacks.dispatch import Dispatcher
    from gateway.console import follow_email_templates, refresh_email_templates
    from gateway.delivery.worker import Worker
    from gateway.web.services import Services

    logs.setup(settings.log_level)
    services = Services.build(settings)

    async def run() -> None:
        await require_current(services.engine)
        stop = stop_on_signals()
        try:
            ops = await _start_ops_server(services) if settings.worker_metrics_port else None
        except OSError as exc:
            await services.close()
            raise _cannot_listen("GATEWAY_WORKER_METRICS_PORT", settings.host, settings.worker_metrics_port,
                                 exc) from None
        dispatcher = Dispatcher(services.engine, services.crypto.keyring, settings)
        await refresh_email_templates(services.engine, services.notifications)  # before the first send
        follow = follow_email_templates(services.engine, services.notifications).start()
        try:
            await asyncio.gather(Worker(services).run(stop), dispatcher.run(stop))
        finally:
            await follow.stop()
            if ops is not None:
                await ops.cleanup()
            await services.close()

    asyncio.run(run())
    return 0


async def _start_ops_server(services: Any) -> Any:
    """/healthz, /readyz and /metrics of a standalone worker, so its counters can be scraped."""
    from aiohttp import web

    from gateway.rest.malformed import ProblemAppRunner
    from gateway.web.app import make_ops_app

    runner = ProblemAppRunner(make_ops_app(services), access_log=None)
    await runner.setup()
    s = services.settings
    await web.TCPSite(runner, s.host, s.worker_metrics_port).start()
    return runner


def cmd_inbound(settings: Settings, args: argparse.Namespace) -> int:
    from gateway.cli import inbound

    return inbound.run(settings)


def _cannot_listen(setting: str, host: str, port: int, exc: OSError) -> ConfigError:
    """One line for a port in use (or an address this host does not have), as `serve` gives."""
    return ConfigError(f"{setting}: cannot listen on {host}:{port} ({exc.strerror or type(exc).__name__})")


def cmd_callbacks_status(settings: Settings, args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from gateway.storage import reading
    from gateway.storage.schema import callback_events

    async def run(engine: Any) -> None:
        async with reading(engine) as conn:
            rows = (await conn.execute(
                select(callback_events.c.client_id, callback_events.c.status, func.count())
                .group_by(callback_events.c.client_id, callback_events.c.status)
                .order_by(callback_events.c.client_id, callback_events.c.status))).all()
        for client_id, status, count in rows:
            print(f"{client_id}\t{status}\t{count}")

    return _with_engine(settings, run)


def cmd_callbacks_replay(settings: Settings, args: argparse.Namespace) -> int:
    from gateway.callbacks import replay

    async def run(engine: Any) -> None:
        count = await replay(engine, client_id=args.client, message_id=args.message, since=args.since,
                             include_delivered=args.include_delivered, actor="operator")
        print(f"{count} callback events queued again")

    return _with_engine(settings, run)


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from gateway.cli.demo import run_demo

    return run_demo(settings)


def cmd_db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    upgrade(settings.database_url)
    print("database schema is up to date")
    reindex_cmds.after_upgrade(settings)
    return 0


def cmd_keys_init(settings: Settings, args: argparse.Namespace) -> int:
    async def record(engine: Any) -> None:
        key_id = init_keys(Path(settings.keys_dir))
        KeyStore.open(settings.keystore_location, moving_from=settings.keystore_moving_from).close()
        async with engine.begin() as conn:
            await audit.append(conn, audit.Entry("operator", "keys.init", key_id))
        print(f"created key-encryption key {key_id} in {settings.keys_dir}/")

    return _with_engine(settings, record)


def cmd_keys_dkim_init(settings: Settings, args: argparse.Namespace) -> int:
    from gateway.delivery import dkim

    async def record(engine: Any) -> None:
        txt = dkim.init_key(settings)
        async with engine.begin() as conn:
            await audit.append(conn, audit.Entry("operator", "keys.dkim_init", settings.dkim_selector,
                                                 {"domain": settings.signing_domain}))
        print(f"created DKIM key {dkim.key_path(Path(settings.keys_dir), settings.dkim_selector)}; publish:")
        print(dkim.zone_line(settings, txt))

    return _with_engine(settings, record)


def cmd_keys_rotate(settings: Settings, args: argparse.Namespace) -> int:
    async def record(engine: Any) -> None:
        Keyring.load(Path(settings.keys_dir))  # refuse to rotate a keyring that does not load
        key_id = rotate(Path(settings.keys_dir))
        async with engine.begin() as conn:
            await audit.append(conn, audit.Entry("operator", "keys.rotate", key_id))
        print(f"new primary key-encryption key {key_id}; restart the service, then run `gateway keys rewrap`")

    return _with_engine(settings, record)


def cmd_keys_rewrap(settings: Settings, args: argparse.Namespace) -> int:
    keyring = Keyring.load(Path(settings.keys_dir))

    async def run(engine: Any) -> None:
        count = await key_ops.rewrap(engine, privacy_cmds.crypto_for(settings), keyring.primary_id)
        staff_count = await key_ops.rewrap_staff(engine, Crypto(keyring))
        print(f"re-wrapped {count} customer keys and {staff_count} staff keys under {keyring.primary_id}")

    return _with_engine(settings, run)


def cmd_keys_status(settings: Settings, args: argparse.Namespace) -> int:
    keyring = Keyring.load(Path(settings.keys_dir))

    async def run(engine: Any) -> None:
        for kek_id, count in (await key_ops.status(engine, keyring)).items():
            role = "primary" if kek_id == keyring.primary_id else (
                "decrypt-only" if kek_id in keyring.kek_ids else "MISSING")
            print(f"{kek_id}\t{role}\t{count} customer keys")

    return _with_engine(settings, run)


def cmd_keys_retire(settings: Settings, args: argparse.Namespace) -> int:
    keyring = Keyring.load(Path(settings.keys_dir))

    async def run(engine: Any) -> None:
        await key_ops.retire_key(engine, keyring, Path(settings.keys_dir), args.key_id)
        print(f"retired {args.key_id}")

    return _with_engine(settings, run)


def cmd_api_keys_create(settings: Settings, args: argparse.Namespace) -> int:
    scopes = apikeys.parse_scopes(args.scopes)

    async def run(engine: Any) -> None:
        key, secret = await apikeys.create(engine, args.name, scopes)
        print(f"created API key {key.id} ({key.name}) with scopes {','.join(sorted(scopes))}")
        print("the secret below is shown only now; store it in the client's secret store")
        print(secret)

    return _with_engine(settings, run)


def cmd_api_keys_list(settings: Settings, args: argparse.Namespace) -> int:
    async def run(engine: Any) -> None:
        for key in await apikeys.list_keys(engine):
            state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
            print(f"{key.id}\t{key.name}\t{','.join(sorted(key.scopes))}\t{key.created_at:%Y-%m-%d}\t{state}")

    return _with_engine(settings, run)


def cmd_api_keys_revoke(settings: Settings, args: argparse.Namespace) -> int:
    async def run(engine: Any) -> None:
        await apikeys.revoke(engine, args.key_id)
        print(f"revoked API key {args.key_id}")

    return _with_engine(settings, run)


def cmd_templates_check(settings: Settings, args: argparse.Namespace) -> int:
    from gateway.guard.cli import run_templates_check

    return run_templates_check(args.paths, args.kind, args.as_json, settings.public_url)


def cmd_audit_verify(settings: Settings, args: argparse.Namespace) -> int:
    async def run(engine: Any) -> int:
        result = await audit.verify(engine)
        for line in result.problems:
            print(line)
        print(f"{result.rows} audit rows checked: {'chain intact' if result.ok else 'CHAIN BROKEN'}")
        return 0 if result.ok else 1

    return _with_engine(settings, run)


if __name__ == "__main__":
    sys.exit(main())
