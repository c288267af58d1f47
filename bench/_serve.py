"""`gateway serve` without the in-process outbox worker: the "ingest alone" side of the ingest bench.

Exactly `gateway serve` (same settings, logging, schema check, app, run options,
GATEWAY_SERVE_PROCESSES) with run_worker=False, an option the serve function already has (the tests
use it). Run under the measured code's Python; the function is looked up where each layout of the
code keeps it, so the bench does not break when modules move.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

PLACES = ("gateway.cli.serve", "gateway.web.serve", "gateway.serve", "gateway.web")


def main() -> int:
    settings_module = next((m for m in ("gateway.settings", "gateway.config.settings", "gateway.web.settings")
                            if _has(m, "Settings")), None)
    serve_module = next((m for m in PLACES if _has(m, "serve")), None)
    if settings_module is None or serve_module is None:
        print("bench/_serve.py: cannot find gateway's serve() and Settings; add their module to PLACES",
              file=sys.stderr)
        return 2
    settings = importlib.import_module(settings_module).Settings.load()
    return int(importlib.import_module(serve_module).serve(settings, run_worker=False))


def _has(module: str, name: str) -> bool:
    """The module exists in the gateway package that was imported (not in another checkout that an
    editable install in the same venv may also offer) and has `name`."""
    try:
        found = importlib.import_module(module)
    except ImportError:
        return False
    package = Path(importlib.import_module("gateway").__file__ or "").parent
    return hasattr(found, name) and Path(found.__file__ or "").is_relative_to(package)


if __name__ == "__main__":
    sys.exit(main())
