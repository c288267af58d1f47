"""The DKIM private-key step in a child process of its own (see gateway/delivery/dkim_process.py).

    python -m gateway.delivery.dkim_child

Reads from standard input the key (a 4-byte big-endian length, then the PEM or the base64 Ed25519
seed, as in the keys folder), then requests: a 4-byte count n and n SHA-256 digests of 32 bytes;
answers each request with the n signatures, each of the key's fixed signature length, in order.
Exits when its input ends (the parent closed it, or died). Imports only `cryptography`.
"""

from __future__ import annotations

import base64
import signal
import struct
import sys
from typing import BinaryIO

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed


def _read(stream: BinaryIO, size: int) -> bytes | None:
    data = stream.read(size)
    return data if len(data) == size else None


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C is the parent's to handle
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    head = _read(source, 4)
    secret = _read(source, struct.unpack(">I", head)[0]) if head else None
    if secret is None:
        return 1
    if secret.startswith(b"-----BEGIN"):
        key = serialization.load_pem_private_key(secret, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            return 1
        pad, alg = padding.PKCS1v15(), Prehashed(hashes.SHA256())

        def sign(digest: bytes) -> bytes:
            return key.sign(digest, pad, alg)
    else:
        ed = ed25519.Ed25519PrivateKey.from_private_bytes(base64.b64decode(secret))

        def sign(digest: bytes) -> bytes:
            return ed.sign(digest)
    del secret
    while (head := _read(source, 4)) is not None:
        count = struct.unpack(">I", head)[0]
        digests = _read(source, 32 * count)
        if digests is None:
            return 1
        sink.write(b"".join(sign(digests[n * 32:(n + 1) * 32]) for n in range(count)))
        sink.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
