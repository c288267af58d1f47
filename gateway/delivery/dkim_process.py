"""The private-key step of DKIM signing in a child process, fed a chunk of digests at a time.

Why a process and not a thread: OpenSSL's RSA-2048 step (about 0.3 ms) runs without the GIL, but
a signing thread must take the GIL back after every signature, and a busy event loop holds it for
up to the 5 ms switch interval: beside a spinning Python thread a signature took 0.9-5.5 ms
instead of 0.3 (measured with cryptography 48), and the loop pays the switches. A child process
shares no GIL with the loop.
Only 32-byte digests go to the child and fixed-size signatures come back, one request per chunk,
so a hand-over costs a few µs a mail. The key reaches the child over its standard input, never
through its arguments, environment or a file.

The child is started on first use, per parent process (a forked copy starts its own, never
sharing the pipes it inherited), and ends when its input closes. If it cannot be started or a
request fails, the child is dropped and the caller signs on a thread instead (the signatures are
the same); the next request starts a new child.
"""

from __future__ import annotations

import asyncio
import logging
import os
import struct
import subprocess
import sys
import time
import weakref
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("gateway.dkim")
# After a failure, requests go to the thread for this long before a new child is tried.
RETRY_AFTER_SECONDS = 60.0
# Run by path in isolated mode (-I: no script folder or PYTHON* variables on the path), with an
# empty environment: the child imports only `cryptography`, never the gateway package or settings.
_CHILD = str(Path(__file__).with_name("dkim_child.py"))
_all: weakref.WeakSet[SigningProcess] = weakref.WeakSet()


class SigningProcess:
    def __init__(self, secret: bytes, signature_size: int, check: Callable[[bytes, bytes], bool]) -> None:
        """`check(digest, signature)`: whether a signature verifies with the public key; a new
        child's first answer is checked with it before it is used."""
        self._secret = secret
        self.signature_size = signature_size
        self._check = check
        self._child: subprocess.Popen[bytes] | None = None
        self._owner = 0  # the pid that started the child
        self._checked = False
        self._busy = False
        self._failed_at: float | None = None
        _all.add(self)

    def available(self) -> bool:
        """Free for a request: one at a time (a concurrent caller signs on a thread instead), and
        not within RETRY_AFTER_SECONDS of a failure."""
        if self._failed_at is not None and time.monotonic() - self._failed_at < RETRY_AFTER_SECONDS:
            return False
        return not self._busy

    async def sign(self, digests: list[bytes]) -> list[bytes]:
        """The signatures of `digests`, in order. Raises OSError if the child fails."""
        self._busy = True
        try:
            child = self._started()
            assert child.stdin is not None and child.stdout is not None
            os.write(child.stdin.fileno(), struct.pack(">I", len(digests)) + b"".join(digests))
            size = self.signature_size
            answer = await _read_exactly(child.stdout.fileno(), size * len(digests))
            signatures = [answer[n * size:(n + 1) * size] for n in range(len(digests))]
            if not self._checked:
                if not self._check(digests[0], signatures[0]):
                    raise OSError("the DKIM signing process made a signature that does not verify")
                self._checked = True
            self._failed_at = None
            return signatures
        except BaseException as exc:  # a half-read answer would put later ones out of step: drop the child
            self.close()
            if isinstance(exc, OSError):
                self._failed_at = time.monotonic()
            raise
        finally:
            self._busy = False

    def _started(self) -> subprocess.Popen[bytes]:
        if self._child is not None and self._owner == os.getpid() and self._child.poll() is None:
            return self._child
        self.close()  # ended, or inherited through a fork (its pipes are the parent's)
        child = subprocess.Popen([sys.executable, "-I", _CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 close_fds=True, env={})
        assert child.stdin is not None and child.stdout is not None
        os.write(child.stdin.fileno(), struct.pack(">I", len(self._secret)) + self._secret)
        os.set_blocking(child.stdout.fileno(), False)
        self._child, self._owner, self._checked = child, os.getpid(), False
        return child

    @property
    def pid(self) -> int | None:
        """The running child's process id (None before first use or after a failure)."""
        return self._child.pid if self._child is not None and self._owner == os.getpid() else None

    def close(self) -> None:
        """End the child (it exits when its input closes). In a forked copy, only this copy's
        ends of the pipes are closed: the child is the parent's."""
        child, self._child = self._child, None
        if child is None:
            return
        for stream in (child.stdin, child.stdout):
            if stream is not None:
                stream.close()
        if self._owner != os.getpid():
            return
        try:
            child.wait(timeout=1)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _after_fork() -> None:
    """In a forked copy (`gateway serve`'s processes), close the inherited pipe ends at once, so
    that the parent's child still sees its input end when the parent closes it."""
    for process in list(_all):
        process.close()


os.register_at_fork(after_in_child=_after_fork)


async def _read_exactly(fd: int, size: int) -> bytes:
    """`size` bytes from the non-blocking pipe `fd`, waiting on the event loop, not blocking it."""
    loop = asyncio.get_running_loop()
    data = bytearray()
    while len(data) < size:
        try:
            chunk = os.read(fd, size - len(data))
        except BlockingIOError:
            ready: asyncio.Future[None] = loop.create_future()
            loop.add_reader(fd, _wake, ready)
            try:
                await ready
            finally:
                loop.remove_reader(fd)
            continue
        if not chunk:
            raise OSError("the DKIM signing process ended")
        data += chunk
    return bytes(data)


def _wake(ready: asyncio.Future[None]) -> None:
    if not ready.done():
        ready.set_result(None)
