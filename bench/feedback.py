"""Benchmark (issue 14): delivery feedback.

1. Status callbacks: N events queued (one API key with a callback URL, N/2 messages with two events
   each), then `gateway worker` (its own process, with the callback dispatcher) delivers them to a
   receiver in its own process (bench/_receiver.py, aiohttp, 204 to every POST). Rate = events per
   second between the receiver's first and last request. Target >= 1,000 events/s.
2. Inbound DSNs: N notifications `sent` with their bounce tokens, then `gateway inbound` (its own
   process) receives N RFC 3464 reports over SMTP from --connections reused connections; each is
   answered 250 only after its transaction (notification `bounced`, hard-bounce count, audit entry,
   callback event) committed. Rate = reports per second, first to last. Target >= 500/s.

    .venv/bin/python bench/feedback.py [--events 10000] [--dsns 3000] [--connections 8]
        [--inbound-processes 1] [--only callbacks|dsns] [--code PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import socket
import sys
import time
from pathlib import Path

import aiohttp
import aiosmtplib

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    BENCH,
    PY,
    Code,
    GatewayEnv,
    add_code_option,
    at_least,
    bulk_customers,
    code_from,
    cpu_bound,
    cpu_seconds,
    free_port,
    load_average,
    machine,
    process,
    summary,
    tree,
)

CALLBACK_TARGET, DSN_TARGET = 1000.0, 500.0


def queue_rows(genv: GatewayEnv, customers: list[str], messages: int, *, events: int = 0, client: str = "bench",
               url: str = "") -> list[str]:
    """Set-up (not timed): messages with sent notifications (with bounce tokens), and optionally a
    callback URL with `events` pending events over those messages, straight into the database."""
    from sqlalchemy import create_engine

    from gateway.ids import new_id
    from gateway.storage.schema import callback_events, callbacks, notifications
    from gateway.storage.schema import messages as messages_table
    from gateway.storage.types import utcnow

    now = utcnow()
    ids = [new_id() for _ in range(messages)]
    tokens = [secrets.token_hex(16) for _ in range(messages)]
    engine = create_engine(f"sqlite:///{genv.db_path}")
    try:
        with engine.begin() as conn:
            conn.execute(messages_table.insert(), [
                {"id": m, "customer_id": customers[n % len(customers)], "client_id": client, "category": "invoice",
                 "sensitivity": "normal", "auth_level": "substantial", "created_at": now} for n, m in enumerate(ids)])
            conn.execute(notifications.insert(), [
                {"id": new_id(), "message_id": m, "customer_id": customers[n % len(customers)], "status": "sent",
                 "attempts": 1, "next_attempt_at": now, "created_at": now, "sent_at": now, "bounce_token": t}
                for n, (m, t) in enumerate(zip(ids, tokens, strict=True))])
            if events:
                conn.execute(callbacks.insert().values(client_id=client, url=url, secret_nonce=secrets.token_hex(16),
                                                       created_at=now, updated_at=now))
                conn.execute(callback_events.insert(), [
                    {"id": "evt_" + new_id(), "client_id": client, "message_id": ids[n % messages],
                     "type": "sent" if n < messages else "read", "occurred_at": now, "status": "pending",
                     "attempts": 0, "next_attempt_at": now} for n in range(events)])
    finally:
        engine.dispose()
    return tokens


async def callbacks_bench(code: Code, count: int) -> tuple[bool, str]:
    receiver_port = free_port()
    genv = GatewayEnv(code, GATEWAY_SEND_RATE_PER_SECOND="1000000").setup()
    customers = bulk_customers(genv, 100)
    queue_rows(genv, customers, count // 2, events=count, url=f"http://127.0.0.1:{receiver_port}/hook")
    genv.env["GATEWAY_LOG_LEVEL"] = "WARNING"
    stats_file = genv.dir / "receiver-stats.json"
    url = f"http://127.0.0.1:{receiver_port}"
    with process([PY, str(BENCH / "_receiver.py"), str(receiver_port), str(stats_file)], ready_file=stats_file):
        baseline = await raw_posts(url, count, 16)
        print(f"baseline: raw aiohttp POSTs of a same-sized body, same concurrency, to the same receiver: "
              f"{baseline:.0f} requests/s")
        started = time.perf_counter()
        with process([code.python, "-m", "gateway", "worker"], env=genv.env, cwd=genv.dir) as worker:
            delivered = 0
            while time.perf_counter() - started < 300:
                delivered = genv.sqlite("SELECT count(*) FROM callback_events WHERE status = 'delivered'")[0][0]
                if delivered >= count:
                    break
                await asyncio.sleep(0.1)
            worker_cpu = cpu_seconds(worker.pid)
        stats = await receiver_stats(url)
    span = stats["last"] - stats["first"]
    rate = (stats["count"] - 1) / span if span > 0 else 0.0
    verdict = at_least(rate, CALLBACK_TARGET) if delivered >= count else "MISS (not all delivered)"
    print(f"callbacks: {delivered}/{count} delivered, receiver got {stats['count']} requests; "
          f"{rate:.0f} events/s first to last ({rate / baseline:.0%} of the baseline); worker CPU "
          f"{worker_cpu / max(1, count) * 1e6:.0f} µs/event (with start-up); target >= {CALLBACK_TARGET:.0f}/s "
          f"{verdict}")
    return verdict == "PASS", f"callbacks {rate:.0f}/s ({rate / baseline:.0%} of raw) {verdict}"


async def receiver_stats(url: str) -> dict[str, float]:
    """The receiver's count and first/last times, read from its stats file after asking for them."""
    async with aiohttp.ClientSession() as session, session.get(url + "/stats") as response:
        return dict(await response.json())


