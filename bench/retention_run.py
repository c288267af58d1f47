"""`gateway retention run` over 100,000 customers of whom 10,000 are due (issue 13).

Set-up (not timed): a fresh SQLite database and key store with `--customers` customers, each with one
message (a data key and sealed subject and body, as ingest stores them) and a pending notification;
`--due` of them ended their relationship and settled their last invoice more than five years ago.
Timed: `gateway retention run` as its own process (the CLI an operator or cron runs), wall time and
the process's peak RSS (VmHWM). Target: <= 60 s and <= 300 MB. Exits 1 on a miss.

    .venv/bin/python bench/retention_run.py [--customers 100000] [--due 10000]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import GatewayEnv, add_code_option, code_from, machine

TARGET_SECONDS, TARGET_MB = 60.0, 300.0


def seed(genv: GatewayEnv, count: int, due: int) -> None:
    from sqlalchemy import create_engine

    from gateway.crypto import Crypto, Keyring, KeyStore
    from gateway.customers.records import CustomerInput, _encrypted_fields
    from gateway.ids import new_id
    from gateway.storage.schema import customers, messages, notifications

    crypto = Crypto(Keyring.load(genv.dir / "keys"), KeyStore.open(genv.dir / "keystore.db"))
    assert crypto.keystore is not None
    now = datetime.now(UTC)
    long_ago, recent = now - timedelta(days=6 * 366), now - timedelta(days=30)
    engine = create_engine(f"sqlite:///{genv.db_path}")
    step = count // due if due else count + 1
    try:
        for start in range(0, count, 10_000):
            ids = [f"cust-{i:06d}" for i in range(start, min(count, start + 10_000))]
            made = crypto.keystore.create_many(ids)
            people, notes, jobs = [], [], []
            for n, cid in enumerate(ids, start):
                key = crypto.new_customer_key(cid, made[cid])
                is_due = due and n % step == 0 and n // step < due
                data = CustomerInput(f"{cid}@example.no", "nb", "Ragnhild Nordmann", None,
                                     long_ago if is_due else recent, long_ago if is_due else None)
                people.append({"id": cid, "key_wrapped": key.wrapped, "kek_id": Crypto.kek_id_of(key.wrapped),
                               "shreddable": True, "created_at": now, "updated_at": now,
                               **_encrypted_fields(crypto, key, data)})
                mid = new_id()
                dk = crypto.new_data_key(key, mid)
                notes.append({"id": mid, "customer_id": cid, "client_id": "bench", "category": "invoice",
                              "sensitivity": "normal", "auth_level": "substantial", "key_wrapped": dk.wrapped,
                              "subject_enc": crypto.seal(dk, "message.subject", b"Invoice"),
                              "body_enc": crypto.seal(dk, "message.body", b"Your invoice is ready " * 10),
                              "created_at": now})
                jobs.append({"id": new_id(), "message_id": mid, "customer_id": cid, "status": "pending",
                             "attempts": 0, "next_attempt_at": now, "created_at": now})
            with engine.begin() as conn:
                conn.execute(customers.insert(), people)
                conn.execute(messages.insert(), notes)
                conn.execute(notifications.insert(), jobs)
    finally:
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=10_000)
    add_code_option(parser)
    args = parser.parse_args()
    code = code_from(args)
    print(machine())
    genv = GatewayEnv(code).setup()
    started = time.monotonic()
    seed(genv, args.customers, args.due)
    print(f"set-up: {args.customers} customers with a message each, {args.due} due, "
          f"in {time.monotonic() - started:.1f} s (not timed)")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.monotonic()
    done = subprocess.run([code.python, "-m", "gateway", "retention", "run"], env=genv.env, cwd=genv.dir,
                          capture_output=True, text=True, timeout=600)
    seconds = time.monotonic() - started
    peak_mb = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    if done.returncode != 0:
        print(done.stderr.strip())
        return 1
    erased = int(done.stdout.splitlines()[0].rsplit(" ", 1)[1])
    left = genv.sqlite("SELECT count(*) FROM customers WHERE erased_at IS NULL")[0][0]
    ok = seconds <= TARGET_SECONDS and peak_mb <= TARGET_MB and erased == args.due
    print(f"retention run: erased {erased} of {args.customers} customers ({left} kept) in {seconds:.1f} s, "
          f"peak RSS {peak_mb:.0f} MB; load average now {os.getloadavg()[0]:.2f}")
    print(f"{'PASS' if ok else 'MISS'}: target <= {TARGET_SECONDS:.0f} s and <= {TARGET_MB:.0f} MB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
