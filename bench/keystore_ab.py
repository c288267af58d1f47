"""A/B cost of two checkouts on the ingest and portal paths, per request, in fixed counts (issue 13).

    .venv/bin/python bench/keystore_ab.py [--commit 9e818b0] [--paths ingest,portal] [--rounds 3]
        [--requests 2000] [--warmup N] [--concurrency N] [--callgrind] [--count-sql] [--profile DIR]
        [--a-commit COMMIT] [--time-scale 50] [--tmp DIR]

A is this working tree (or `--a-commit`), B is `--commit` checked out with `git worktree add
--detach` into a temporary directory (removed at the end). For each path and side, one gateway
process (`serve()` with the worker off, GATEWAY_SERVE_PROCESSES=1, SQLite in /dev/shm; this script
re-run as `--serve` under that checkout's PYTHONPATH) is set up once through the checkout's own CLI
and API: 200 customers for ingest; 32 customers signed in with the development form, each with a
message and an attachment, for the portal. Every round starts a fresh copy of that set-up, sends the
warm-up (200 ingest requests: every customer has had one; 64 portal opens: every session touched),
then measures exactly `--requests` requests from an aiohttp client in this process (`--concurrency`
in flight), and stops the server; the sides alternate, A B, B A, ... so that neither is measured
only in a slower spell.

  ingest  POST /api/v1/messages, template invoice_ready + data, a unique Idempotency-Key and invoice
          number per request, customers taken in turn (each customer's next message comes 200
          requests later, as in bench/ingest_http.py)
  portal  GET /portal/messages/{id}, each of the 32 customers opening their own message in turn

What is measured is the server process only, between two signals from the client: SIGUSR1 at the
start of the window, SIGUSR2 at its end. Default: process CPU (user + system of every thread,
`time.process_time()` in the server) per request. `--callgrind`: the server runs under
`valgrind --tool=callgrind` (PYTHONMALLOC=malloc), uninstrumented until `callgrind_control
--instr=on` just before the warm-up; it zeroes its counters when the server calls getpgid() (on
SIGUSR1) and dumps them when it calls getsid() (on SIGUSR2); the figure is instructions per request,
which does not depend on the machine's load. So that timing does not change what is counted, under
callgrind the server's monotonic clock runs `--time-scale` (50) times slower (its timers then fire
per request about as natively) and one request is in flight (each message its own group commit).
One round is enough there. `--count-sql`: SQLite statements per request (every statement any SQLite
connection of the server ran, by database file: data and key store; it adds a callback per
statement, so leave it out of instruction counts to compare). `--profile DIR`: a cProfile
(process-CPU timer, the event loop's thread) of each window, as DIR/<path>-<side>-<round>.prof.

Prints per path and side the figure of each round and their median, and the ratio B/A of the
medians (and A's difference from B in %). Exits 1 if a request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MARK_START, MARK_STOP = "start", "stop"
INVOICE = {"name": "Ragnhild Nordmann", "period": "oktober 2026", "amount": "1 234,50", "due_date": "20.11.2026"}
PDF = b"%PDF-1.4\n" + b"x" * 2000 + b"\n%%EOF\n"
COOKIE = "portal_session"
INGEST_CUSTOMERS = 200
BATCH_ITEMS = 1000  # the batch path: items per POST /api/v1/messages/batch (as bench/billing_run.py)
PORTAL_CUSTOMERS = 32
TOUCH_SECONDS = 30  # a session's last_seen_at is written at most this often (by the wall clock)


# ------------------------------------------------------------------ the server (child) side

def serve_child(marks: Path) -> int:
    """Run the checkout's `serve()` (worker off) with the two window signals installed."""
    import importlib

    scale = float(os.environ.get("AB_TIME_SCALE", "1"))
    if scale != 1:  # before the gateway is imported: its clocks default to time.monotonic
        _slow_monotonic(scale)
    counts = _count_sqlite() if os.environ.get("AB_COUNT_SQL") else None
    profile_to = os.environ.get("AB_PROFILE")
    profiler: Any = None
    started: dict[str, float] = {}

    def start(_sig: int, _frame: Any) -> None:
        nonlocal profiler
        os.getpgid(0)  # callgrind: --zero-before=getpgid
        if counts is not None:
            counts.clear()
            if counts_detail[0] is not None:
                counts_detail[0].clear()
        if profile_to:
            import cProfile

            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
        started["cpu"] = time.process_time()
        (marks / MARK_START).write_text("ok")

    def stop(_sig: int, _frame: Any) -> None:
        cpu = time.process_time() - started["cpu"]
        os.getsid(0)  # callgrind: --dump-before=getsid
        if profiler is not None and profile_to:
            profiler.disable()
            profiler.dump_stats(profile_to)
            if counts_detail[0] is not None:  # the statements of the window, most frequent first
                Path(profile_to).with_suffix(".sql.txt").write_text("".join(
                    f"{n:7d}  {text}\n" for text, n in sorted(counts_detail[0].items(), key=lambda kv: -kv[1])))
        sql = ";".join(f"{name}={n}" for name, n in sorted((counts or {}).items()))
        (marks / MARK_STOP).write_text(f"{cpu!r}\n{sql}\n")

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    settings = importlib.import_module("gateway.settings").Settings.load()
    return int(importlib.import_module("gateway.cli.serve").serve(settings, run_worker=False))


