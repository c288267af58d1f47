"""`gateway customers erase|export`, `gateway erasures replay`, `gateway backup`, `gateway retention run`,
`gateway keys move-to-keystore`: the privacy lifecycle from the command line. Output: ids and counts."""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import audit, privacy
from gateway.cli import key_ops
from gateway.clock import SYSTEM
from gateway.crypto import Crypto, Keyring, KeyStore
from gateway.crypto.keystore_copy import import_keystore
from gateway.errors import GatewayError
from gateway.privacy import export, retention
from gateway.privacy.backup import backup_database, backup_keystore
from gateway.settings import Settings
from gateway.storage import make_engine, reading
from gateway.storage.migrate import require_current


class PrivacyCommandError(Exception):
    """Bad input to a privacy command; the message is one line."""


def register(sub: Any) -> Any:
    """Add the privacy commands; returns the `customers` sub-command group for others to join."""
    cu = sub.add_parser("customers", help="one customer's data").add_subparsers(dest="action", required=True)
    erase = cu.add_parser("erase", help="erase a customer for good (idempotent)")
    erase.add_argument("customer_id")
    erase.set_defaults(run=cmd_customers_erase)
    exp = cu.add_parser("export", help="everything held about a customer, as the portal's ZIP")
    exp.add_argument("customer_id")
    exp.add_argument("--out", type=Path, required=True, metavar="FILE", help="a new file (mode 0600)")
    exp.set_defaults(run=cmd_customers_export)

    er = sub.add_parser("erasures", help="the erasure log").add_subparsers(dest="action", required=True)
    er.add_parser("replay", help="erase again everyone in the erasure log (after a restore)").set_defaults(
        run=cmd_erasures_replay)
    er.add_parser("verify", help="check that no one in the erasure log has data left").set_defaults(
        run=cmd_erasures_verify)

    rt = sub.add_parser("retention", help="the retention policy").add_subparsers(dest="action", required=True)
    rr = rt.add_parser("run", help="erase what the retention policy says is due (ids and counts only)")
    rr.add_argument("--dry-run", action="store_true", help="only print what is due")
    rr.set_defaults(run=cmd_retention_run)

    bk = sub.add_parser("backup", help="a consistent online copy of the SQLite database (ciphertext only)")
    bk.add_argument("path", type=Path, metavar="PATH")
    bk.add_argument("--keystore", action="store_true", help="copy the key store instead (keep it apart)")
    bk.set_defaults(run=cmd_backup)
    return cu


def crypto_for(settings: Settings, *, create: bool = False) -> Crypto:
    keystore = KeyStore.open(settings.keystore_location, create=create,
                             moving_from=settings.keystore_moving_from)
    return Crypto(Keyring.load(Path(settings.keys_dir)), keystore)


def with_crypto(settings: Settings, body: Callable[[AsyncEngine, Crypto], Awaitable[int | None]]) -> int:
    """Run body(engine, crypto) on a migrated database with the keys and the key store."""
    crypto = crypto_for(settings)

    async def run() -> int:
        engine = make_engine(settings.database_url)
        try:
            await require_current(engine)
            return int(await body(engine, crypto) or 0)
        except GatewayError as exc:  # e.g. an id that could never have been a customer's
            raise PrivacyCommandError(exc.detail) from None
        finally:
            await engine.dispose()
            if crypto.keystore is not None:
                crypto.keystore.close()

    return asyncio.run(run())


def cmd_customers_erase(settings: Settings, args: argparse.Namespace) -> int:
    async def run(engine: AsyncEngine, crypto: Crypto) -> None:
        done = await privacy.erase(engine, crypto, settings.erasure_log_file, args.customer_id, actor="operator")
        state = "erased" if done.changed else "already erased"
        print(f"{state} {done.customer_id}: {done.messages} messages, "
              f"{done.notifications_cancelled} notifications cancelled")

    return with_crypto(settings, run)


