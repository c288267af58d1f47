"""Load from wrk (C, epoll) for the HTTP benches: the same tool, script and settings for the gateway
and its bare baseline, so the load generator is never what tells them apart.

Each run reports wrk's own count and latency percentiles (bench/lua/done.lua prints them as one JSON
line) and the server's user + system CPU over the run, from /proc, summed over its process tree.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from _common import cpu_seconds

LUA = Path(__file__).resolve().parent / "lua"


def ensure_wrk() -> str:
    """Path of wrk; installs Debian's package when missing and running as root, else exits with one line."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk not found: installing Debian's package (apt-get install wrk)", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, check=False,
                       stdout=subprocess.DEVNULL)
        if shutil.which("wrk") is None:
            subprocess.run(["apt-get", "update", "-qq"], env=env, check=False, stdout=subprocess.DEVNULL)
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, check=False,
                           stdout=subprocess.DEVNULL)
        found = shutil.which("wrk")
        if found:
            return found
    sys.exit("the HTTP benches need wrk: install it with `sudo apt-get install wrk` (Debian/Ubuntu)")


@dataclass
class Run:
    """One wrk run against one server: completed requests, time, latency, server CPU."""

    requests: int
    seconds: float
    errors: int  # socket errors, timeouts and answers with an unexpected status
    p50_ms: float
    p99_ms: float
    cpu: float  # server user + system CPU seconds over the run

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        """Server CPU milliseconds per request."""
        return self.cpu * 1000 / self.requests if self.requests else 0.0


def run(url: str, script: str, args: list[str], *, seconds: float, connections: int, threads: int,
        server_pid: int) -> Run:
    """One wrk run of `seconds` with `connections` kept-alive connections over `threads` threads."""
    command = [ensure_wrk(), f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
               "--timeout", "10s", "-s", str(LUA / script), url, "--", *args]
    env = {**os.environ, "BENCH_WRK_DONE": str(LUA / "done.lua")}
    before = cpu_seconds(server_pid)
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 120)
    cpu = cpu_seconds(server_pid) - before
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr[-1000:]} {done.stdout[-1000:]}")
    out = json.loads(line.removeprefix("WRK_JSON "))
    errors = out["unexpected"] + out["connect"] + out["read"] + out["write"] + out["timeout"]
    return Run(requests=out["requests"] - out["unexpected"], seconds=out["duration_us"] / 1e6, errors=errors,
               p50_ms=out["p50_us"] / 1000, p99_ms=out["p99_us"] / 1000, cpu=cpu)


def combine(runs: list[Run]) -> Run:
    """Several rounds as one: requests, time and CPU summed; p50 the median of the rounds', p99 the worst."""
    p50s = sorted(r.p50_ms for r in runs)
    return Run(requests=sum(r.requests for r in runs), seconds=sum(r.seconds for r in runs),
               errors=sum(r.errors for r in runs), p50_ms=p50s[len(p50s) // 2],
               p99_ms=max(r.p99_ms for r in runs), cpu=sum(r.cpu for r in runs))


def line(name: str, r: Run, unit: str = "req") -> str:
    return (f"{name}: {r.rate:8.0f} {unit}/s  ({r.requests} in {r.seconds:.1f} s)  p50 {r.p50_ms:.1f} ms  "
            f"p99 {r.p99_ms:.1f} ms  errors {r.errors}  server CPU {r.cpu_ms:.3f} ms/{unit}")
