"""Benchmark 1: single-message ingest over HTTP at 32 concurrent clients vs a bare aiohttp JSON handler.

Both servers run in their own process(es) on loopback (--processes, the same number for both; default
one per core, as docs/operations.md recommends for GATEWAY_SERVE_PROCESSES); the load comes from the same aiohttp client code in
this process, in the same run. The gateway is the real app (bench/_serve.py: `gateway serve` with the
in-process outbox worker disabled, so sending does not compete with ingest), SQLite in WAL mode with
synchronous=FULL (the default), a fresh database in a temporary directory.

Each request: POST /api/v1/messages, a unique Idempotency-Key, template `invoice_ready` with data
(unique invoice number), customers spread over --customers. Target: gateway rate >= 20 % of bare rate.

    .venv/bin/python bench/ingest_http.py [--seconds 10] [--clients 32] [--processes N]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import sys
import time

import aiohttp

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from _common import BENCH, PY, GatewayEnv, add_customers, cpu_seconds, free_port, gateway_server, machine, process

TARGET = 0.20


async def load(url: str, headers: dict[str, str], customers: list[str], clients: int, seconds: float,
               warmup: float, key_prefix: str, server_pid: int) -> dict[str, float]:
    """`clients` concurrent loops of POST; counts 201s completed inside the measured window."""
    counter = itertools.count()
    latencies: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:
        loop = asyncio.get_running_loop()
        start = loop.time()
        measure_from, stop_at = start + warmup, start + warmup + seconds
        done_in_window = 0

        async def client() -> None:
            nonlocal errors, done_in_window
            while loop.time() < stop_at:
                n = next(counter)
                body = json.dumps({"customer_id": customers[n % len(customers)], "category": "invoice",
                                   "template": "invoice_ready",
                                   "data": {"name": "Ragnhild Nordmann", "period": "oktober 2026",
                                            "amount": "1 234,50", "due_date": "20.11.2026",
                                            "invoice_number": f"{10_000_000 + n}"}})
                sent = loop.time()
                async with session.post(url, data=body, headers={
                        **headers, "Content-Type": "application/json",
                        "Idempotency-Key": f"{key_prefix}-{n}"}) as response:
                    await response.read()
                    ok = response.status == 201
                now = loop.time()
                if not ok:
                    errors += 1
                elif measure_from <= now < stop_at:
                    done_in_window += 1
                    latencies.append(now - sent)

        async def cpu_window() -> tuple[float, float]:
            await asyncio.sleep(max(0.0, measure_from - loop.time()))
            first = cpu_seconds(server_pid)
            await asyncio.sleep(max(0.0, stop_at - loop.time()))
            return first, cpu_seconds(server_pid)

        window = asyncio.ensure_future(cpu_window())
        await asyncio.gather(*(client() for _ in range(clients)))
        cpu_first, cpu_last = await window
    latencies.sort()
    pick = (lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000) if latencies else (lambda q: 0.0)
    cpu = cpu_last - cpu_first
    return {"requests": done_in_window, "rate": done_in_window / seconds, "errors": errors,
            "p50_ms": pick(0.5), "p99_ms": pick(0.99), "server_cpu": cpu / seconds,
            "cpu_ms_per_request": cpu * 1000 / done_in_window if done_in_window else 0.0}


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured window per server")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1,
                        help="server processes, the same for the bare handler and the gateway "
                             "(GATEWAY_SERVE_PROCESSES); default: one per core")
    args = parser.parse_args()
    print(f"machine: {machine()}")

    bare_port = free_port()
    print(f"server processes: {args.processes} (bare and gateway alike)")
    with process([PY, str(BENCH / "_bare.py"), str(bare_port), str(args.processes)],
                 ready_url=f"http://127.0.0.1:{bare_port}/healthz") as bare_server:
        bare = await load(f"http://127.0.0.1:{bare_port}/api/v1/messages", {}, ["c"], args.clients,
                          args.seconds, args.warmup, "bare", bare_server.pid)
    print(f"bare aiohttp JSON handler: {bare['rate']:8.0f} req/s  p50 {bare['p50_ms']:.1f} ms  "
          f"p99 {bare['p99_ms']:.1f} ms  errors {bare['errors']}  server CPU {bare['server_cpu']:.0%} "
          f"({bare['cpu_ms_per_request']:.2f} ms/request)")

    genv = GatewayEnv(processes=args.processes).setup()
    with gateway_server(genv) as server:
        async with aiohttp.ClientSession() as session:
            customers = await add_customers(session, genv, args.customers)
        gateway = await load(genv.url + "/api/v1/messages", genv.headers, customers, args.clients,
                             args.seconds, args.warmup, "ingest", server.pid)
    stored = genv.sqlite("SELECT count(*) FROM messages")[0][0]
    outbox = genv.sqlite("SELECT count(*) FROM notifications")[0][0]
    print(f"gateway POST /api/v1/messages: {gateway['rate']:8.0f} req/s  p50 {gateway['p50_ms']:.1f} ms  "
          f"p99 {gateway['p99_ms']:.1f} ms  errors {gateway['errors']}  server CPU {gateway['server_cpu']:.0%} "
          f"({gateway['cpu_ms_per_request']:.2f} ms/request)  (stored {stored} messages, {outbox} outbox rows)")
    ratio = gateway["rate"] / bare["rate"]
    verdict = "PASS" if ratio >= TARGET and gateway["errors"] == 0 else "MISS"
    print(f"ratio gateway/bare: {ratio:.1%} (target >= {TARGET:.0%}) {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
