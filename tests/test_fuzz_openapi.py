"""The served OpenAPI document, fuzzed against a real running gateway by schemathesis with every
check: no 5xx, every response as documented, every schema-invalid request refused and every
schema-valid one accepted (see tests/support/fuzz_hooks.py for the values no schema can state).

A real `gateway serve` process (SQLite file, keys folder, aiosmtpd sink), API keys of every scope
made with `gateway api-keys create`, each operation called with the key of exactly its scope.
Bounded in examples per operation so the run fits the CI budget on a slow, shared machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.delivery.devmail import MailSink
from tests.support.live import LiveGateway, start_live
from tests.support.processes import ROOT

MAX_EXAMPLES = int(os.environ.get("GATEWAY_FUZZ_EXAMPLES", "20"))
RUN_TIMEOUT = 300  # seconds: a hard stop; the run itself takes about a minute
CUSTOMER = "fuzz-customer"


@pytest.fixture
def live(tmp_path: Path, sqlite_template: Path, sink: MailSink) -> Iterator[LiveGateway]:
    running = start_live(tmp_path, sqlite_template, sink)
    try:
        status, _, _ = running.request("PUT", f"/api/v1/customers/{CUSTOMER}", json.dumps(
            {"email": "fuzz@example.no", "language": "nb"}).encode(), scope="customers:write")
        assert status == 201
        yield running
    finally:
        running.process.stop()


def _config(live: LiveGateway, path: Path) -> Path:
    """schemathesis.toml: every check, and per operation the key with exactly its scope."""
    status, _, document = live.request("GET", "/api/v1/openapi.json")
    assert status == 200
    lines = ['hooks = "tests.support.fuzz_hooks"', "[checks]", "enabled = true", ""]
    for route, operations in document["paths"].items():
        for method, operation in operations.items():
            for requirement in operation.get("security", []):
                for scope in requirement.get("apiKey", []):
                    lines += ["[[operations]]", f"include-name = {json.dumps(f'{method.upper()} {route}')}",
                              f'headers = {{ Authorization = "Bearer {live.keys[scope]}" }}', ""]
    path.write_text("\n".join(lines))
    return path


def test_served_document_holds_under_fuzzing(live: LiveGateway, tmp_path: Path) -> None:
    config = _config(live, tmp_path / "schemathesis.toml")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FUZZ_CUSTOMER_ID": CUSTOMER, "NO_COLOR": "1"}
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run",
               f"{live.base_url}/api/v1/openapi.json", "--checks", "all", "--max-examples", str(MAX_EXAMPLES),
               "--workers", "1", "--seed", os.environ.get("GATEWAY_FUZZ_SEED", "9"),
               "--generation-database", "none", "--suppress-health-check", "all", "--request-timeout", "30"]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    output = done.stdout[-20000:] + done.stderr[-5000:]
    assert done.returncode == 0, output + "\n--- gateway log\n" + live.process.output()