def _slow_monotonic(scale: float) -> None:
    """Let the monotonic clock run `scale` times slower than real time. Under callgrind the server
    runs tens of times slower than natively, so the timers that go by this clock (the event loop's,
    the key caches' lifetimes and erasure polls, the template refresh) would otherwise fire tens of
    times more often per request than they do natively, and cost each side differently."""
    real = time.monotonic
    start = real()

    def monotonic() -> float:
        return start + (real() - start) / scale

    time.monotonic = monotonic


def _count_sqlite() -> dict[str, int]:
    """Count every statement of every SQLite connection opened from now on, by database file name."""
    import sqlite3
    import sqlite3.dbapi2

    counts: dict[str, int] = {}
    detail: dict[str, int] | None = {} if os.environ.get("AB_PROFILE") else None
    real_connect = sqlite3.dbapi2.connect

    def connect(database: Any, *args: Any, **kwargs: Any) -> Any:
        conn = real_connect(database, *args, **kwargs)
        name = Path(str(database).split("?", 1)[0].removeprefix("file:")).name

        def trace(statement: str) -> None:
            counts[name] = counts.get(name, 0) + 1
            if detail is not None:
                text = f"{name}: {_LITERALS.sub('?', ' '.join(statement.split()))[:150]}"
                detail[text] = detail.get(text, 0) + 1

        conn.set_trace_callback(trace)
        return conn

    # SQLAlchemy's pysqlite dialect calls sqlite3.dbapi2.connect, aiosqlite and plain reads sqlite3.connect
    sqlite3.connect = sqlite3.dbapi2.connect = connect
    if detail is not None:
        counts_detail[0] = detail
    return counts


counts_detail: list[dict[str, int] | None] = [None]
_LITERALS = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b|X'[0-9A-Fa-f]*'|(?:\?, )+\?")


# ------------------------------------------------------------------ the client (parent) side

@dataclass
class Side:
    name: str  # "A" or "B"
    root: Path
    label: str
    setups: dict[str, Setup] = field(default_factory=dict)


@dataclass
class Setup:
    dir: Path
    token: str
    portal: list[tuple[str, str]]  # (message path, Cookie header) per customer
    batch_base: int = 0


def batch_offset(prefix: str, n: int) -> int:
    """The batch path's first customer of batch n: warm-up batches (prefix ending in "w") come
    first, the measured ones after them, so no customer has two messages in a round."""
    return n * BATCH_ITEMS if prefix.endswith("w") else (BATCH_WARMUP + n) * BATCH_ITEMS