async def raw_posts(url: str, count: int, concurrency: int) -> float:
    """The same number of POSTs, signed-size JSON bodies, from one aiohttp session: requests/s."""
    body = json.dumps({"type": "message.sent", "timestamp": "2026-12-07T00:00:00Z",
                       "data": {"message_id": "x" * 22, "status": "sent", "occurred_at": "2026-12-07T00:00:00Z"}})
    headers = {"content-type": "application/json", "webhook-id": "evt_" + "x" * 22, "webhook-timestamp": "1",
               "webhook-signature": "v1," + "x" * 44}
    await receiver_stats(url)  # a new count
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        async def post() -> None:
            async with session.post(url + "/hook", data=body, headers=headers) as response:
                await response.read()

        started = time.perf_counter()
        for start in range(0, count, 200):
            await asyncio.gather(*(post() for _ in range(min(200, count - start))))
        elapsed = time.perf_counter() - started
    assert (await receiver_stats(url))["count"] == count
    return count / elapsed


def report(bounce_address: str) -> bytes:
    return (f"From: MAILER-DAEMON@mx.example.no\r\nTo: {bounce_address}\r\nSubject: Undelivered Mail\r\n"
            "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
            "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\r\n"
            "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.no\r\n\r\n"
            "Final-Recipient: rfc822; someone@example.no\r\nAction: failed\r\nStatus: 5.1.1\r\n"
            "Diagnostic-Code: smtp; 550 5.1.1 <someone@example.no>: User unknown\r\n\r\n--B--\r\n").encode()


async def send_reports(port: int, addresses: list[str], connections: int) -> tuple[float, float]:
    """Every report over `connections` reused connections: (seconds, this client's CPU seconds)."""
    queue = iter(addresses)

    async def lane() -> None:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=60)
        await client.connect()
        for address in queue:
            await client.sendmail("", [address], report(address))
        await client.quit()

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(lane() for _ in range(connections)))
    return time.perf_counter() - started, time.process_time() - cpu


async def wait_listening(port: int, pid: int, processes: int) -> None:
    """Until the port answers, every copy has started (GATEWAY_INBOUND_PROCESSES) and the process
    tree is idle: the first copy listens while the others may still be starting, and their
    start-up (imports, keys, the guard) must not be counted as the reports' CPU."""
    for _ in range(1200):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0 and len(tree(pid)) >= (processes + 1 if processes > 1 else 1):
                break
        await asyncio.sleep(0.05)
    for _ in range(60):
        before = cpu_seconds(pid)
        await asyncio.sleep(0.5)
        if cpu_seconds(pid) - before < 0.02:
            return


