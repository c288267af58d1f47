"""In-process cost of decoding and validating one ingest request body (no HTTP, no database).

    .venv/bin/python bench/decode_timing.py [--rounds 200000]

Times the bench/ingest_http.py body (template + data) and a subject/body one through whatever the
checkout's request path is: gateway.api.rules (msgspec) where it exists, else json.loads and
messages.parse_message (the hand-written validators before it), so the same script measures both
sides of the change. Prints the median of 5 runs in microseconds per request."""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

BODIES = {
    "template": json.dumps({"customer_id": "c-17", "category": "invoice", "template": "invoice_ready",
                            "data": {"name": "Ragnhild Nordmann", "period": "oktober 2026", "amount": "1 234,50",
                                     "due_date": "20.11.2026", "invoice_number": "10000042"}}).encode(),
    "subject+body": json.dumps({"customer_id": "c-17", "category": "invoice", "subject": "Faktura for oktober",
                                "body": "Hei! Fakturaen din for oktober er klar. " * 20}).encode(),
}


def request_path() -> tuple[str, Callable[[bytes], object]]:
    try:
        from gateway.billing import rules
    except ImportError:
        from gateway.billing import messages

        return "json.loads + messages.parse_message", lambda raw: messages.parse_message(json.loads(raw), 10 << 20)
    return "gateway.api.rules.message (msgspec)", lambda raw: rules.message(raw, 10 << 20)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=100_000)
    rounds = parser.parse_args().rounds
    name, decode = request_path()
    print(name)
    for label, raw in BODIES.items():
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            for _ in range(rounds):
                decode(raw)
            runs.append((time.perf_counter() - started) / rounds * 1e6)
        print(f"  {label:13} {statistics.median(runs):6.2f} µs/request (runs: {', '.join(f'{r:.2f}' for r in runs)})")


if __name__ == "__main__":
    main()
