"""Shared helpers for the benchmarks: a gateway in its own process on loopback, set up exactly as an
operator would (`gateway db upgrade`, `gateway keys init`, `gateway api-keys create`).

Not a test module: imported by the bench scripts only.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
PY = sys.executable
SCOPES = "customers:write,messages:write,messages:read"
INVOICE_DATA = {"name": "Ragnhild Nordmann", "period": "oktober 2026", "amount": "1 234,50",
                "due_date": "20.11.2026"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores ({cpu}), "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}, "
            f"load average {os.getloadavg()[0]:.2f} (other processes compete for the same cores)")


def tree(pid: int) -> list[int]:
    """A process and all its descendants (a `gateway serve` supervisor and its copies)."""
    found = [pid]
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        found.extend(tree(int(child)))
    return found


def vm_hwm_mb(pid: int) -> float:
    """Peak resident set size (VmHWM) of a process and its descendants, summed, in MB: with several
    serve processes, an upper bound of the service's peak (their peaks need not coincide)."""
    return sum(_vm_hwm_kb(p) for p in tree(pid)) / 1024


def _vm_hwm_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process and its descendants (threads included) have used so far."""
    total = 0
    for p in tree(pid):
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def invoice_item(customer_id: str, n: int, key_prefix: str = "inv") -> dict[str, Any]:
    """One billing message: template invoice_ready with its data; every invoice number unique."""
    return {"customer_id": customer_id, "category": "invoice", "template": "invoice_ready",
            "data": dict(INVOICE_DATA, invoice_number=f"{10_000_000 + n}"),
            "idempotency_key": f"{key_prefix}-{n}"}


class GatewayEnv:
    """A temporary directory with a migrated SQLite database, keys and an API key."""

    def __init__(self, smtp_port: int = 9, processes: int = 1, **extra: str) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="gateway-bench-"))
        if not os.environ.get("BENCH_KEEP"):  # BENCH_KEEP=1 keeps the database and keys to inspect
            atexit.register(shutil.rmtree, self.dir, True)
        self.db_path = self.dir / "gateway.db"
        self.port = free_port()
        self.env = dict(os.environ)
        self.env.update({
            "GATEWAY_DATABASE_URL": f"sqlite:///{self.db_path}",
            "GATEWAY_KEYS_DIR": str(self.dir / "keys"),
            "GATEWAY_TEMPLATES_DIR": str(ROOT / "templates"),
            "GATEWAY_HOST": "127.0.0.1",
            "GATEWAY_PORT": str(self.port),
            "GATEWAY_PUBLIC_URL": "https://min.example.no",
            "GATEWAY_SMTP_HOST": "127.0.0.1",
            "GATEWAY_SMTP_PORT": str(smtp_port),
            "GATEWAY_MAIL_FROM": "Eksempel Kraft <no-reply@kraft.example.no>",
            "GATEWAY_LOG_LEVEL": "WARNING",
            "GATEWAY_SERVE_PROCESSES": str(processes),
            "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
        })
        self.env.update(extra)
        self.token = ""

    def cli(self, *args: str) -> str:
        done = subprocess.run([PY, "-m", "gateway", *args], env=self.env, cwd=self.dir,
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"gateway {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def setup(self) -> GatewayEnv:
        self.cli("db", "upgrade")
        self.cli("keys", "init")
        self.token = self.cli("api-keys", "create", "--name", "bench", "--scopes", SCOPES).strip().splitlines()[-1]
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def sqlite(self, sql: str) -> Any:
        import sqlite3

        conn = sqlite3.connect(self.db_path, timeout=30)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()


@contextmanager
def process(args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None,
            ready_url: str | None = None, ready_file: Path | None = None,
            timeout: float = 60) -> Iterator[subprocess.Popen[bytes]]:
    """A child process, stopped with SIGTERM (then SIGKILL) on exit. Its stderr goes to a temporary
    file (a pipe nobody reads could fill and stall it), shown when it fails to start."""
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + timeout
        while ready_url or ready_file:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"{args} exited: {log.read().decode(errors='replace')[-2000:]}")
            if ready_file is not None and ready_file.exists():
                break
            if ready_url is not None and _http_ok(ready_url):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{args} not ready within {timeout} s")
            time.sleep(0.05)
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


def _http_ok(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def gateway_server(genv: GatewayEnv, *, worker: bool = False):  # type: ignore[no-untyped-def]
    """`gateway serve` (worker in-process) or bench/_serve.py (the same app, make_app(run_worker=False))."""
    args = [PY, "-m", "gateway", "serve"] if worker else [PY, str(BENCH / "_serve.py")]
    if not worker and os.environ.get("BENCH_PROFILE"):
        args = [PY, str(BENCH / "_profile.py"), os.environ["BENCH_PROFILE"], str(BENCH / "_serve.py")]
    return process(args, env=genv.env, cwd=genv.dir, ready_url=genv.url + "/healthz")


async def add_customers(session: aiohttp.ClientSession, genv: GatewayEnv, count: int,
                        concurrency: int = 8, language: str = "nb") -> list[str]:
    """Create customers through the API (PUT /api/v1/customers/{id}), as billing does."""
    ids = [f"cust-{i:06d}" for i in range(count)]
    queue = iter(ids)

    async def put() -> None:
        for customer_id in queue:
            async with session.put(f"{genv.url}/api/v1/customers/{customer_id}", headers=genv.headers,
                                   json={"email": f"{customer_id}@example.no", "language": language,
                                         "name": "Ragnhild Nordmann"}) as response:
                if response.status not in (200, 201):
                    raise RuntimeError(f"customer {customer_id}: {response.status} {await response.text()}")

    await asyncio.gather(*(put() for _ in range(concurrency)))
    return ids


def bulk_customers(genv: GatewayEnv, count: int, language: str = "nb") -> list[str]:
    """Set-up for large runs (not timed): insert customers straight into the database with the
    gateway's own code (a customer key per customer, wrapped by its key-store secret and the KEK; e-mail and name sealed
    under it, as PUT /api/v1/customers/{id} stores them), in one transaction. Creating 100,000
    customers one request at a time would dominate the run; their creation is not what is measured."""
    from sqlalchemy import create_engine

    from gateway.crypto import Crypto, Keyring, KeyStore
    from gateway.customers.records import CustomerInput, _encrypted_fields
    from gateway.storage.schema import customers
    from gateway.storage.types import utcnow

    crypto = Crypto(Keyring.load(genv.dir / "keys"), KeyStore.open(genv.dir / "keystore.db"))
    now = utcnow()
    ids = [f"cust-{i:06d}" for i in range(count)]
    assert crypto.keystore is not None
    made = crypto.keystore.create_many(ids)
    rows = []
    for customer_id in ids:
        key = crypto.new_customer_key(customer_id, made[customer_id])
        data = CustomerInput(f"{customer_id}@example.no", language, "Ragnhild Nordmann", None, None, None)
        rows.append({"id": customer_id, "key_wrapped": key.wrapped, "kek_id": Crypto.kek_id_of(key.wrapped),
                     "shreddable": True,
                     "created_at": now, "updated_at": now, **_encrypted_fields(crypto, key, data)})
    engine = create_engine(f"sqlite:///{genv.db_path}")
    try:
        with engine.begin() as conn:
            conn.execute(customers.insert(), rows)
    finally:
        engine.dispose()
    return ids
