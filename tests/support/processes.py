"""Helpers for fault tests: real `gateway worker` subprocesses and a counting/slow SMTP sink
(filling and reading the outbox: tests/support/factories.py and outbox.py).

Everything here is real: the worker is `python -m gateway worker` in its own process (so SIGKILL
and SIGTERM mean what they mean in production), the sink is aiosmtpd on loopback, the outbox lives
in the test's SQLite file or PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session

from gateway.delivery.devmail import CapturedMail, MailSink, SinkHandler
from gateway.settings import Settings
from tests.support.net import free_port

ROOT = Path(__file__).resolve().parents[2]
_MESSAGE_ID = re.compile(rb"^Message-ID:\s*<([^@>]+)@", re.IGNORECASE | re.MULTILINE)


# ---------------------------------------------------------------- the sink


@dataclass(frozen=True)
class Delivery:
    notification_id: str
    mail_from: str
    at: float  # time.monotonic() when the sink accepted it (same clock as the test's)


class CountingHandler(SinkHandler):
    """SinkHandler that also notes each accepted mail's Message-ID, sender and time, and can
    answer slowly (`delay` seconds before replying to DATA) to keep sends in flight."""

    def __init__(self, delay: float = 0.0) -> None:
        super().__init__()
        self.delay = delay
        self.deliveries: list[Delivery] = []
        self.data_commands = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.data_commands += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        reply = await super().handle_DATA(server, session, envelope)
        if reply.startswith("250"):
            raw = envelope.original_content or b""
            match = _MESSAGE_ID.search(raw)
            self.deliveries.append(Delivery(match.group(1).decode() if match else "?",
                                            envelope.mail_from or "", time.monotonic()))
        return reply

    def per_id(self) -> Counter[str]:
        return Counter(d.notification_id for d in self.deliveries)


def counting_sink(delay: float = 0.0) -> tuple[MailSink, CountingHandler]:
    sink = MailSink()
    handler = CountingHandler(delay)
    sink.handler = handler
    return sink.start(), handler


def message_id_of(mail: CapturedMail) -> str:
    match = _MESSAGE_ID.search(mail.raw)
    assert match, "mail without Message-ID"
    return match.group(1).decode()


# ---------------------------------------------------------------- worker subprocesses


def worker_env(settings: Settings, **overrides: object) -> dict[str, str]:
    """The GATEWAY_* environment that gives a subprocess the same settings as `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    values = {
        "GATEWAY_DATABASE_URL": settings.database_url,
        "GATEWAY_KEYS_DIR": settings.keys_dir,
        "GATEWAY_KEYSTORE_URL": settings.keystore_url,
        "GATEWAY_TEMPLATES_DIR": settings.templates_dir,
        "GATEWAY_SMTP_HOST": settings.smtp_host,
        "GATEWAY_SMTP_PORT": settings.smtp_port,
        "GATEWAY_PUBLIC_URL": settings.public_url,
        "GATEWAY_MAIL_FROM": settings.mail_from,
        "GATEWAY_RETRY_BASE_SECONDS": settings.retry_base_seconds,
        "GATEWAY_LEASE_SECONDS": settings.lease_seconds,
        "GATEWAY_SEND_RATE_PER_SECOND": settings.send_rate_per_second,
        "GATEWAY_SMTP_TIMEOUT_SECONDS": settings.smtp_timeout_seconds,
        "GATEWAY_SMTP_CONNECTIONS": settings.smtp_connections,
        "GATEWAY_WORKER_BATCH_SIZE": settings.worker_batch_size,
        "GATEWAY_LOG_LEVEL": "INFO",
    }
    values.update({f"GATEWAY_{k.upper()}": v for k, v in overrides.items()})
    env.update({k: str(v) for k, v in values.items()})
    # The test run's import path (e.g. a local stand-in module) applies to the worker too.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return env


@dataclass
class WorkerProcess:
    process: subprocess.Popen[bytes]
    log: Path
    _handle: object = field(repr=False, default=None)

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, like a machine losing power."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def terminate(self) -> None:
        self.process.send_signal(signal.SIGTERM)

    async def wait(self, timeout: float = 60.0) -> int:
        deadline = time.monotonic() + timeout
        while self.process.poll() is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"worker {self.pid} did not exit within {timeout} s; log:\n{self.output()}")
            await asyncio.sleep(0.05)
        return self.process.returncode

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self) -> None:
        """Clean-up for fixtures: make sure the process is gone."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)
        handle = self._handle
        if handle is not None:
            handle.close()  # type: ignore[attr-defined]


def start_worker(settings: Settings, log_dir: Path, name: str = "worker", command: str = "worker",
                 **overrides: object) -> WorkerProcess:
    """`python -m gateway worker` (or `serve`, which runs the worker in-process) with settings,
    plus GATEWAY_* overrides, e.g. mail_from=..."""
    log = log_dir / f"{name}.log"
    handle = log.open("ab")
    if command == "serve" and "port" not in overrides:
        overrides["port"] = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway", command], cwd=ROOT, env=worker_env(settings, **overrides),
        stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT,
    )
    return WorkerProcess(process, log, handle)


@dataclass
class Workers:
    """Every worker a test started, killed at the end whatever happened."""

    log_dir: Path
    started: list[WorkerProcess] = field(default_factory=list)

    def start(self, settings: Settings, name: str = "worker", command: str = "worker",
              **overrides: object) -> WorkerProcess:
        worker = start_worker(settings, self.log_dir, name, command, **overrides)
        self.started.append(worker)
        return worker

    def logs(self) -> str:
        return "\n".join(f"--- {w.log.name} (pid {w.pid})\n{w.output()}" for w in self.started)

    def __iter__(self) -> Iterator[WorkerProcess]:
        return iter(self.started)

    def stop_all(self) -> None:
        for worker in self.started:
            worker.stop()


# ---------------------------------------------------------------- supervised process trees


def children(pid: int) -> list[int]:
    """The direct children of `pid` (Linux /proc), e.g. the copies a `serve` or `inbound` forked."""
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def supervised(tmp_path: Path) -> Iterator[Workers]:
    """For a fixture: Workers whose forked copies are killed too when the test ends, whatever it left."""
    started = Workers(tmp_path)
    yield started
    for process in started:
        for pid in children(process.pid):
            kill(pid)
    started.stop_all()
