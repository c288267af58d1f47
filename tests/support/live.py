"""A real `gateway serve` process for tests that talk to it from outside, as a client would:
its own SQLite file, keys folder and SMTP sink, API keys made with `gateway api-keys create`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gateway.crypto import init_keys
from gateway.delivery.devmail import MailSink
from gateway.rest.apikeys import SCOPES
from gateway.settings import Settings
from tests.support.net import free_port
from tests.support.processes import ROOT, WorkerProcess, start_worker, worker_env
from tests.support.service import make_settings


@dataclass
class LiveGateway:
    settings: Settings
    process: WorkerProcess
    base_url: str
    keys: dict[str, str] = field(default_factory=dict)  # scope -> secret of a key with that scope alone

    def request(self, method: str, path: str, body: bytes | None = None, *, scope: str | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
        """One HTTP request; the JSON answer parsed (None if it is not JSON)."""
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if scope:
            all_headers["Authorization"] = f"Bearer {self.keys[scope]}"
        request = urllib.request.Request(self.base_url + path, data=body, method=method, headers=all_headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, answer_headers, raw = response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            status, answer_headers, raw = error.code, dict(error.headers), error.read()
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        return status, answer_headers, parsed


def create_api_key(settings: Settings, scope: str) -> str:
    """`gateway api-keys create`, as an operator runs it: the secret is the last line printed."""
    done = subprocess.run([sys.executable, "-m", "gateway", "api-keys", "create", "--name", f"live-{scope}",
                           "--scopes", scope], cwd=ROOT, env=worker_env(settings), capture_output=True,
                          text=True, timeout=60, check=True)
    return done.stdout.strip().splitlines()[-1]


def start_live(tmp: Path, sqlite_template: Path, sink: MailSink, **overrides: Any) -> LiveGateway:
    database = tmp / "gateway.db"
    shutil.copy(sqlite_template, database)
    keys_dir = tmp / "keys"
    init_keys(keys_dir)
    settings = make_settings(f"sqlite:///{database}", keys_dir, sink)
    keys = {scope: create_api_key(settings, scope) for scope in SCOPES}
    port = overrides.pop("port", None) or free_port()
    process = start_worker(settings, tmp, name="serve", command="serve", port=port, **overrides)
    live = LiveGateway(settings, process, f"http://127.0.0.1:{port}", keys)
    _wait_until_ready(live)
    return live


def _wait_until_ready(live: LiveGateway, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if live.process.process.poll() is not None:
            raise AssertionError(f"gateway serve exited early:\n{live.process.output()}")
        try:
            if live.request("GET", "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"gateway serve did not answer within {timeout} s:\n{live.process.output()}")
