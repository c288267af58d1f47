"""Benchmark 3: notification sending by the real worker vs raw aiosmtplib, same sink, same connections.

The sink is aiosmtpd in its own process (bench/_sink.py), on loopback. In the same run:

1. baseline: raw aiosmtplib, --connections SMTP connections opened once and reused, each sending its
   share of N ready-made e-mails (the same notification e-mails the gateway builds: rendered with the
   gateway's templates, multipart text+HTML, built before the clock starts);
2. the real worker: N notifications ingested through the API beforehand, then `gateway worker` (the
   CLI, its own process) claims, decrypts the address, renders, re-checks with the guard, builds and
   sends them over its SmtpPool of the same --connections connections, and records each result.

Rate = mails accepted by the sink per second between its first and last mail (the same clock for both,
so process start-up is not counted); the worker's wall time from process start to the last
notification recorded `sent` is printed too. GATEWAY_SEND_RATE_PER_SECOND is set far above the
throughput measured (the default 200/s is a production throttle towards the relay, not a speed).
Target: worker >= 70 % of raw. BENCH_PROFILE_WORKER=out.prof runs the worker under cProfile.

    .venv/bin/python bench/sending.py [--messages 5000] [--connections 4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import aiosmtplib

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (BENCH, PY, GatewayEnv, bulk_customers, cpu_seconds, free_port, gateway_server, invoice_item,
                     machine, process)

TARGET = 0.70
OSLO = ZoneInfo("Europe/Oslo")


async def ingest(genv: GatewayEnv, customers: list[str], count: int) -> None:
    headers = {**genv.headers, "Content-Type": "application/json"}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as session:
        for start in range(0, count, 1000):
            body = json.dumps({"messages": [invoice_item(customers[n % len(customers)], n, "send")
                                            for n in range(start, min(start + 1000, count))]})
            async with session.post(genv.url + "/api/v1/messages/batch", data=body, headers=headers) as response:
                results = (await response.json())["results"]
                if response.status != 200 or any("error" in r for r in results):
                    raise RuntimeError(f"ingest failed: {response.status} {str(results)[:300]}")


def sample_emails(genv: GatewayEnv, count: int) -> list:  # type: ignore[type-arg]
    """The e-mails the worker would build for these notifications, built by the gateway's own code."""
    from gateway.ids import new_id
    from gateway.delivery.notification import NotificationRenderer, build_email

    env = genv.env
    renderer = NotificationRenderer(Path(env["GATEWAY_TEMPLATES_DIR"]), public_url=env["GATEWAY_PUBLIC_URL"],
                                    company_name="Eksempel Kraft AS")
    now = datetime.now(OSLO)
    emails = []
    for n in range(count):
        rendered = renderer.render(language="nb", message_id=new_id(), category="invoice", sensitive=False,
                                   sent_at=now)
        emails.append(build_email(rendered, to=f"cust-{n:06d}@example.no", mail_from=env["GATEWAY_MAIL_FROM"],
                                  notification_id=new_id(), language="nb", date=now))
    return emails


async def raw_send(port: int, emails: list, connections: int) -> float:  # type: ignore[type-arg]
    clients = [aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=30) for _ in range(connections)]
    for client in clients:
        await client.connect()
    queue = iter(emails)
    started = time.perf_counter()

    async def run(client: aiosmtplib.SMTP) -> None:
        for message in queue:
            await client.sendmail(message.sender, [message.recipient], message.data)

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


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--connections", type=int, default=4, help="GATEWAY_SMTP_CONNECTIONS (default 4)")
    parser.add_argument("--timeout", type=float, default=300.0, help="give up waiting for the worker")
    args = parser.parse_args()
    print(f"machine: {machine()}")

    sink_port = free_port()
    genv = GatewayEnv(smtp_port=sink_port, GATEWAY_SMTP_CONNECTIONS=str(args.connections),
                      GATEWAY_SEND_RATE_PER_SECOND="1000000").setup()
    customers = bulk_customers(genv, min(args.messages, 2000))
    with gateway_server(genv):
        await ingest(genv, customers, args.messages)
    print(f"set-up: {args.messages} notifications queued through the API (not timed)")
    emails = sample_emails(genv, args.messages)
    size = sum(len(m.data) for m in emails[:50]) / 50

    stats_file = genv.dir / "sink-stats.json"
    with process([PY, str(BENCH / "_sink.py"), str(sink_port), str(stats_file)], ready_file=stats_file) as sink:
        sink_cpu, own_cpu = cpu_seconds(sink.pid), time.process_time()
        raw_elapsed = await raw_send(sink_port, emails, args.connections)
        raw_cpu = time.process_time() - own_cpu
        raw = await sink_stats(sink_port, stats_file)
        raw_sink_cpu = cpu_seconds(sink.pid) - sink_cpu
        print(f"raw aiosmtplib, {args.connections} reused connections: {raw['count']} mails "
              f"(~{size / 1024:.1f} KiB each) in {raw_elapsed:.2f} s; sink rate {rate(raw):.0f} mails/s; "
              f"{seconds(raw)}; CPU per mail: sender {per_mail(raw_cpu, raw)}, sink {per_mail(raw_sink_cpu, raw)}")

        started = time.perf_counter()
        sent = 0
        profile = os.environ.get("BENCH_PROFILE_WORKER")
        command = [PY, str(BENCH / "_profile.py"), profile, "-m", "gateway", "worker"] if profile else \
            [PY, "-m", "gateway", "worker"]
        sink_cpu = cpu_seconds(sink.pid)
        with process(command, env=genv.env, cwd=genv.dir) as proc:
            deadline = started + args.timeout
            while time.perf_counter() < deadline:
                sent = genv.sqlite("SELECT count(*) FROM notifications WHERE status = 'sent'")[0][0]
                if sent >= args.messages:
                    break
                await asyncio.sleep(0.1)
            wall = time.perf_counter() - started
            worker_cpu = cpu_seconds(proc.pid)  # start-up (imports, key loading) included
        worker = await sink_stats(sink_port, stats_file)
        worker_sink_cpu = cpu_seconds(sink.pid) - sink_cpu
    statuses = dict(genv.sqlite("SELECT status, count(*) FROM notifications GROUP BY status"))
    print(f"gateway worker (`gateway worker` process, SmtpPool of {args.connections}): {worker['count']} mails; "
          f"sink rate {rate(worker):.0f} mails/s ({seconds(worker)}); {wall:.2f} s from process start to all "
          f"recorded sent; "
          f"CPU per mail: worker {per_mail(worker_cpu, worker)} (with start-up), "
          f"sink {per_mail(worker_sink_cpu, worker)}; outbox {statuses}")
    ratio = rate(worker) / rate(raw) if rate(raw) else 0.0
    complete = sent >= args.messages and worker["count"] == args.messages
    verdict = "PASS" if ratio >= TARGET and complete else "MISS"
    print(f"ratio worker/raw: {ratio:.1%} (target >= {TARGET:.0%}) {verdict}"
          + ("" if complete else f" (only {sent} of {args.messages} sent, {worker['count']} at the sink)"))
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
