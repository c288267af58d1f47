"""The SMTP sink for bench/sending.py: a real aiosmtpd server in its own process.

    python bench/_sink.py PORT STATS_FILE [CAPTURE_FILE]

Accepts every mail (250) and keeps only a count and the monotonic times of the first and last mail
accepted (CLOCK_MONOTONIC is system-wide on Linux, so the bench process can compare), and how many
arrived in each second after the first (to tell a steady rate from stalls). A mail to
stats@bench.invalid is not counted: it writes {"count", "first", "last", "bytes", "per_second"} to
STATS_FILE and starts a new count. STATS_FILE is written once with count 0 when the server is
listening. With CAPTURE_FILE, the mails
of each count are also kept (sender, recipients, bytes) and pickled to CAPTURE_FILE when it ends, so
that bench/sending.py can send exactly the gateway's e-mails from its raw baseline (kept in every
phase, so the sink does the same work for both sides).
"""

from __future__ import annotations

import asyncio
import json
import os
import pickle
import signal
import sys
import time

from aiosmtpd.smtp import SMTP, Envelope, Session

CONTROL = "stats@bench.invalid"


class Counter:
    def __init__(self, stats_file: str, capture_file: str | None = None) -> None:
        self.stats_file = stats_file
        self.capture_file = capture_file
        self.captured: list[tuple[str, list[str], bytes]] = []
        self.reset()

    def reset(self) -> None:
        self.count, self.bytes, self.first, self.last = 0, 0, 0.0, 0.0
        self.per_second: list[int] = []  # mails accepted in each second after the first mail

    def write(self) -> None:
        tmp = self.stats_file + ".tmp"
        with open(tmp, "w") as out:
            json.dump({"count": self.count, "first": self.first, "last": self.last, "bytes": self.bytes,
                       "per_second": self.per_second}, out)
        os.replace(tmp, self.stats_file)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if CONTROL in envelope.rcpt_tos:
            if self.capture_file:
                with open(self.capture_file + ".tmp", "wb") as out:
                    pickle.dump(self.captured, out)
                os.replace(self.capture_file + ".tmp", self.capture_file)
                self.captured = []
            self.write()
            self.reset()
            return "250 2.0.0 stats written"
        now = time.monotonic()
        if not self.count:
            self.first = now
        self.count += 1
        self.last = now
        second = int(now - self.first)
        while len(self.per_second) <= second:
            self.per_second.append(0)
        self.per_second[second] += 1
        self.bytes += len(envelope.original_content or b"")
        if self.capture_file:
            self.captured.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or b""))
        return "250 2.0.0 OK"


async def main() -> None:
    port, stats_file = int(sys.argv[1]), sys.argv[2]
    counter = Counter(stats_file, sys.argv[3] if len(sys.argv) > 3 else None)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(counter, hostname="sink.bench.invalid"), "127.0.0.1", port)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    counter.write()
    await stop.wait()
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
