"""Micro-benchmark of the crypto layer: `python -m gateway.crypto.bench [N]`.

Uses a throw-away keys folder in a temporary directory; one core, no I/O.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from gateway.crypto import Crypto, Keyring, init_keys


def _rate(fn: Callable[[], object], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return n / (time.perf_counter() - start)


def main(n: int = 50_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        keys = Path(tmp) / "keys"
        init_keys(keys)
        crypto = Crypto(Keyring.load(keys))
    ck = crypto.new_customer_key("cust-1")
    dk = crypto.new_data_key(ck, "msg-1")
    body = b"x" * 500
    record = crypto.seal(dk, "body", body)

    def message() -> None:  # what one ingested notice costs: 1 data key + 3 seals
        d = crypto.new_data_key(ck, "msg-2")
        crypto.seal(d, "subject", b"s" * 40)
        crypto.seal(d, "body", body)
        crypto.seal(d, "template_data", b"{}" * 50)

    cases: list[tuple[str, Callable[[], object]]] = [
        ("seal (500 B)", lambda: crypto.seal(dk, "body", body)),
        ("open (500 B)", lambda: crypto.open(dk, "body", record)),
        ("new_data_key", lambda: crypto.new_data_key(ck, "msg-2")),
        ("open_data_key", lambda: crypto.open_data_key(ck, "msg-1", dk.wrapped)),
        ("new_customer_key", lambda: crypto.new_customer_key("cust-2")),
        ("open_customer_key", lambda: crypto.open_customer_key("cust-1", ck.wrapped)),
        ("blind_index", lambda: crypto.blind_index("01019012345")),
        ("message (1 data key + 3 seals)", message),
    ]
    for name, fn in cases:
        rate = _rate(fn, n)
        print(f"{name:32} {rate:>10,.0f}/s  {1e6 / rate:6.1f} µs")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
