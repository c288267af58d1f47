"""Benchmark 3: notification sending by the real worker vs raw aiosmtplib, same sink, same connections.

The sink is aiosmtpd in its own process (bench/_sink.py), on loopback. In the same run:

In each of --rounds rounds (pooled, so a slower spell of the shared machine falls on both sides):

1. the real worker: N notifications ingested through the API beforehand, then `gateway worker` (the
   CLI, its own process) claims, decrypts the address, renders, re-checks with the guard, builds and
   sends them over its SmtpPool of --connections connections, and records each result; the sink
   keeps the e-mails it receives;
2. baseline: raw aiosmtplib, --connections SMTP connections opened once and reused, sending exactly
   those e-mails again (the gateway's own notification e-mails, as bytes, loaded before the clock
   starts), so the bench needs none of the gateway's internal modules.

Rate = mails accepted by the sink per second between its first and last mail (the same clock for both,
so process start-up is not counted); the worker's wall time from process start to the last
notification recorded `sent` is printed too. CPU per mail for both sides: the worker's user + system
time between the first and the last `sent` seen (polled every 0.1 s), the raw sender's own process
time, and the sink's for each. GATEWAY_SEND_RATE_PER_SECOND is set far above the throughput measured
(the default 200/s is a production throttle towards the relay, not a speed).
Target: worker >= 70 % of raw, with a 10 % margin (bench/README.md). BENCH_PROFILE_WORKER=out.prof
runs the worker under cProfile.

    .venv/bin/python bench/sending.py [--messages 5000] [--connections 4] [--code PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pickle
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import aiosmtplib

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    BENCH,
    MARGIN,
    PY,
    GatewayEnv,
    add_code_option,
    at_least,
    bulk_customers,
    code_from,
    cpu_bound,
    cpu_seconds,
    free_port,
    gateway_server,
    invoice_item,
    load_average,
    machine,
    own_cpu_seconds,
    process,
    summary,
)

TARGET = 0.70


async def ingest(genv: GatewayEnv, customers: list[str], count: int, offset: int = 0) -> None:
    headers = {**genv.headers, "Content-Type": "application/json"}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as session:
        for start in range(offset, offset + count, 1000):
            body = json.dumps({"messages": [invoice_item(customers[n % len(customers)], n, "send")
                                            for n in range(start, min(start + 1000, offset + count))]})
            async with session.post(genv.url + "/api/v1/messages/batch", data=body, headers=headers) as response:
                results = (await response.json())["results"]
                if response.status != 200 or any("error" in r for r in results):
                    raise RuntimeError(f"ingest failed: {response.status} {str(results)[:300]}")


async def raw_send(port: int, emails: list[tuple[str, list[str], bytes]], connections: int) -> float:
    clients = [aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=30) for _ in range(connections)]
    for client in clients:
        await client.connect()
    queue = iter(emails)
    started = time.perf_counter()

    async def run(client: aiosmtplib.SMTP) -> None:
        for sender, recipients, data in queue:
            await client.sendmail(sender, recipients, data)

    await asyncio.gather(*(run(client) for client in clients))
    elapsed = time.perf_counter() - started
    for client in clients:
        await client.quit()
    return elapsed


async def sink_stats(port: int, stats_file: Path) -> dict[str, Any]:
    """Ask the sink for its count and first/last times (and start a new count)."""
    before = stats_file.stat().st_mtime_ns
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=30) as client:
        await client.sendmail("bench@bench.invalid", ["stats@bench.invalid"], b"Subject: stats\r\n\r\nstats\r\n")
    for _ in range(100):
        if stats_file.stat().st_mtime_ns != before:
            break
        await asyncio.sleep(0.02)
    return json.loads(stats_file.read_text())


def seconds(stats: dict[str, Any]) -> str:
    """Mails per whole second of the run (the last, partial second left out): steady or stalling."""
    whole = stats["per_second"][:-1]
    return f"per second min {min(whole)}, median {sorted(whole)[len(whole) // 2]}, max {max(whole)}" if whole else ""


def per_mail(cpu: float, stats: dict[str, float]) -> str:
    return f"{cpu / stats['count'] * 1e6:.0f} µs" if stats["count"] else "-"


def rate(stats: dict[str, float]) -> float:
    span = stats["last"] - stats["first"]
    return (stats["count"] - 1) / span if span > 0 and stats["count"] > 1 else 0.0


async def run_worker(genv: GatewayEnv, already: int, count: int, timeout: float) -> dict[str, float]:
    """`gateway worker` until `count` notifications in all are recorded sent (or the timeout); its CPU
    is taken from the first new `sent` seen (more than `already`), so its start-up is not counted."""
    started = time.perf_counter()
    profile = os.environ.get("BENCH_PROFILE_WORKER")
    py = genv.code.python
    command = [py, str(BENCH / "_profile.py"), profile, "-m", "gateway", "worker"] if profile else \
        [py, "-m", "gateway", "worker"]
    sent = first_sent = 0
    first_cpu = last_cpu = first_own = last_own = 0.0
    with process(command, env=genv.env, cwd=genv.dir) as proc:
        while time.perf_counter() < started + timeout:
            sent = genv.sqlite("SELECT count(*) FROM notifications WHERE status = 'sent'")[0][0]
            if sent > already and not first_sent:
                first_sent, first_cpu, first_own = sent, cpu_seconds(proc.pid), own_cpu_seconds(proc.pid)
            if sent >= count:
                break
            await asyncio.sleep(0.1)
        wall = time.perf_counter() - started
        last_cpu, last_own = cpu_seconds(proc.pid), own_cpu_seconds(proc.pid)
    # window_cpu: the worker and its child processes (the DKIM signing process); window_own_cpu:
    # the worker process alone (its event loop and threads).
    return {"sent": sent, "wall": wall, "cpu_total": last_cpu, "window_mails": sent - first_sent,
            "window_cpu": last_cpu - first_cpu, "window_own_cpu": last_own - first_own}


def pooled(stats: list[dict[str, Any]]) -> dict[str, Any]:
    """Sink figures of several phases as one: mails and seconds (first to last mail) summed."""
    per_second = [n for s in stats for n in s["per_second"][:-1]] + [0]
    span = sum(s["last"] - s["first"] for s in stats if s["count"] > 1)
    count = sum(s["count"] for s in stats)
    return {"count": count, "first": 0.0, "last": span * count / max(1, count - len(stats)) if span else 0.0,
            "per_second": per_second}


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=5000, help="notifications per round")
    parser.add_argument("--rounds", type=int, default=2, help="worker then raw, this many times")
    parser.add_argument("--connections", type=int, default=4, help="GATEWAY_SMTP_CONNECTIONS (default 4)")
    parser.add_argument("--timeout", type=float, default=300.0, help="give up waiting for the worker")
    add_code_option(parser)
    args = parser.parse_args()
    code = code_from(args)
    print(f"machine: {machine()}")
    print(f"code: {code.label} (python {code.python})")

    sink_port = free_port()
    genv = GatewayEnv(code, smtp_port=sink_port, GATEWAY_SMTP_CONNECTIONS=str(args.connections),
                      GATEWAY_SEND_RATE_PER_SECOND="1000000").setup()
    customers = bulk_customers(genv, min(args.messages, 2000))
    stats_file, capture = genv.dir / "sink-stats.json", genv.dir / "sink-mails.pickle"
    workers: list[dict[str, Any]] = []
    raws: list[dict[str, Any]] = []
    worker_cpu = worker_mails = raw_cpu = 0.0
    complete = True
    with process([PY, str(BENCH / "_sink.py"), str(sink_port), str(stats_file), str(capture)],
                 ready_file=stats_file) as sink:
        for round_no in range(args.rounds):
            with gateway_server(genv):
                await ingest(genv, customers, args.messages, offset=round_no * args.messages)
            sink_cpu = cpu_seconds(sink.pid)
            result = await run_worker(genv, round_no * args.messages, (round_no + 1) * args.messages, args.timeout)
            worker = await sink_stats(sink_port, stats_file)
            worker_sink_cpu = cpu_seconds(sink.pid) - sink_cpu
            worker_cpu += result["window_cpu"]
            worker_mails += result["window_mails"]
            complete = complete and result["sent"] >= (round_no + 1) * args.messages and \
                worker["count"] == args.messages
            workers.append(worker)
            statuses = dict(genv.sqlite("SELECT status, count(*) FROM notifications GROUP BY status"))
            print(f"round {round_no + 1}: gateway worker (`gateway worker` process, SmtpPool of {args.connections}): "
                  f"{worker['count']} mails; sink rate {rate(worker):.0f} mails/s ({seconds(worker)}); "
                  f"{result['wall']:.2f} s from process start to all recorded sent; CPU per mail: worker "
                  f"{result['window_cpu'] / max(1, result['window_mails']) * 1e6:.0f} µs ({result['cpu_total']:.1f} s "
                  f"in all, with start-up), sink {per_mail(worker_sink_cpu, worker)}; outbox {statuses}", flush=True)

            emails = pickle.loads(capture.read_bytes())
            size = sum(len(m[2]) for m in emails[:50]) / max(1, len(emails[:50]))
            sink_cpu, own_cpu = cpu_seconds(sink.pid), time.process_time()
            raw_elapsed = await raw_send(sink_port, emails, args.connections)
            cpu = time.process_time() - own_cpu
            raw = await sink_stats(sink_port, stats_file)
            raw_sink_cpu = cpu_seconds(sink.pid) - sink_cpu
            raw_cpu += cpu
            raws.append(raw)
            print(f"round {round_no + 1}: raw aiosmtplib, {args.connections} reused connections, the same "
                  f"{len(emails)} e-mails (~{size / 1024:.1f} KiB each): {raw['count']} mails in "
                  f"{raw_elapsed:.2f} s; sink rate "
                  f"{rate(raw):.0f} mails/s ({seconds(raw)}); CPU per mail: sender {per_mail(cpu, raw)}, "
                  f"sink {per_mail(raw_sink_cpu, raw)}", flush=True)
    print(f"load average at end: {load_average()}")
    worker_all, raw_all = pooled(workers), pooled(raws)
    ratio = rate(worker_all) / rate(raw_all) if rate(raw_all) else 0.0
    verdict = at_least(ratio, TARGET) if complete else "MISS (incomplete)"
    worker_us = worker_cpu / worker_mails * 1e6 if worker_mails else 0.0
    raw_us = raw_cpu / raw_all["count"] * 1e6 if raw_all["count"] else 0.0
    per_round = ", ".join(f"{rate(w) / rate(r):.1%}" for w, r in zip(workers, raws, strict=True))
    print(f"ratio worker/raw over {args.rounds} round(s): {rate(worker_all):.0f} / {rate(raw_all):.0f} mails/s = "
          f"{ratio:.1%} (per round: {per_round}; "
          f"target >= {TARGET:.0%}, pass from {TARGET * (1 + MARGIN):.0%}) {verdict}; "
          f"sender CPU {worker_us:.0f} vs {raw_us:.0f} µs/mail ({worker_us / raw_us if raw_us else 0:.1f}x: "
          f"{cpu_bound(raw_us, worker_us)})"
          + ("" if complete else " (not every notification was sent)"))
    summary("sending", code, verdict if verdict == "PASS" else "MISS",
            f"worker {rate(worker_all):.0f} mails/s = {ratio:.1%} of raw {rate(raw_all):.0f}, "
            f"CPU {worker_us:.0f} vs {raw_us:.0f} µs/mail ({cpu_bound(raw_us, worker_us)})")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