async def dsn_bench(code: Code, count: int, connections: int, processes: int) -> tuple[bool, str]:
    """`gateway inbound` (GATEWAY_INBOUND_PROCESSES=processes), then the bare aiosmtpd sink of
    bench/_sink.py (counts, stores nothing) as the baseline: the same reports from the same client."""
    inbound_port, sink_port = free_port(), free_port()
    genv = GatewayEnv(code, GATEWAY_INBOUND_PORT=str(inbound_port), GATEWAY_INBOUND_PROCESSES=str(processes)).setup()
    customers = bulk_customers(genv, 1000)
    tokens = queue_rows(genv, customers, count)
    addresses = [f"bounce+{t}@kraft.example.no" for t in tokens]
    with process([code.python, "-m", "gateway", "inbound"], env=genv.env, cwd=genv.dir) as inbound:
        await wait_listening(inbound_port, inbound.pid, processes)
        cpu_before = cpu_seconds(inbound.pid)
        elapsed, client_cpu = await send_reports(inbound_port, addresses, connections)
        inbound_cpu = cpu_seconds(inbound.pid) - cpu_before
    bounced = genv.sqlite("SELECT count(*) FROM notifications WHERE status = 'bounced'")[0][0]
    stats_file = genv.dir / "dsn-sink-stats.json"
    with process([PY, str(BENCH / "_sink.py"), str(sink_port), str(stats_file)], ready_file=stats_file) as sink:
        sink_before = cpu_seconds(sink.pid)
        bare_elapsed, bare_client_cpu = await send_reports(sink_port, addresses, connections)
        sink_cpu = cpu_seconds(sink.pid) - sink_before
    rate, bare = count / elapsed, count / bare_elapsed
    per, bare_per = inbound_cpu / count * 1e6, sink_cpu / count * 1e6
    verdict = at_least(rate, DSN_TARGET) if bounced == count else f"MISS ({bounced} of {count} recorded)"
    print(f"baseline: bare aiosmtpd (bench/_sink.py, counts only), same reports and client: {bare:.0f} reports/s, "
          f"sink CPU {bare_per:.0f} µs/report, client CPU {bare_client_cpu / count * 1e6:.0f} µs/report")
    print(f"inbound DSNs: `gateway inbound` with {processes} process(es): {count} reports over {connections} "
          f"connections in {elapsed:.2f} s: {rate:.0f}/s ({rate / bare:.0%} of bare aiosmtpd); {bounced} "
          f"notifications bounced; inbound CPU {per:.0f} µs/report ({cpu_bound(bare_per, per)}), client CPU "
          f"{client_cpu / count * 1e6:.0f} µs/report; target >= {DSN_TARGET:.0f}/s (pass from "
          f"{DSN_TARGET * 1.1:.0f}/s) {verdict}")
    return verdict == "PASS", f"inbound DSNs {rate:.0f}/s ({processes} proc; {rate / bare:.0%} of bare) {verdict}"


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10000)
    parser.add_argument("--dsns", type=int, default=3000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--inbound-processes", type=int, default=1, help="GATEWAY_INBOUND_PROCESSES (default 1)")
    parser.add_argument("--only", choices=("callbacks", "dsns"), default=None)
    add_code_option(parser)
    args = parser.parse_args()
    code = code_from(args)
    print(f"machine: {machine()}")
    print(f"code: {code.label} (python {code.python})")
    results: list[tuple[bool, str]] = []
    if args.only != "dsns":
        results.append(await callbacks_bench(code, args.events))
    if args.only != "callbacks":
        results.append(await dsn_bench(code, args.dsns, args.connections, args.inbound_processes))
    print(f"load average at end: {load_average()}")
    ok = all(passed for passed, _ in results)
    summary("feedback", code, "PASS" if ok else "MISS", "; ".join(text for _, text in results))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
