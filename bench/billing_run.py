"""Benchmark 2: a 100,000-message billing run through POST /api/v1/messages/batch.

100 batches of 1,000 (template `invoice_ready` with per-customer data), --concurrency requests in
flight, against the real app in its own process (bench/_serve.py: `gateway serve` without the in-process
worker, so only ingest is measured), SQLite WAL with synchronous=FULL (the default). Every message is
durably stored with its outbox row and audit row when its batch's 200 comes back.

Customers (one invoice each, as in a real monthly run) are set up beforehand, not timed, with the
gateway's own encryption code straight into the database (bench/_common.py: bulk_customers).

Figures: wall time from the first batch sent to the last answer (target <= 20 s), the server's peak RSS
from /proc/<pid>/status VmHWM (target <= 400 MB), both with a 10 % margin (bench/README.md), and a
baseline measured in the same run: raw sqlite3 inserting the same number of rows of the same size
(messages, notifications, audit_log, each with the mean row size measured in the gateway's database)
in 100 transactions with the same PRAGMAs. CPU per message for both sides: the server's user + system
time over the run (its process tree, from /proc), and the raw inserts' own process time (rows built
before each transaction's clock starts).

    .venv/bin/python bench/billing_run.py [--messages 100000] [--batch 1000] [--concurrency 4] [--code PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import sys
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    MARGIN,
    GatewayEnv,
    add_code_option,
    at_most,
    bulk_customers,
    code_from,
    cpu_seconds,
    gateway_server,
    invoice_item,
    load_average,
    machine,
    summary,
    tree,
    vm_hwm_mb,
)

TARGET_SECONDS = 20.0
TARGET_RSS_MB = 400.0
TABLES = ("messages", "notifications", "audit_log")


async def run_batches(genv: GatewayEnv, customers: list[str], messages: int, batch: int,
                      concurrency: int) -> tuple[float, int, int]:
    bodies = [json.dumps({"messages": [invoice_item(customers[n % len(customers)], n, "bill")
                                       for n in range(start, min(start + batch, messages))]})
              for start in range(0, messages, batch)]
    queue = iter(bodies)
    accepted = failed = 0
    headers = {**genv.headers, "Content-Type": "application/json"}
    timeout = aiohttp.ClientTimeout(total=300)
    # A new connection per batch (half a megabyte each, so the handshake is noise): with several
    # serve processes the kernel places each one anew. Four kept-alive connections would be split
    # between two processes once for the whole run, often 3:1 or 4:0, and the run would measure
    # that luck instead of the service.
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        async def client() -> None:
            nonlocal accepted, failed
            for body in queue:
                async with session.post(genv.url + "/api/v1/messages/batch", data=body,
                                        headers=headers) as response:
                    if response.status != 200:
                        raise RuntimeError(f"batch answered {response.status}: {(await response.text())[:500]}")
                    results = (await response.json())["results"]
                accepted += sum(1 for r in results if "id" in r)
                failed += sum(1 for r in results if "error" in r)

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        return time.perf_counter() - started, accepted, failed


def memory_detail(pid: int) -> str:
    """Each process of the server's tree (the supervisor first): peak RSS (VmHWM, what the target
    sums), RSS now, and PSS now (shared pages divided among the processes sharing them), in MB."""
    parts = []
    for one in tree(pid):
        status = dict(line.split(":", 1) for line in Path(f"/proc/{one}/status").read_text().splitlines()
                      if ":" in line)
        rollup = dict(line.split(":", 1) for line in Path(f"/proc/{one}/smaps_rollup").read_text().splitlines()[1:]
                      if ":" in line)
        mb = {key: int(text.split()[0]) / 1024 for key, text in {**status, **rollup}.items()
              if key in ("VmHWM", "VmRSS", "Pss")}
        parts.append(f"{one}: peak {mb['VmHWM']:.0f}, RSS {mb['VmRSS']:.0f}, PSS {mb['Pss']:.0f}")
    return "; ".join(parts)


def mean_row_sizes(genv: GatewayEnv) -> dict[str, int]:
    """Mean stored bytes per row of each table (sum of the lengths of all its columns)."""
    conn = sqlite3.connect(genv.db_path)
    try:
        sizes = {}
        for table in TABLES:
            columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
            expr = " + ".join(f"coalesce(length({c}), 0)" for c in columns)
            sizes[table] = int(conn.execute(f"SELECT avg({expr}) FROM {table}").fetchone()[0] or 0)
        return sizes
    finally:
        conn.close()


def raw_sqlite(path: Path, messages: int, batch: int, sizes: dict[str, int]) -> tuple[float, float]:
    """Baseline: the same rows (count and mean size) with plain sqlite3, WAL + synchronous=FULL,
    one transaction per batch, a text primary key on each table like the gateway's.
    Returns (wall seconds, CPU seconds) of the inserts and commits only."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    for table in TABLES:
        conn.execute(f"CREATE TABLE {table} (id TEXT PRIMARY KEY, payload BLOB NOT NULL)")
    elapsed = cpu = 0.0
    for start in range(0, messages, batch):
        count = min(batch, messages - start)
        rows = {table: [(os.urandom(11).hex(), os.urandom(max(0, sizes[table] - 22))) for _ in range(count)]
                for table in TABLES}
        began, began_cpu = time.perf_counter(), time.process_time()
        conn.execute("BEGIN IMMEDIATE")
        for table in TABLES:
            conn.executemany(f"INSERT INTO {table} VALUES (?, ?)", rows[table])
        conn.execute("COMMIT")
        elapsed += time.perf_counter() - began
        cpu += time.process_time() - began_cpu
    conn.close()
    return elapsed, cpu


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--customers", type=int, default=0, help="default: one per message")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1,
                        help="GATEWAY_SERVE_PROCESSES; default: one per core")
    add_code_option(parser)
    args = parser.parse_args()
    code = code_from(args)
    print(f"machine: {machine()}")
    print(f"code: {code.label} (python {code.python})")

    genv = GatewayEnv(code, processes=args.processes).setup()
    print(f"server processes: {args.processes}")
    started = time.perf_counter()
    customers = bulk_customers(genv, args.customers or args.messages)
    print(f"set-up: {len(customers)} customers in {time.perf_counter() - started:.1f} s (not timed)")
    with gateway_server(genv) as server:
        print(f"server started, peak RSS so far {vm_hwm_mb(server.pid):.0f} MB")
        print(f"  per process at start: {memory_detail(server.pid)}")
        cpu_before = cpu_seconds(server.pid)
        elapsed, accepted, failed = await run_batches(genv, customers, args.messages, args.batch, args.concurrency)
        server_cpu = cpu_seconds(server.pid) - cpu_before
        peak_mb = vm_hwm_mb(server.pid)
        print(f"  per process at end: {memory_detail(server.pid)}")
    stored = genv.sqlite("SELECT count(*) FROM messages WHERE idempotency_key LIKE 'bill-%'")[0][0]
    outbox = genv.sqlite("SELECT count(*) FROM notifications")[0][0]
    sizes = mean_row_sizes(genv)
    raw, raw_cpu = raw_sqlite(genv.dir / "raw.db", args.messages, args.batch, sizes)

    rate = accepted / elapsed
    print(f"gateway batch ingest: {accepted} accepted, {failed} refused, {stored} stored, {outbox} outbox rows "
          f"in {elapsed:.2f} s = {rate:.0f} msg/s ({args.messages // args.batch} x {args.batch}, "
          f"{args.concurrency} concurrent)")
    print(f"server peak RSS (VmHWM): {peak_mb:.0f} MB")
    print(f"raw sqlite3 baseline, same rows (mean bytes/row {sizes}): {raw:.2f} s = {args.messages / raw:.0f} msg/s")
    gw_us, raw_us = server_cpu / max(1, accepted) * 1e6, raw_cpu / args.messages * 1e6
    print(f"CPU per message: gateway server {gw_us:.0f} µs (user + system, {server_cpu:.1f} s in all), "
          f"raw sqlite3 {raw_us:.0f} µs ({raw_cpu:.1f} s); {gw_us / raw_us if raw_us else 0:.1f}x")
    print(f"ratio: gateway takes {elapsed / raw:.1f}x the raw insert time (throughput {raw / elapsed:.1%} of raw)")
    print(f"load average at end: {load_average()}")
    full = args.messages == 100_000
    time_verdict = at_most(elapsed, TARGET_SECONDS) if accepted == args.messages == stored else "MISS (not all stored)"
    rss_verdict = at_most(peak_mb, TARGET_RSS_MB)
    ok = time_verdict == rss_verdict == "PASS" and full
    scope = "" if full else " (targets apply to 100,000 messages only: MISS)"
    print(f"time {elapsed:.1f} s (target <= {TARGET_SECONDS:.0f} s, pass to {TARGET_SECONDS * (1 - MARGIN):.0f} s) "
          f"{time_verdict}; peak RSS {peak_mb:.0f} MB (target <= {TARGET_RSS_MB:.0f} MB, pass to "
          f"{TARGET_RSS_MB * (1 - MARGIN):.0f} MB) "
          f"{rss_verdict}{scope}")
    summary("billing_run", code, "PASS" if ok else "MISS",
            f"{args.messages} msgs in {elapsed:.1f} s ({elapsed / raw:.1f}x raw {raw:.1f} s), RSS {peak_mb:.0f} MB, "
            f"CPU {gw_us:.0f} vs {raw_us:.0f} µs/msg")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
