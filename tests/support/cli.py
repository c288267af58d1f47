"""The `gateway` command in a subprocess, as an operator runs it."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support.service import ROOT


def run(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`python -m gateway *args` with only the GATEWAY_* variables in `env` (none inherited)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    full_env.update(env)
    return subprocess.run([sys.executable, "-m", "gateway", *args], env=full_env, capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT)
