"""Benchmark: opening a message in Min strømside at 32 concurrent signed-in customers, driven by wrk.

Each request is the whole thing a customer's browser causes: session check (server-side row),
authorisation (the message must be the customer's own), decryption (customer key, data key,
subject, body, attachment names) and rendering the page. The gateway runs as an operator runs it
(`gateway db upgrade`, `gateway keys init`, `gateway api-keys create`, `gateway serve` with its
worker in-process) in its own process(es); wrk (bench/lua/portal.lua) sends each request with one of
the customers' session cookies for that customer's own message, over kept-alive connections. For
comparison, a bare aiohttp handler (one small HTML answer, no middleware) is measured the same way
in the same run: both servers are up, and the load alternates between them in rounds, so a slower
spell of the shared machine does not fall on one side only. Server CPU per request (user + system of
each server's process tree over its measured windows) is printed for both.

    .venv/bin/python bench/portal_open.py [--seconds 12] [--rounds 3] [--database-url URL] [--code PATH]

Targets (issue 4): p99 <= 25 ms (the worst round's p99), and >= 30 % of the bare handler's request
rate, each with a 10 % margin (bench/README.md); exits 1 on a miss.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _wrk
from _common import (
    MARGIN,
    Code,
    add_code_option,
    at_least,
    at_most,
    bare_server,
    code_from,
    cpu_bound,
    free_port,
    load_average,
    machine,
    process,
    summary,
)

PDF = b"%PDF-1.4\n" + b"x" * 2000 + b"\n%%EOF\n"
RATIO_TARGET = 0.30  # of the bare handler's request rate (issue 4)
P99_TARGET_MS = 25.0
COOKIE = "portal_session"


def gateway_cli(code: Code, env: dict[str, str], *args: str) -> str:
    result = subprocess.run([code.python, "-m", "gateway", *args], env=env, cwd=code.root, capture_output=True,
                            text=True, timeout=120)
    if result.returncode != 0:
        raise SystemExit(f"gateway {' '.join(args)} failed: {result.stderr[-2000:]}")
    return result.stdout


async def setup_portal(base: str, token: str, n: int) -> list[tuple[str, str]]:
    """n customers, each with a message (and an attachment), signed in with the development form.
    Returns (path of the customer's message, Cookie header) per customer."""
    pairs: list[tuple[str, str]] = []
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        auth = {"Authorization": f"Bearer {token}"}
        for i in range(n):
            cid = f"bench-{i:03d}"
            async with http.put(f"{base}/api/v1/customers/{cid}", headers=auth, json={
                    "email": f"{cid}@example.no", "name": f"Kunde {i}", "language": "nb"}) as resp:
                assert resp.status in (200, 201), await resp.text()
            async with http.post(f"{base}/api/v1/messages", headers={**auth, "Idempotency-Key": f"k-{i}"}, json={
                    "customer_id": cid, "category": "invoice", "subject": f"Faktura for oktober ({i})",
                    "body": "Beløpet er 1 234,50 kr og trekkes 20. november.\n" * 20,
                    "attachments": [{"filename": "faktura.pdf", "content_type": "application/pdf",
                                     "content_base64": base64.b64encode(PDF).decode()}]}) as resp:
                assert resp.status == 201, await resp.text()
                message_id = (await resp.json())["id"]
            async with http.get(f"{base}/portal/login") as resp:
                page = await resp.text()
                cookie = resp.cookies[COOKIE].value
            match = re.search(r'name="csrf_token" value="([^"]+)"', page)
            assert match, "no csrf_token on the login page"
            async with http.post(f"{base}/portal/login/dev", data={"csrf_token": match.group(1), "customer_id": cid},
                                 headers={"Cookie": f"{COOKIE}={cookie}"}, allow_redirects=False) as resp:
                assert resp.status == 303, resp.status
                cookie = resp.cookies[COOKIE].value
            pairs.append((f"/portal/messages/{message_id}", f"{COOKIE}={cookie}"))
    return pairs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=12.0, help="measured time per server, over all rounds")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternate the two servers this many times, so that neither is measured only "
                             "while the shared machine is slower")
    parser.add_argument("--warmup", type=float, default=4.0, help="unmeasured seconds per server before the rounds")
    parser.add_argument("--concurrency", type=int, default=32, help="wrk connections (one customer each)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1,
                        help="server processes, the same for the bare handler and the gateway "
                             "(GATEWAY_SERVE_PROCESSES); default: one per core")
    add_code_option(parser)
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    code = code_from(args)
    _wrk.ensure_wrk()
    window = args.seconds / args.rounds
    backend = "PostgreSQL" if args.database_url and "postgres" in args.database_url else "SQLite"
    print(f"machine: {machine()}", flush=True)
    print(f"code: {code.label} (python {code.python}); {backend}; wrk {args.concurrency} connections, "
          f"{args.threads} thread(s); {args.warmup:g} s warm-up, then {args.rounds} round(s) of {window:g} s "
          f"per server; {args.processes} server process(es) for both")

    portal: list[_wrk.Run] = []
    bare: list[_wrk.Run] = []
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "GATEWAY_ENV": "development", "GATEWAY_PORT": str(port), "GATEWAY_HOST": "127.0.0.1",
               "GATEWAY_PUBLIC_URL": base, "GATEWAY_DATABASE_URL": args.database_url or f"sqlite:///{tmp}/gw.db",
               "GATEWAY_KEYS_DIR": f"{tmp}/keys", "GATEWAY_TEMPLATES_DIR": str(code.root / "templates"),
               "GATEWAY_SMTP_PORT": str(free_port()), "GATEWAY_LOG_LEVEL": "WARNING",
               "GATEWAY_RETRY_BASE_SECONDS": "3600", "GATEWAY_SERVE_PROCESSES": str(args.processes),
               "PYTHONPATH": str(code.root)}
        gateway_cli(code, env, "db", "upgrade")
        gateway_cli(code, env, "keys", "init")
        token = gateway_cli(code, env, "api-keys", "create", "--name", "bench", "--scopes",
                            "customers:write,messages:write,messages:read").strip().splitlines()[-1]
        bare_port = free_port()
        requests_file = Path(tmp) / "portal-requests.txt"
        bare_file = Path(tmp) / "bare-requests.txt"
        bare_file.write_text("/bare -\n")
        with process([code.python, "-m", "gateway", "serve"], env=env, cwd=code.root,
                     ready_url=f"{base}/healthz") as server, bare_server(code, bare_port, args.processes) as bare_proc:
            pairs = asyncio.run(setup_portal(base, token, args.concurrency))
            requests_file.write_text("".join(f"{path} {cookie}\n" for path, cookie in pairs))
            sides = ((base, requests_file, server.pid, portal),
                     (f"http://127.0.0.1:{bare_port}", bare_file, bare_proc.pid, bare))
            for url, file, pid, _ in sides:
                _wrk.run(url, "portal.lua", [str(file)], seconds=args.warmup, connections=args.concurrency,
                         threads=args.threads, server_pid=pid)
            for _ in range(args.rounds):
                for url, file, pid, runs in sides:
                    runs.append(_wrk.run(url, "portal.lua", [str(file)], seconds=window,
                                         connections=args.concurrency, threads=args.threads, server_pid=pid))

    p, b = _wrk.combine(portal), _wrk.combine(bare)
    print(_wrk.line("portal open ", p))
    print(_wrk.line("bare aiohttp", b))
    print("ratio per round: " + ", ".join(f"{x.rate / y.rate:.1%}" for x, y in zip(portal, bare, strict=True)))
    print(f"load average at end: {load_average()}")
    ratio = p.rate / b.rate if b.rate else 0.0
    ratio_verdict = at_least(ratio, RATIO_TARGET) if p.errors == 0 else "MISS (errors)"
    p99_verdict = at_most(p.p99_ms, P99_TARGET_MS)
    ok = ratio_verdict == p99_verdict == "PASS"
    print(f"ratio portal/bare: {ratio:.1%} (target >= {RATIO_TARGET:.0%}, pass from "
          f"{RATIO_TARGET * (1 + MARGIN):.0%}): {ratio_verdict}; p99 {p.p99_ms:.1f} ms "
          f"(target <= {P99_TARGET_MS:g} ms, pass to "
          f"{P99_TARGET_MS * (1 - MARGIN):g} ms): {p99_verdict}; server CPU {p.cpu_ms:.3f} ms/request vs bare "
          f"{b.cpu_ms:.3f} ({p.cpu_ms / b.cpu_ms if b.cpu_ms else 0:.1f}x: {cpu_bound(b.cpu_ms, p.cpu_ms)})  "
          f"{'PASS' if ok else 'MISS'}")
    summary("portal_open" + ("" if backend == "SQLite" else f" ({backend})"), code, "PASS" if ok else "MISS",
            f"{p.rate:.0f} opens/s = {ratio:.1%} of bare {b.rate:.0f}, p99 {p.p99_ms:.1f} ms, "
            f"CPU {p.cpu_ms:.3f} vs {b.cpu_ms:.3f} ms/req ({cpu_bound(b.cpu_ms, p.cpu_ms)})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