def cmd_customers_export(settings: Settings, args: argparse.Namespace) -> int:
    async def run(engine: AsyncEngine, crypto: Crypto) -> None:
        privacy.check_id(args.customer_id)
        try:
            fd = os.open(args.out, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except OSError as exc:
            raise PrivacyCommandError(f"cannot create {args.out}: {exc.strerror}") from None
        try:
            with os.fdopen(fd, "wb") as out:
                async def write(chunk: bytes) -> None:
                    out.write(chunk)

                async with reading(engine) as conn:
                    summary = await export.write_zip(conn, crypto, args.customer_id, write, now=SYSTEM.now(),
                                                     policy=retention.policy_from(settings))
        except BaseException:
            args.out.unlink(missing_ok=True)  # never leave half an archive behind
            raise
        async with engine.begin() as conn:
            await audit.append(conn, audit.Entry("operator", "customer.export", args.customer_id,
                                                 {"messages": summary.messages, "attachments": summary.attachments}))
        print(f"exported {args.customer_id} to {args.out}: {summary.messages} messages, "
              f"{summary.attachments} attachments, {summary.audit_entries} audit entries")

    return with_crypto(settings, run)


def cmd_erasures_replay(settings: Settings, args: argparse.Namespace) -> int:
    async def run(engine: AsyncEngine, crypto: Crypto) -> None:
        done = await privacy.replay(engine, crypto, settings.erasure_log_file, actor="operator")
        for item in done:
            print(f"erased again {item.customer_id}")
        print(f"{len(done)} customers erased again")

    return with_crypto(settings, run)


def cmd_erasures_verify(settings: Settings, args: argparse.Namespace) -> int:
    async def run(engine: AsyncEngine, crypto: Crypto) -> int:
        left = await privacy.unfinished(engine, crypto, settings.erasure_log_file)
        for customer_id in left:
            print(f"NOT ERASED {customer_id}")
        print(f"{len(left)} of the erased customers still have data (run `gateway erasures replay`)"
              if left else "every customer in the erasure log is erased")
        return 1 if left else 0

    return with_crypto(settings, run)


def cmd_retention_run(settings: Settings, args: argparse.Namespace) -> int:
    async def run(engine: AsyncEngine, crypto: Crypto) -> None:
        report = await retention.run(engine, crypto, settings.erasure_log_file, retention.policy_from(settings),
                                     dry_run=args.dry_run, actor="operator")
        verb = "due" if args.dry_run else "erased"
        print(f"customers {verb}: {len(report.customers)}")
        for customer_id in report.customers:
            print(f"customer {customer_id}")
        for category, ids in report.messages.items():
            print(f"{category} messages {verb}: {len(ids)}")
            for message_id in ids:
                print(f"message {message_id}")

    return with_crypto(settings, run)


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    if args.keystore:
        store = KeyStore.open(settings.keystore_location, create=False)
        try:
            backup_keystore(store, args.path)
        finally:
            store.close()
        print(f"key store copied to {args.path} (a SQLite key-store file); keep it apart from the database "
              "backups, and only briefly")
        return 0
    pages = backup_database(settings.database_url, args.path)
    print(f"database copied to {args.path} ({pages} pages); it holds no keys (keys/ and the key store are apart)")
    return 0


def cmd_keys_move_to_keystore(settings: Settings, args: argparse.Namespace) -> int:
    async def run(engine: AsyncEngine, crypto: Crypto) -> None:
        count = await key_ops.move_to_keystore(engine, crypto)
        print(f"moved {count} customer keys under key-store secrets")

    return with_crypto(settings, run)


def cmd_keys_import_keystore(settings: Settings, args: argparse.Namespace) -> int:
    """Copy a SQLite key-store file into the configured key store (keystore_copy)."""
    if not settings.keystore_url and args.path.resolve() == settings.keystore_file.resolve():
        raise PrivacyCommandError(f"{args.path} is the configured key store itself")
    source = KeyStore.open(args.path, create=False)
    target = KeyStore.open(settings.keystore_location)
    try:
        done = import_keystore(source, target)
    finally:
        source.close()
        target.close()
    print(f"{done.secrets_seen} secrets read, {done.secrets_added} added; "
          f"{done.erasures_applied} secrets destroyed for erasures in {args.path}")
    return 0
