"""Benchmark (issue 14): what DKIM signing costs the sending throughput.

The same `gateway worker` (its own process, --connections SMTP connections to the aiosmtpd sink of
bench/_sink.py) sends N queued notifications per round, alternately unsigned (a selector without a
key: development sends unsigned) and signed (the key made by `gateway keys dkim-init`), --rounds
times each, in the same run. Rate = mails accepted by the sink per second, first to last. Target:
the signed median rate at least 85 % of the unsigned one (signing costs <= 15 %).

    .venv/bin/python bench/dkim_cost.py [--messages 3000] [--rounds 2] [--algorithm rsa-sha256]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BENCH, PY, GatewayEnv, bulk_customers, cpu_seconds, free_port, gateway_server, machine, process
from sending import ingest, rate, sink_stats

TARGET = 0.85


async def one_round(genv: GatewayEnv, customers: list[str], count: int, sink_port: int, stats_file: Path,
                    selector: str, round_no: int) -> tuple[float, float]:
    """Queue `count` notifications, send them with the given selector; (mails/s, worker CPU µs/mail)."""
    with gateway_server(genv):
        await ingest_round(genv, customers, count, f"{selector}-{round_no}")
    await sink_stats(sink_port, stats_file)  # a new count
    env = dict(genv.env, GATEWAY_DKIM_SELECTOR=selector)
    started = time.perf_counter()
    with process([PY, "-m", "gateway", "worker"], env=env, cwd=genv.dir) as worker:
        while time.perf_counter() - started < 300:
            pending = genv.sqlite("SELECT count(*) FROM notifications WHERE status != 'sent'")[0][0]
            if not pending:
                break
            await asyncio.sleep(0.1)
        cpu = cpu_seconds(worker.pid)
    stats = await sink_stats(sink_port, stats_file)
    return rate(stats), cpu / max(1, stats["count"]) * 1e6


async def ingest_round(genv: GatewayEnv, customers: list[str], count: int, prefix: str) -> None:
    import sending

    original = sending.invoice_item

    def item(customer_id: str, n: int, key_prefix: str = "inv") -> dict[str, object]:
        return original(customer_id, n, prefix)

    sending.invoice_item = item  # unique idempotency keys per round
    try:
        await ingest(genv, customers, count)
    finally:
        sending.invoice_item = original


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--algorithm", default="rsa-sha256", choices=("rsa-sha256", "ed25519-sha256"))
    args = parser.parse_args()
    print(f"machine: {machine()}")
    sink_port = free_port()
    genv = GatewayEnv(smtp_port=sink_port, GATEWAY_SMTP_CONNECTIONS=str(args.connections),
                      GATEWAY_SEND_RATE_PER_SECOND="1000000", GATEWAY_DKIM_ALGORITHM=args.algorithm,
                      GATEWAY_DKIM_SELECTOR="bench").setup()
    genv.cli("keys", "dkim-init")
    customers = bulk_customers(genv, 2000)
    stats_file = genv.dir / "sink-stats.json"
    rates: dict[str, list[float]] = {"unsigned": [], "signed": []}
    with process([PY, str(BENCH / "_sink.py"), str(sink_port), str(stats_file)], ready_file=stats_file):
        for n in range(args.rounds):
            for kind, selector in (("unsigned", "nokey"), ("signed", "bench")):
                mails_per_s, cpu = await one_round(genv, customers, args.messages, sink_port, stats_file, selector, n)
                rates[kind].append(mails_per_s)
                print(f"round {n + 1} {kind:8} ({args.algorithm if kind == 'signed' else '-'}): {mails_per_s:.0f} "
                      f"mails/s, worker CPU {cpu:.0f} µs/mail (with start-up), load {os.getloadavg()[0]:.2f}")
    unsigned, signed = statistics.median(rates["unsigned"]), statistics.median(rates["signed"])
    ratio = signed / unsigned if unsigned else 0.0
    verdict = "PASS" if ratio >= TARGET else "MISS"
    print(f"median signed/unsigned: {signed:.0f}/{unsigned:.0f} = {ratio:.1%}; signing costs {1 - ratio:.1%} "
          f"(target <= {1 - TARGET:.0%}) {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