BATCH_WARMUP = 1  # the batch path's unmeasured batches

@dataclass
class Window:
    cpu_ms: float | None = None
    instructions: float | None = None
    sql: str = ""
    seconds: float = 0.0  # the window's wall time


def env_for(side: Side, data: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env.update({
        "GATEWAY_ENV": "development", "GATEWAY_HOST": "127.0.0.1", "GATEWAY_PORT": str(port),
        "GATEWAY_PUBLIC_URL": f"http://127.0.0.1:{port}", "GATEWAY_DATABASE_URL": f"sqlite:///{data}/gw.db",
        "GATEWAY_KEYS_DIR": str(data / "keys"), "GATEWAY_TEMPLATES_DIR": str(side.root / "templates"),
        "GATEWAY_SMTP_HOST": "127.0.0.1", "GATEWAY_SMTP_PORT": "9", "GATEWAY_LOG_LEVEL": "WARNING",
        "GATEWAY_RETRY_BASE_SECONDS": "3600", "GATEWAY_SERVE_PROCESSES": "1",
        "GATEWAY_SESSION_IDLE_SECONDS": "28800", "PYTHONPATH": str(side.root), "AB_DATA": str(data),
    })
    return env


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli(side: Side, env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "gateway", *args], env=env, cwd=env["AB_DATA"],
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"{side.name}: gateway {' '.join(args)} failed: {done.stderr[-1500:]}")
    return done.stdout


