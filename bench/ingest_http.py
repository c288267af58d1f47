"""Benchmark 1: single-message ingest over HTTP, driven by wrk, vs a bare aiohttp JSON handler.

Three servers, each in its own process(es) on loopback with --processes copies (default one per
core), measured one after the other in the same run with the same wrk script (bench/lua/ingest.lua:
POST /api/v1/messages, template `invoice_ready` with data, a unique Idempotency-Key and invoice
number per request, customers spread over --customers), --connections kept-alive connections:

1. bare: bench/_bare.py, an aiohttp handler that parses the JSON and answers 201 {"id", "status"};
   measured before and after the gateway (the baseline is their mean, so a drift of the shared
   machine falls on both sides);
2. ingest alone: bench/_serve.py, `gateway serve` with its in-process outbox worker off;
3. `gateway serve` as users run it: the outbox worker in-process, sending (at its default rate) to a
   local SMTP sink (bench/_sink.py) while ingest runs.

SQLite in WAL mode with synchronous=FULL (the default), a fresh database for each gateway side.
Printed for each side: rate, latency, and server CPU per request (user + system of the server's
process tree over the measured window, from /proc), which moves much less than a rate on a shared
machine. Target: each gateway side >= 20 % of the bare rate, with a 10 % margin (bench/README.md).

    .venv/bin/python bench/ingest_http.py [--seconds 10] [--code PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _wrk
from _common import (
    BENCH,
    MARGIN,
    PY,
    GatewayEnv,
    add_code_option,
    add_customers,
    at_least,
    bare_server,
    code_from,
    cpu_bound,
    free_port,
    gateway_server,
    load_average,
    machine,
    process,
    summary,
)

TARGET = 0.20


def measure(url: str, pid: int, args: argparse.Namespace, label: str, token: str = "-") -> _wrk.Run:
    """A warm-up (not measured), then the measured wrk run."""
    common = {"connections": args.connections, "threads": args.threads, "server_pid": pid}
    _wrk.run(url, "ingest.lua", [f"{label}w", str(args.customers), token], seconds=args.warmup, **common)
    return _wrk.run(url, "ingest.lua", [label, str(args.customers), token], seconds=args.seconds, **common)


async def api_customers(genv: GatewayEnv, count: int) -> None:
    async with aiohttp.ClientSession() as session:
        await add_customers(session, genv, count)


def gateway_side(args: argparse.Namespace, code, worker: bool) -> tuple[_wrk.Run, str]:  # type: ignore[no-untyped-def]
    sink_port = free_port()
    genv = GatewayEnv(code, smtp_port=sink_port, processes=args.processes).setup()
    stats = genv.dir / "sink-stats.json"
    with process([PY, str(BENCH / "_sink.py"), str(sink_port), str(stats)], ready_file=stats), \
            gateway_server(genv, worker=worker) as server:
        asyncio.run(api_customers(genv, args.customers))
        run = measure(genv.url + "/api/v1/messages", server.pid, args, "w" if worker else "i", genv.token)
    stored = genv.sqlite("SELECT count(*) FROM messages")[0][0]
    states = dict(genv.sqlite("SELECT status, count(*) FROM notifications GROUP BY status"))
    return run, f"stored {stored} messages; outbox {states}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured window per server")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds per server first")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1,
                        help="server processes, the same for the bare handler and the gateway "
                             "(GATEWAY_SERVE_PROCESSES); default: one per core")
    add_code_option(parser)
    args = parser.parse_args()
    code = code_from(args)
    _wrk.ensure_wrk()
    print(f"machine: {machine()}")
    print(f"code: {code.label} (python {code.python})")
    print(f"wrk: {args.connections} connections, {args.threads} thread(s), {args.warmup:g} s warm-up + "
          f"{args.seconds:g} s measured per server; server processes: {args.processes} for every side")

    bare_port = free_port()
    bare_url = f"http://127.0.0.1:{bare_port}/api/v1/messages"
    with bare_server(code, bare_port, args.processes) as bare_proc:
        bare_before = measure(bare_url, bare_proc.pid, args, "b1")
        print(_wrk.line("bare aiohttp (before)       ", bare_before), flush=True)
        ingest, ingest_note = gateway_side(args, code, worker=False)
        print(_wrk.line("gateway, ingest alone       ", ingest) + f"  ({ingest_note})", flush=True)
        serve, serve_note = gateway_side(args, code, worker=True)
        print(_wrk.line("gateway serve (with worker) ", serve) + f"  ({serve_note})", flush=True)
        bare_after = measure(bare_url, bare_proc.pid, args, "b2")
        print(_wrk.line("bare aiohttp (after)        ", bare_after), flush=True)
    bare = _wrk.combine([bare_before, bare_after])
    print(f"load average at end: {load_average()}")

    verdicts = []
    figures = []
    for name, side in (("ingest alone", ingest), ("serve with worker", serve)):
        ratio = side.rate / bare.rate if bare.rate else 0.0
        verdict = at_least(ratio, TARGET) if side.errors == 0 else "MISS (errors)"
        verdicts.append(verdict)
        print(f"ratio {name}/bare: {ratio:.1%} (target >= {TARGET:.0%}, pass from {TARGET * (1 + MARGIN):.0%}) "
              f"{verdict}; server CPU {side.cpu_ms:.3f} ms/request vs bare {bare.cpu_ms:.3f} "
              f"({side.cpu_ms / bare.cpu_ms if bare.cpu_ms else 0:.1f}x: {cpu_bound(bare.cpu_ms, side.cpu_ms)})")
        figures.append(f"{name} {side.rate:.0f} req/s = {ratio:.1%} of bare {bare.rate:.0f}, "
                       f"CPU {side.cpu_ms:.3f} vs {bare.cpu_ms:.3f} ms/req "
                       f"({cpu_bound(bare.cpu_ms, side.cpu_ms)}), p99 {side.p99_ms:.0f} ms")
    ok = all(v == "PASS" for v in verdicts)
    summary("ingest_http", code, "PASS" if ok else "MISS", "; ".join(figures))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
