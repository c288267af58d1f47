"""`gateway staff add|list|disable|reset`: staff accounts of the console. The enrolment link is
printed once, as the last line of standard output; it opens once and expires."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from gateway.console import accounts
from gateway.settings import Settings
from gateway.storage import make_engine
from gateway.storage.migrate import require_current


def add_parsers(sub: Any) -> None:
    staff = sub.add_parser("staff", help="staff accounts of the console").add_subparsers(dest="action", required=True)
    add = staff.add_parser("add", help="invite a staff member; prints a one-time enrolment link, last")
    add.add_argument("--email", required=True)
    add.add_argument("--role", required=True, help="one of " + ", ".join(accounts.ROLES))
    add.add_argument("--first-name", help="shown to customers with the role (default: from the e-mail)")
    add.set_defaults(run=cmd_add)
    staff.add_parser("list", help="list staff accounts").set_defaults(run=cmd_list)
    disable = staff.add_parser("disable", help="disable an account and end its sessions at once")
    disable.add_argument("--email", required=True)
    disable.set_defaults(run=cmd_disable)
    reset = staff.add_parser("reset", help="forget password and second factors; prints a new enrolment link")
    reset.add_argument("--email", required=True)
    reset.set_defaults(run=cmd_reset)


def _run(settings: Settings, work: Any) -> int:
    async def run() -> int:
        engine = make_engine(settings.database_url)
        try:
            await require_current(engine)
            return int(await work(engine) or 0)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _link(settings: Settings, token: str) -> str:
    return settings.public_url + accounts.enrolment_path(token)


def cmd_add(settings: Settings, args: argparse.Namespace) -> int:
    async def work(engine: Any) -> None:
        staff_id, token = await accounts.add(engine, args.email, args.role, first_name=args.first_name,
                                             actor="operator")
        hours = int(accounts.ENROLMENT_LIFETIME.total_seconds() // 3600)
        print(f"invited staff {staff_id} as {args.role}; the link below opens once and expires in {hours} hours")
        print(_link(settings, token))

    return _run(settings, work)


def cmd_list(settings: Settings, args: argparse.Namespace) -> int:
    async def work(engine: Any) -> None:
        for m in await accounts.list_staff(engine):
            print(f"{m.id}\t{m.email}\t{m.first_name}\t{m.role}\t{m.status}\t{m.created_at:%Y-%m-%d}")

    return _run(settings, work)


def cmd_disable(settings: Settings, args: argparse.Namespace) -> int:
    async def work(engine: Any) -> None:
        staff_id = await accounts.disable(engine, args.email, actor="operator")
        print(f"disabled staff {staff_id}; its sessions have ended")

    return _run(settings, work)


def cmd_reset(settings: Settings, args: argparse.Namespace) -> int:
    async def work(engine: Any) -> None:
        staff_id, token = await accounts.reset(engine, args.email, actor="operator")
        print(f"reset staff {staff_id}; the link below opens once")
        print(_link(settings, token))

    return _run(settings, work)
