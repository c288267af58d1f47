"""The billing run's cost per message, in one process and one thread, for two checkouts side by side.

    .venv/bin/python bench/billing_inprocess.py [--code PATH ...] [--batches 5] [--rounds 3]
        [--profile DIR] [--callgrind] [--diff N]

A diagnostic for bench/billing_run.py (no target): the same batches (1,000 items of `invoice_ready`
with data, one per customer, each customer's first message in the run, so the write path's key
cache misses as in the real run), through the same code as POST /api/v1/messages/batch takes after
its body is read: the checkout's body parsing (`rules.batch`, or the older `api._parse_batch_item`),
`group_commit.create_many`, and the answer's JSON. Differences from the server: no HTTP, and the
write transaction runs on the calling thread instead of the SQLite writer's (the same function, the
same statements), so one thread does all the work and every bit of it is counted: process CPU per
message (`time.process_time`), a cProfile per round (`--profile`; perf_counter clock), or
instructions per message under `valgrind --tool=callgrind` (`--callgrind`; one round; counters
zeroed and dumped around the measured batches, which makes the figure independent of the machine's
load).

Each checkout (this one first, then each `--code PATH`, a worktree of another commit) gets its own
set-up: a fresh temporary folder with its own `gateway db upgrade`, `keys init` and customers made by
bench/_customers.py under its code; then one unmeasured batch, then `--batches` measured ones.
Rounds alternate the checkouts (A B, B A, ...). `--diff N` prints the N Python functions whose
cumulative time per message differs most between the first two checkouts' profiles.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
ITEMS = 1000
INVOICE = {"name": "Ragnhild Nordmann", "period": "oktober 2026", "amount": "1 234,50", "due_date": "20.11.2026"}


def batch_body(first_customer: int, tag: str) -> bytes:
    return json.dumps({"messages": [
        {"customer_id": f"cust-{first_customer + i:06d}", "category": "invoice", "template": "invoice_ready",
         "idempotency_key": f"{tag}-{i}", "data": dict(INVOICE, invoice_number=f"{tag}-{i}")}
        for i in range(ITEMS)]}).encode()


# ------------------------------------------------------------------ the measured (child) side

def child(data: Path, batches: int, profile: str | None, callgrind: bool, stages: bool) -> None:
    import importlib

    settings = importlib.import_module("gateway.settings").Settings.load()
    services = importlib.import_module("gateway.web.services").Services.build(settings)
    writer_mod = importlib.import_module("gateway.storage.writer")
    group_commit = importlib.import_module("gateway.billing.group_commit")
    api = importlib.import_module("gateway.billing.api")
    errors = importlib.import_module("gateway.errors")
    try:
        rules: Any = importlib.import_module("gateway.billing.rules")
    except ImportError:
        rules = None

    async def inline(self: Any, fn: Any, *args: Any) -> Any:  # the write transaction on this thread
        if self._sync is None:
            async with self.engine.begin() as conn:
                return await conn.run_sync(fn, *args)
        return self._transaction(fn, args)

    writer_mod.Writer.run = inline
    max_bytes = settings.max_attachment_bytes

    def parse(raw: bytes) -> list[Any]:
        if rules is not None:
            return list(rules.batch(raw, max_bytes))
        items = json.loads(raw)["messages"]
        return [api._parse_batch_item(item, index, max_bytes) for index, item in enumerate(items)]

    async def one(raw: bytes) -> bytes:
        parsed = parse(raw)
        valid = [p for p in parsed if not isinstance(p, errors.GatewayError)]
        stored = iter(await group_commit.create_many(services, "bench-client", valid))
        results = []
        for entry in parsed:
            if isinstance(entry, errors.GatewayError):
                results.append({"error": str(entry)})
            else:
                outcome = next(stored)
                if outcome.error is not None:
                    raise SystemExit(f"refused: {outcome.error}")
                results.append(api._batch_result(outcome, entry[1]))
        return json.dumps({"results": results}).encode()

    intake = importlib.import_module("gateway.billing.intake")

    async def staged(raw: bytes) -> bytes:
        """`one` in its stages, each in a callgrind window of its own (zeroed, then dumped):
        parse, prepare (render, guard, keys, sealing), the write transaction, the answer."""
        os.getpgid(0)
        parsed = parse(raw)
        valid = [p for p in parsed if not isinstance(p, errors.GatewayError)]
        os.getsid(0)
        os.getpgid(0)
        [ready] = await intake.prepare(services, [("bench-client", valid)])
        os.getsid(0)
        os.getpgid(0)
        [outcomes] = await writer_mod.writer_for(services.engine).run(intake.commit_prepared,
                                                                      [("bench-client", ready)])
        os.getsid(0)
        os.getpgid(0)
        answer = json.dumps({"results": [api._batch_result(o, e[1]) for o, e in zip(outcomes, valid, strict=True)]})
        os.getsid(0)
        return answer.encode()

    bodies = [batch_body((n + 1) * ITEMS, f"m{n}") for n in range(batches)]

    async def run() -> tuple[float, float]:
        await one(batch_body(0, "warm"))
        if callgrind:
            (data / "ready").write_text("ok")
            while not (data / "go").exists():  # keep valgrind busy until instrumentation is on
                sum(range(1000))
                await asyncio.sleep(0.001)
        profiler: Any = None
        if profile:
            import cProfile

            profiler = cProfile.Profile()
        if stages:
            cpu, wall = time.process_time(), time.perf_counter()
            for raw in bodies:
                await staged(raw)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            await services.close()
            return cpu, wall
        os.getpgid(0)  # callgrind: --zero-before=getpgid
        if profiler is not None:
            profiler.enable()
        cpu, wall = time.process_time(), time.perf_counter()
        for raw in bodies:
            await one(raw)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if profiler is not None:
            profiler.disable()
        os.getsid(0)  # callgrind: --dump-before=getsid
        if profiler is not None:
            profiler.dump_stats(profile)
        await services.close()
        return cpu, wall

    cpu, wall = asyncio.run(run())
    (data / "result").write_text(json.dumps({"cpu": cpu, "wall": wall}))


# ------------------------------------------------------------------ the driving (parent) side

def set_up(code: Path, work: Path, batches: int) -> tuple[Path, dict[str, str]]:
    data = Path(tempfile.mkdtemp(prefix="setup-", dir=work))
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env.update({
        "GATEWAY_ENV": "development", "GATEWAY_DATABASE_URL": f"sqlite:///{data}/gw.db",
        "GATEWAY_KEYS_DIR": str(data / "keys"), "GATEWAY_TEMPLATES_DIR": str(code / "templates"),
        "GATEWAY_PUBLIC_URL": "https://min.example.no", "GATEWAY_SMTP_HOST": "127.0.0.1",
        "GATEWAY_SMTP_PORT": "9", "GATEWAY_LOG_LEVEL": "WARNING", "PYTHONPATH": str(code),
    })
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    for args in (["db", "upgrade"], ["keys", "init"]):
        subprocess.run([sys.executable, "-m", "gateway", *args], env=env, cwd=data, check=True,
                       capture_output=True, timeout=300)
    done = subprocess.run([sys.executable, str(BENCH / "_customers.py"), str(data / "keys"), str(data / "gw.db"),
                           str((batches + 1) * ITEMS), "nb"], env=env, cwd=data, capture_output=True, text=True,
                          timeout=900)
    if done.returncode != 0:
        raise SystemExit(f"{code}: bulk customers failed: {done.stderr[-1500:]}")
    return data, env


STAGES = ("parse", "prepare", "write", "answer")


def measure(code: Path, setup: tuple[Path, dict[str, str]], work: Path, batches: int, profile: Path | None,
            callgrind: bool, keep: Path | None, label: str, stages: bool = False) -> dict[str, float]:
    source, env = setup
    data = Path(tempfile.mkdtemp(prefix="run-", dir=work))
    shutil.copytree(source, data, dirs_exist_ok=True)
    env = {**env, "GATEWAY_DATABASE_URL": f"sqlite:///{data}/gw.db", "GATEWAY_KEYS_DIR": str(data / "keys")}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(data), "--batches", str(batches)]
    if profile is not None:
        cmd += ["--profile", str(profile)]
    if callgrind:
        env["PYTHONMALLOC"] = "malloc"
        cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--zero-before=getpgid",
               "--dump-before=getsid", f"--callgrind-out-file={data}/callgrind.%p", *cmd, "--callgrind"]
        if stages:
            cmd.append("--stages")
    proc = subprocess.Popen(cmd, env=env, cwd=data, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if callgrind:
        while not (data / "ready").exists():
            if proc.poll() is not None:
                raise SystemExit(f"{label}: child exited: {proc.stderr.read()[-2000:] if proc.stderr else ''}")
            time.sleep(0.2)
        subprocess.run(["callgrind_control", "--instr=on", str(proc.pid)], check=True, capture_output=True,
                       timeout=600)
        (data / "go").write_text("ok")
    _, err = proc.communicate(timeout=3600)
    if proc.returncode != 0:
        raise SystemExit(f"{label}: child failed: {err[-3000:]}")
    result = json.loads((data / "result").read_text())
    messages = batches * ITEMS
    figures = {"cpu_us": result["cpu"] / messages * 1e6, "wall_us": result["wall"] / messages * 1e6}
    if callgrind:
        dumps = [p for p in data.glob("callgrind.*")
                 if "Trigger: --dump-before=getsid" in p.read_text(errors="replace")]
        if stages:  # dumps numbered in order: the stages of each batch in turn
            dumps.sort(key=lambda p: int(p.name.rsplit(".", 1)[1]))
            if len(dumps) != len(STAGES) * batches:
                raise SystemExit(f"{label}: expected {len(STAGES) * batches} stage dumps, found {len(dumps)}")
            for n, dump in enumerate(dumps):
                summary = next(line for line in dump.read_text().splitlines() if line.startswith("summary:"))
                name = STAGES[n % len(STAGES)]
                figures[name] = figures.get(name, 0.0) + float(summary.split()[1]) / messages
            figures["instructions"] = sum(figures[name] for name in STAGES)
            shutil.rmtree(data, ignore_errors=True)
            return figures
        if len(dumps) != 1:
            raise SystemExit(f"{label}: expected one callgrind dump of the window, found {len(dumps)}")
        summary = next(line for line in dumps[0].read_text().splitlines() if line.startswith("summary:"))
        figures["instructions"] = float(summary.split()[1]) / messages
        if keep is not None:
            shutil.copy(dumps[0], keep / f"{label}.callgrind")
    shutil.rmtree(data, ignore_errors=True)
    return figures


def describe(root: Path) -> str:
    git = ["git", "-C", str(root)]
    rev = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run([*git, "status", "--porcelain", "--", "gateway"], capture_output=True, text=True).stdout
    return f"{root} @ {rev}{' + uncommitted changes' if dirty.strip() else ''}"


def diff_profiles(a: Path, b: Path, roots: tuple[Path, Path], messages: int, top: int) -> None:
    """The functions whose cumulative time per message differs most between two profiles."""
    import pstats

    def table(path: Path, root: Path) -> dict[str, tuple[int, float, float]]:
        stats = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
        out: dict[str, tuple[int, float, float]] = {}
        for (filename, _line, name), (_cc, ncalls, tottime, cumtime, _callers) in stats.items():
            where = filename.replace(str(root) + "/", "").replace(str(ROOT) + "/", "").replace(sys.prefix, "<venv>")
            key = f"{where}:{name}" if not filename.startswith("~") else name
            old = out.get(key, (0, 0.0, 0.0))
            out[key] = (old[0] + ncalls, old[1] + tottime, max(old[2], cumtime))
        return out

    ta, tb = table(a, roots[0]), table(b, roots[1])
    rows = []
    for key in set(ta) | set(tb):
        ca, cb = ta.get(key, (0, 0.0, 0.0)), tb.get(key, (0, 0.0, 0.0))
        rows.append((ca[2] - cb[2], key, ca, cb))
    rows.sort(key=lambda r: -abs(r[0]))
    print(f"{'cumulative µs/message A':>24} {'B':>8} {'A-B':>8}  calls/message A, B  function")
    for delta, key, ca, cb in rows[:top]:
        print(f"{ca[2] / messages * 1e6:24.1f} {cb[2] / messages * 1e6:8.1f} {delta / messages * 1e6:+8.1f}  "
              f"{ca[0] / messages:6.2f} {cb[0] / messages:6.2f}  {key}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--code", type=Path, action="append", default=[],
                        help="another checkout to measure beside this one (repeatable)")
    parser.add_argument("--skip-self", action="store_true",
                        help="measure only the --code checkouts (e.g. a worktree of this branch's last commit, "
                             "so that editing this one does not disturb a long run)")
    parser.add_argument("--batches", type=int, default=5, help="measured batches of 1,000 per round")
    parser.add_argument("--rounds", type=int, default=None, help="rounds per checkout (default 3; 1 with --callgrind)")
    parser.add_argument("--profile", type=Path, default=None, help="folder for a cProfile of each round")
    parser.add_argument("--diff", type=int, default=40, help="with --profile: functions listed in the A/B diff")
    parser.add_argument("--callgrind", action="store_true", help="instructions per message under callgrind")
    parser.add_argument("--keep", type=Path, default=None, help="with --callgrind: copy each window's dump here")
    parser.add_argument("--stages", action="store_true",
                        help="with --callgrind: instructions per message of each stage (parse, prepare, write, answer)")
    parser.add_argument("--tmp", type=Path, default=Path("/dev/shm") if Path("/dev/shm").is_dir() else None)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, args.batches, str(args.profile) if args.profile else None, args.callgrind, args.stages)
        return 0
    rounds = args.rounds or (1 if args.callgrind else 3)
    codes = [*([] if args.skip_self else [ROOT]), *(p.resolve() for p in args.code)]
    if not codes:
        parser.error("nothing to measure")
    for folder in (args.profile, args.keep):
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="billing-inprocess-", dir=args.tmp))
    try:
        one, five, _ = os.getloadavg()
        print(f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC, load average {one:.2f} (5 min {five:.2f}), "
              f"{os.cpu_count()} cores, Python {sys.version.split()[0]}; {rounds} round(s) of {args.batches} x "
              f"{ITEMS} messages after one unmeasured batch; "
              f"{'instructions (callgrind)' if args.callgrind else 'process CPU'} per message", flush=True)
        labels = [chr(ord("A") + i) for i in range(len(codes))]
        for label, code in zip(labels, codes, strict=True):
            print(f"{label}: {describe(code)}", flush=True)
        setups = [set_up(code, work, args.batches) for code in codes]
        results: dict[str, list[dict[str, float]]] = {label: [] for label in labels}
        for round_no in range(rounds):
            order = list(range(len(codes)))
            if round_no % 2:
                order.reverse()
            for i in order:
                label = labels[i]
                profile = args.profile / f"{label}-{round_no}.prof" if args.profile else None
                figures = measure(codes[i], setups[i], work, args.batches, profile, args.callgrind, args.keep,
                                  f"{label}-{round_no}", args.stages)
                results[label].append(figures)
                extra = f", {figures['instructions'] / 1e6:.3f} M instructions" if "instructions" in figures else ""
                if args.stages:
                    extra += " (" + ", ".join(f"{name} {figures[name] / 1e3:.0f} k" for name in STAGES) + ")"
                print(f"  round {round_no + 1} {label}: {figures['cpu_us']:.1f} µs CPU, {figures['wall_us']:.1f} µs "
                      f"wall per message{extra}", flush=True)
        key = "instructions" if args.callgrind else "cpu_us"
        medians = {label: statistics.median(f[key] for f in results[label]) for label in labels}
        for label in labels:
            unit = f"{medians[label] / 1e6:.3f} M instructions" if args.callgrind else f"{medians[label]:.1f} µs CPU"
            versus = "" if label == "A" else f" (A is {medians['A'] / medians[label] - 1:+.1%} against {label})"
            print(f"{label}: median {unit} per message{versus}", flush=True)
        if args.profile and len(codes) > 1:
            diff_profiles(args.profile / "A-0.prof", args.profile / "B-0.prof", (codes[0], codes[1]),
                          args.batches * ITEMS, args.diff)
        one, five, _ = os.getloadavg()
        print(f"load average at end {one:.2f} (5 min {five:.2f})", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
