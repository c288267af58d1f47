"""Benchmark (issue 14): what DKIM signing costs the sending throughput.

The same `gateway worker` (its own process, --connections SMTP connections to the aiosmtpd sink of
bench/_sink.py) sends N queued notifications per round, alternately unsigned (a selector without a
key: development sends unsigned) and signed (the key made by `gateway keys dkim-init`), --rounds
times each, in the same run. Rate = mails accepted by the sink per second, first to last. Target:
the signed median rate at least 85 % of the unsigned one (signing costs <= 15 %), with the 10 %
margin of bench/README.md: signing must cost at most 13.5 % (signed >= 86.5 % of unsigned).
Beside the rates, the worker's CPU per mail on each side (from its first recorded send to the
last, start-up left out): the worker process itself (its event loop and threads) and, apart, its
child processes (a signing process, if the code has one: none on main), and the CPU-bound
ratio (unsigned CPU per mail / signed CPU per mail, both processes counted).

    .venv/bin/python bench/dkim_cost.py [--messages 3000] [--rounds 2] [--algorithm rsa-sha256] [--code PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    BENCH,
    MARGIN,
    PY,
    GatewayEnv,
    add_code_option,
    bulk_customers,
    code_from,
    cpu_bound,
    free_port,
    gateway_server,
    load_average,
    machine,
    process,
    summary,
)
from sending import ingest, rate, run_worker, sink_stats

TARGET = 0.85  # signed/unsigned; signing costs <= 15 %


async def one_round(genv: GatewayEnv, customers: list[str], count: int, done: int, sink_port: int,
                    stats_file: Path, selector: str) -> tuple[float, float, float]:
    """Queue `count` notifications, send them with the given selector; (mails/s, worker process CPU
    µs/mail, its child processes' CPU µs/mail)."""
    with gateway_server(genv):
        await ingest(genv, customers, count, offset=done)
    await sink_stats(sink_port, stats_file)  # a new count
    genv.env["GATEWAY_DKIM_SELECTOR"] = selector
    result = await run_worker(genv, done, done + count, 300)
    stats = await sink_stats(sink_port, stats_file)
    if result["sent"] < done + count:
        raise RuntimeError(f"worker sent {result['sent'] - done} of {count}")
    mails = max(1, result["window_mails"])
    own = result["window_own_cpu"]
    return rate(stats), own / mails * 1e6, (result["window_cpu"] - own) / mails * 1e6


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--algorithm", default="rsa-sha256", choices=("rsa-sha256", "ed25519-sha256"))
    add_code_option(parser)
    args = parser.parse_args()
    code = code_from(args)
    print(f"machine: {machine()}")
    print(f"code: {code.label} (python {code.python})")
    sink_port = free_port()
    genv = GatewayEnv(code, smtp_port=sink_port, GATEWAY_SMTP_CONNECTIONS=str(args.connections),
                      GATEWAY_SEND_RATE_PER_SECOND="1000000", GATEWAY_DKIM_ALGORITHM=args.algorithm,
                      GATEWAY_DKIM_SELECTOR="bench").setup()
    genv.cli("keys", "dkim-init")
    customers = bulk_customers(genv, 2000)
    stats_file = genv.dir / "sink-stats.json"
    rates: dict[str, list[float]] = {"unsigned": [], "signed": []}
    cpus: dict[str, list[float]] = {"unsigned": [], "signed": []}
    child_cpus: dict[str, list[float]] = {"unsigned": [], "signed": []}
    done = 0
    with process([PY, str(BENCH / "_sink.py"), str(sink_port), str(stats_file)], ready_file=stats_file):
        for n in range(args.rounds):
            for kind, selector in (("unsigned", "nokey"), ("signed", "bench")):
                mails_per_s, cpu, child_cpu = await one_round(genv, customers, args.messages, done, sink_port,
                                                              stats_file, selector)
                done += args.messages
                rates[kind].append(mails_per_s)
                cpus[kind].append(cpu)
                child_cpus[kind].append(child_cpu)
                print(f"round {n + 1} {kind:8} ({args.algorithm if kind == 'signed' else '-'}): {mails_per_s:.0f} "
                      f"mails/s, worker CPU {cpu:.0f} µs/mail + child processes {child_cpu:.0f} µs/mail, "
                      f"load {os.getloadavg()[0]:.2f}", flush=True)
    unsigned, signed = statistics.median(rates["unsigned"]), statistics.median(rates["signed"])
    cpu_unsigned, cpu_signed = statistics.median(cpus["unsigned"]), statistics.median(cpus["signed"])
    child_signed = statistics.median(child_cpus["signed"])
    ratio = signed / unsigned if unsigned else 0.0
    if ratio >= TARGET * (1 + MARGIN * (1 - TARGET) / TARGET):  # cost <= 13.5 %: 10 % inside the 15 % limit
        verdict = "PASS"
    else:
        verdict = "MISS (at its edge)" if ratio >= TARGET else "MISS"
    print(f"median signed/unsigned: {signed:.0f}/{unsigned:.0f} mails/s = {ratio:.1%}; signing costs {1 - ratio:.1%} "
          f"(target <= {1 - TARGET:.0%}, pass from {(1 - TARGET) * (1 - MARGIN):.1%}) {verdict}; worker CPU per mail "
          f"unsigned {cpu_unsigned:.0f} µs, signed {cpu_signed:.0f} µs + child processes {child_signed:.0f} µs, "
          f"{cpu_bound(cpu_unsigned, cpu_signed + child_signed)}")
    print(f"load average at end: {load_average()}")
    summary(f"dkim_cost ({args.algorithm})", code, verdict,
            f"signed/unsigned {signed:.0f}/{unsigned:.0f} mails/s = {ratio:.1%} (costs {1 - ratio:.1%}); "
            f"CPU/mail {cpu_signed:.0f} (+{child_signed:.0f} in child processes)/{cpu_unsigned:.0f} µs")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