class Server:
    """The checkout's gateway in its own process (optionally under callgrind), stopped on exit."""

    def __init__(self, side: Side, data: Path, *, callgrind: bool = False, count_sql: bool = False,
                 profile: Path | None = None, time_scale: float = 1.0) -> None:
        self.port = free_port()
        self.marks = data / "marks"
        self.marks.mkdir(exist_ok=True)
        self.data = data
        env = env_for(side, data, self.port)
        cmd = [sys.executable, str(Path(__file__).resolve()), "--serve", str(self.marks)]
        if callgrind:
            env["PYTHONMALLOC"] = "malloc"
            # Start-up runs uninstrumented (several times faster); instrument() turns it on before the
            # window, whose counters the server zeroes and dumps itself (serve_child).
            cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--zero-before=getpgid",
                   "--dump-before=getsid", f"--callgrind-out-file={data}/callgrind.%p", *cmd]
        if callgrind:
            env["AB_TIME_SCALE"] = str(time_scale)
        if count_sql:
            env["AB_COUNT_SQL"] = "1"
        if profile is not None:
            env["AB_PROFILE"] = str(profile)
        self.log = (data / "server.log").open("wb")
        self.proc = subprocess.Popen(cmd, env=env, cwd=data, stdout=subprocess.DEVNULL, stderr=self.log)
        self.url = f"http://127.0.0.1:{self.port}"
        self._wait_ready(900 if callgrind else 60)

    def _wait_ready(self, timeout: float) -> None:
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited: {(self.data / 'server.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"server not ready in {timeout} s")

    def instrument(self, url: str, path: str, setup: Setup) -> None:
        """`callgrind_control --instr=on`, which valgrind takes only while the server runs code: a
        trickle of requests (outside the window) keeps it busy until the switch is acknowledged."""
        control = subprocess.Popen(["callgrind_control", "--instr=on", str(self.proc.pid)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 600
        n = 0
        while control.poll() is None:
            if time.monotonic() > deadline:
                control.kill()
                raise SystemExit("callgrind_control --instr=on was not acknowledged")
            asyncio.run(run_requests(url, path, setup, 1, 1, f"instr-{n}"))
            n += 1
        if control.returncode != 0:
            raise SystemExit("callgrind_control --instr=on failed")

    def mark(self, sig: int, name: str, timeout: float = 600) -> str:
        target = self.marks / name
        target.unlink(missing_ok=True)
        self.proc.send_signal(sig)
        deadline = time.monotonic() + timeout
        while not target.exists():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise SystemExit(f"server did not mark {name}")
            time.sleep(0.01)
        time.sleep(0.05)  # the file is written in one call; let it land
        return target.read_text()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(300)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


async def run_requests(url: str, path: str, setup: Setup, count: int, concurrency: int, prefix: str) -> int:
    """Send `count` requests of the path; returns how many failed."""
    import aiohttp

    failures = 0
    numbers = iter(range(count))
    auth = {"Authorization": f"Bearer {setup.token}"}

    async def worker(http: aiohttp.ClientSession) -> None:
        nonlocal failures
        for n in numbers:
            if path == "batch":
                # A batch of the billing run: every item for a customer not yet written to in this
                # round (its key not in any cache), unique idempotency keys and invoice numbers.
                first = setup.batch_base + batch_offset(prefix, n)
                items = [{"customer_id": f"cust-{first + i:06d}", "category": "invoice",
                          "template": "invoice_ready", "idempotency_key": f"{prefix}-{n}-{i}",
                          "data": dict(INVOICE, invoice_number=f"{prefix}-{n}-{i}")} for i in range(BATCH_ITEMS)]
                async with http.post(url + "/api/v1/messages/batch", json={"messages": items},
                                     headers=auth) as response:
                    body = await response.json() if response.status == 200 else {"results": []}
                    failures += response.status != 200 or sum("id" not in r for r in body["results"]) > 0
            elif path == "ingest":
                body = {"customer_id": f"cust-{n % INGEST_CUSTOMERS:06d}", "category": "invoice",
                        "template": "invoice_ready", "data": dict(INVOICE, invoice_number=f"{prefix}-{n}")}
                async with http.post(url + "/api/v1/messages", json=body,
                                     headers={**auth, "Idempotency-Key": f"{prefix}-{n}"}) as response:
                    await response.read()
                    failures += response.status != 201
            else:
                message, cookie = setup.portal[n % len(setup.portal)]
                async with http.get(url + message, headers={"Cookie": cookie}) as response:
                    await response.read()
                    failures += response.status != 200

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar()) as http:
        await asyncio.gather(*(worker(http) for _ in range(concurrency)))
    return failures


async def set_up_data(url: str, path: str, token: str) -> list[tuple[str, str]]:
    """Customers through the API (and, for the portal, a message each and a signed-in session)."""
    import base64
    import re

    import aiohttp

    auth = {"Authorization": f"Bearer {token}"}
    pairs: list[tuple[str, str]] = []
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        count = INGEST_CUSTOMERS if path == "ingest" else PORTAL_CUSTOMERS
        for i in range(count):
            cid = f"cust-{i:06d}"
            async with http.put(f"{url}/api/v1/customers/{cid}", headers=auth, json={
                    "email": f"{cid}@example.no", "name": "Ragnhild Nordmann", "language": "nb"}) as response:
                assert response.status in (200, 201), await response.text()
            if path != "portal":
                continue
            async with http.post(f"{url}/api/v1/messages", headers={**auth, "Idempotency-Key": f"set-up-{i}"}, json={
                    "customer_id": cid, "category": "invoice", "subject": f"Faktura for oktober ({i})",
                    "body": "Beløpet er 1 234,50 kr og trekkes 20. november.\n" * 20,
                    "attachments": [{"filename": "faktura.pdf", "content_type": "application/pdf",
                                     "content_base64": base64.b64encode(PDF).decode()}]}) as response:
                assert response.status == 201, await response.text()
                message_id = (await response.json())["id"]
            async with http.get(f"{url}/portal/login") as response:
                page = await response.text()
                cookie = response.cookies[COOKIE].value
            match = re.search(r'name="csrf_token" value="([^"]+)"', page)
            assert match, "no csrf_token on the sign-in page"
            async with http.post(f"{url}/portal/login/dev", data={"csrf_token": match.group(1), "customer_id": cid},
                                 headers={"Cookie": f"{COOKIE}={cookie}"}, allow_redirects=False) as response:
                assert response.status == 303, response.status
                cookie = response.cookies[COOKIE].value
            pairs.append((f"/portal/messages/{message_id}", f"{COOKIE}={cookie}"))
    return pairs


def set_up(side: Side, path: str, work: Path, batches: int = 0) -> Setup:
    data = work / f"setup-{path}-{side.name}"
    data.mkdir()
    env = env_for(side, data, 0)
    cli(side, env, "db", "upgrade")
    cli(side, env, "keys", "init")
    token = cli(side, env, "api-keys", "create", "--name", "ab", "--scopes",
                "customers:write,messages:write,messages:read").strip().splitlines()[-1]
    if path == "batch":  # the billing run's customers, made in bulk by the checkout's own code
        count = (BATCH_WARMUP + batches) * BATCH_ITEMS
        done = subprocess.run([sys.executable, str(ROOT / "bench" / "_customers.py"), str(data / "keys"),
                               str(data / "gw.db"), str(count), "nb"], env=env, cwd=data,
                              capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            raise SystemExit(f"{side.name}: bulk customers failed: {done.stderr[-1500:]}")
        return Setup(data, token, [])
    server = Server(side, data)
    try:
        pairs = asyncio.run(set_up_data(server.url, path, token))
    finally:
        server.stop()
    shutil.rmtree(data / "marks", ignore_errors=True)
    (data / "server.log").unlink(missing_ok=True)
    return Setup(data, token, pairs)


def measure(side: Side, path: str, work: Path, round_no: int, args: argparse.Namespace) -> Window:
    setup = side.setups[path]
    if path == "batch":  # one batch, always: the process's first batch (imports, statements) is not counted
        warmup = BATCH_WARMUP
    else:
        warmup = args.warmup if args.warmup is not None else (INGEST_CUSTOMERS if path == "ingest" else 64)
    count = args.batches if path == "batch" else args.requests
    per = count * BATCH_ITEMS if path == "batch" else count  # the figure is per message on the batch path
    data = work / f"run-{path}-{side.name}-{round_no}"
    shutil.copytree(setup.dir, data)  # a fresh copy: every round starts from the same state
    profile = args.profile / f"{path}-{side.name}-{round_no}.prof" if args.profile else None
    server = Server(side, data, callgrind=args.callgrind, count_sql=args.count_sql, profile=profile,
                    time_scale=args.time_scale)
    prefix = f"r{round_no}{side.name}"
    try:
        if args.callgrind:
            # (the batch path keeps valgrind busy with single messages to customers of the warm-up)
            server.instrument(server.url, "ingest" if path == "batch" else path, setup)
        warm_start = time.monotonic()
        failed = asyncio.run(run_requests(server.url, path, setup, warmup, args.concurrency, prefix + "w"))
        server.mark(signal.SIGUSR1, MARK_START)
        began = time.monotonic()
        failed += asyncio.run(run_requests(server.url, path, setup, count, args.concurrency, prefix))
        wall = time.monotonic() - began
        if path == "portal" and time.monotonic() - warm_start > TOUCH_SECONDS:
            print(f"  note: {side.name} portal round {round_no + 1} ran over {TOUCH_SECONDS} s from the warm-up: "
                  "session touches (by wall clock) may have fallen into the window", flush=True)
        cpu_text, sql = server.mark(signal.SIGUSR2, MARK_STOP).split("\n")[:2]
    finally:
        server.stop()
    if failed:
        raise SystemExit(f"{side.name} {path} round {round_no}: {failed} request(s) failed; see {data}/server.log")
    window = Window(sql=_per_request(sql, per), seconds=wall)
    if args.callgrind:
        window.instructions = _instructions(data) / per
    else:
        window.cpu_ms = float(cpu_text) * 1000 / per
    if args.keep is not None:  # the callgrind dump (callgrind_annotate) and the server's log
        for dump in data.glob("callgrind.*"):
            shutil.copy(dump, args.keep / f"{path}-{side.name}-{round_no}.{dump.name}")
    shutil.rmtree(data, ignore_errors=True)
    return window


def _per_request(sql: str, requests: int) -> str:
    if not sql:
        return ""
    parts = (item.split("=") for item in sql.split(";"))
    return ", ".join(f"{name} {int(n) / requests:.2f}" for name, n in parts)


def _instructions(data: Path) -> float:
    dumps = [p for p in data.glob("callgrind.*") if "Trigger: --dump-before=getsid" in p.read_text(errors="replace")]
    if len(dumps) != 1:
        raise SystemExit(f"expected one callgrind dump of the window in {data}, found {len(dumps)}")
    for line in dumps[0].read_text().splitlines():
        if line.startswith("summary:"):
            return float(line.split()[1])
    raise SystemExit(f"no summary line in {dumps[0]}")


def describe(root: Path) -> str:
    git = ["git", "-C", str(root)]
    rev = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run([*git, "status", "--porcelain", "--", "gateway"], capture_output=True, text=True).stdout
    return f"{rev}{' + uncommitted changes' if dirty.strip() else ''}"


def report(path: str, what: str, unit: str, a: list[float], b: list[float], fmt: str) -> None:
    ma, mb = statistics.median(a), statistics.median(b)
    print(f"{path:6} {what}: A {', '.join(format(x, fmt) for x in a)} (median {ma:{fmt}}) | "
          f"B {', '.join(format(x, fmt) for x in b)} (median {mb:{fmt}}) {unit}; "
          f"B/A {mb / ma:.3f}; A is {ma / mb - 1:+.1%} against B", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commit", default="9e818b0",
                        help="B: the commit to compare with (default: the one before the key store)")
    parser.add_argument("--a-commit", default=None,
                        help="A: a commit instead of the working tree (e.g. the key store's own commit, fa236fd)")
    parser.add_argument("--paths", default="ingest,portal",
                        help="ingest, portal, batch (comma-separated; default ingest,portal)")
    parser.add_argument("--batches", type=int, default=None,
                        help="the batch path: measured batches of 1,000 per round (default 5; 1 with --callgrind)")
    parser.add_argument("--rounds", type=int, default=None, help="rounds per side (default 3; 1 with --callgrind)")
    parser.add_argument("--requests", type=int, default=None,
                        help="measured requests per round (default 2000; 300 with --callgrind)")
    parser.add_argument("--warmup", type=int, default=None,
                        help="unmeasured requests first (default: 200 for ingest, so that every customer has "
                             "had a message; 64 for the portal, so that every session has been touched)")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="requests in flight (default 8; 1 with --callgrind, where it makes every message "
                             "its own group commit: concurrent ones are grouped by timing, which would vary)")
    parser.add_argument("--callgrind", action="store_true", help="instructions per request under callgrind")
    parser.add_argument("--time-scale", type=float, default=50.0,
                        help="with --callgrind: the server's monotonic clock runs this many times slower than "
                             "real time (about callgrind's slowdown), so its timers fire per request as natively")
    parser.add_argument("--count-sql", action="store_true", help="SQLite statements per request, per database file")
    parser.add_argument("--profile", type=Path, default=None, help="folder for a cProfile of each window")
    parser.add_argument("--tmp", type=Path, default=Path("/dev/shm") if Path("/dev/shm").is_dir() else None,
                        help="where the databases live (default /dev/shm: no fsync wait, so a window's wall "
                             "time, and the timers that run by it, stay short)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="with --callgrind: copy each window's dump here as <path>-<side>-<round>.callgrind.<pid>")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        return serve_child(args.serve)
    args.rounds = args.rounds or (1 if args.callgrind else 3)
    args.requests = args.requests or (300 if args.callgrind else 2000)
    args.batches = args.batches or (1 if args.callgrind else 5)
    args.concurrency = args.concurrency or (1 if args.callgrind else 8)
    paths = [p.strip() for p in args.paths.split(",") if p.strip()]
    if not set(paths) <= {"ingest", "portal", "batch"} or args.rounds < 1 or args.requests < 1:
        parser.error("--paths takes ingest, portal and/or batch; --rounds and --requests must be positive")
    if args.callgrind and not shutil.which("valgrind"):
        parser.error("--callgrind needs valgrind")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        args.keep = args.keep.resolve()
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
        args.profile = args.profile.resolve()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # run the clean-up below
    work = Path(tempfile.mkdtemp(prefix="keystore-ab-", dir=args.tmp))
    checkouts = Path(tempfile.mkdtemp(prefix="keystore-ab-checkout-"))
    added: list[Path] = []
    try:
        def checkout(commit: str) -> Path:
            target = checkouts / commit
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(target), commit],
                           check=True)
            added.append(target)
            return target

        a_root = ROOT if args.a_commit is None else checkout(args.a_commit)
        b_root = checkout(args.commit)
        sides = [Side("A", a_root, f"working tree {ROOT} @ {describe(ROOT)}" if args.a_commit is None
                      else f"{args.a_commit} @ {describe(a_root)}"),
                 Side("B", b_root, f"{args.commit} @ {describe(b_root)}")]
        one, five, _ = os.getloadavg()
        print(f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC, load average {one:.2f} (5 min {five:.2f}), "
              f"{os.cpu_count()} cores, Python {sys.version.split()[0]}", flush=True)
        for side in sides:
            print(f"{side.name}: {side.label}", flush=True)
        print(f"{'instructions (callgrind)' if args.callgrind else 'process CPU'} per request; {args.rounds} round(s) "
              f"of {args.requests} requests after {args.warmup or 'ingest 200, portal 64'} unmeasured, "
              f"{args.concurrency} in flight; SQLite; one server process, worker off"
              f"{f'; server clock slowed {args.time_scale:g}x' if args.callgrind else ''}", flush=True)
        for path in paths:
            unit = "message" if path == "batch" else "request"
            requests = args.batches if path == "batch" else args.requests
            for side in sides:
                side.setups[path] = set_up(side, path, work, requests)
            results: dict[str, list[Window]] = {"A": [], "B": []}
            for round_no in range(args.rounds):
                for side in (sides if round_no % 2 == 0 else sides[::-1]):
                    window = measure(side, path, work, round_no, args)
                    results[side.name].append(window)
                    figure = (f"{window.instructions / 1e6:.2f} M instructions" if window.instructions is not None
                              else f"{window.cpu_ms:.3f} ms CPU")
                    sql = f"; SQLite statements/{unit}: {window.sql}" if window.sql else ""
                    print(f"  {path} round {round_no + 1} {side.name}: {figure}/{unit} ({window.seconds:.1f} s)"
                          f"{sql}", flush=True)
            a, b = results["A"], results["B"]
            if args.callgrind:
                report(path, f"instructions/{unit}", "M", [w.instructions / 1e6 for w in a if w.instructions],
                       [w.instructions / 1e6 for w in b if w.instructions], ".2f")
            else:
                report(path, f"CPU/{unit}", "ms", [w.cpu_ms for w in a if w.cpu_ms], [w.cpu_ms for w in b if w.cpu_ms],
                       ".3f")
        one, five, _ = os.getloadavg()
        print(f"load average at end {one:.2f} (5 min {five:.2f})", flush=True)
    finally:
        for target in added:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(target)], check=False)
        shutil.rmtree(checkouts, ignore_errors=True)
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
