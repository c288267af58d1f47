"""`gateway serve` without the in-process outbox worker, for the ingest benchmarks.

Exactly `gateway serve` (gateway.serve.serve: same settings, logging, schema check, make_app,
run_app options, GATEWAY_SERVE_PROCESSES) with run_worker=False, an option the app already has (the
tests use it). With the worker in-process, its claim transactions would compete with ingest for the
SQLite write lock and the CPU; the benchmarks measure ingest alone.
"""

from __future__ import annotations

from gateway.cli.serve import serve
from gateway.settings import Settings

if __name__ == "__main__":
    raise SystemExit(serve(Settings.load(), run_worker=False))
