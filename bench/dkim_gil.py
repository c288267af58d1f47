"""Does cryptography's RSA-2048 signing release the GIL, and what does a busy Python thread cost it?

1. N signatures on 1 thread, then N on each of 2 threads (repeated): if the GIL is released
   during the private-key step, 2 threads finish 2N in about the time of N when a second core is
   free (process CPU about twice the wall time; with the GIL held throughout, CPU/wall cannot
   exceed 1, since the thread waiting for the GIL uses no CPU). A control (2 threads hashing 8 MB buffers,
   which releases the GIL) shows whether a second core was free at that moment.
2. Signatures on one thread while another thread spins in pure Python (as a busy event loop):
   each signature must take the GIL back afterwards, and the spinner holds it for up to the
   switch interval (sys.getswitchinterval(), 5 ms).

    .venv/bin/python bench/dkim_gil.py
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
import time
from collections.abc import Callable

import cryptography
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

N = 400
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
DIGEST = hashlib.sha256(b"a notification").digest()
BUFFER = b"x" * (8 << 20)


def sign(count: int = N) -> None:
    pad, alg = padding.PKCS1v15(), Prehashed(hashes.SHA256())
    for _ in range(count):
        KEY.sign(DIGEST, pad, alg)


def hashing() -> None:
    for _ in range(20):
        hashlib.sha256(BUFFER).digest()


def on_threads(work: Callable[[], None], threads: int) -> tuple[float, float]:
    """(wall, process CPU) seconds for `work` on `threads` threads at once."""
    running = [threading.Thread(target=work) for _ in range(threads)]
    wall, cpu = time.perf_counter(), time.process_time()
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    print(f"cryptography {cryptography.__version__}, Python {sys.version.split()[0]}, "
          f"load average {os.getloadavg()[0]:.2f}, switch interval {sys.getswitchinterval() * 1e3:.0f} ms")
    sign(50)
    for attempt in range(5):
        one, _ = on_threads(sign, 1)
        two, two_cpu = on_threads(sign, 2)
        h1, _ = on_threads(hashing, 1)
        h2, _ = on_threads(hashing, 2)
        print(f"try {attempt + 1}: RSA 1 thread x {N}: {one * 1e3:.0f} ms; 2 threads x {N}: {two * 1e3:.0f} ms wall, "
              f"{two_cpu * 1e3:.0f} ms CPU (CPU/wall {two_cpu / two:.2f}, speed-up {2 * one / two:.2f}); "
              f"control, hashing: speed-up {2 * h1 / h2:.2f}")
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            pass

    spinner = threading.Thread(target=spin)
    spinner.start()
    started = time.perf_counter()
    sign(200)
    beside = time.perf_counter() - started
    stop.set()
    spinner.join()
    print(f"RSA beside a spinning Python thread: {beside / 200 * 1e6:.0f} µs a signature "
          f"(alone: {one / N * 1e6:.0f} µs)")


if __name__ == "__main__":
    main()
