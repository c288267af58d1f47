"""In-process CPU of a DKIM signature (issue 14): the event loop's part (canonical form, digest,
header layout) and the private-key step, per algorithm, over a generated 1.5 KB notification; and
`sign_many` over chunks of 25, as the worker calls it (process CPU: loop and signing thread).

    .venv/bin/python bench/dkim_inprocess.py [--mails 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from gateway.delivery.dkim import DkimSigner
from gateway.delivery.notification import RenderedEmail, build_email

CHUNK = 25  # gateway/delivery/worker.py READY_CHUNK


def per_mail(seconds: float, mails: int) -> str:
    return f"{seconds / mails * 1e6:.1f} µs"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=2000)
    args = parser.parse_args()
    rendered = RenderedEmail("Du har fått en ny melding fra Eksempel Kraft",
                             "Hei,\n\nDu har en ny melding: https://min.example.no/portal/messages/abc\n" * 6,
                             "<p>Hei</p>\n" * 30)
    mails = [build_email(rendered, to=f"kunde{n}@example.no", mail_from="Eksempel Kraft <no-reply@kraft.example.no>",
                         notification_id=f"{n:026d}", language="nb", date=datetime.now(UTC)).data
             for n in range(args.mails)]
    now = datetime.now(UTC)
    print(f"load average {os.getloadavg()[0]:.2f}, {args.mails} mails of {len(mails[0])} bytes")
    keys = {"rsa-sha256": rsa.generate_private_key(public_exponent=65537, key_size=2048),
            "ed25519-sha256": ed25519.Ed25519PrivateKey.generate()}
    for algorithm, key in keys.items():
        signer = DkimSigner("bench", "kraft.example.no", algorithm, b"", key)
        started = time.process_time()
        prepared = [signer.prepare(mail, now) for mail in mails]
        loop_part = time.process_time() - started
        started = time.process_time()
        signatures = signer.sign_digests([p.digest for p in prepared])
        key_step = time.process_time() - started
        started = time.process_time()
        for p, signature in zip(prepared, signatures, strict=True):
            signer.finish(p, signature)
        loop_part += time.process_time() - started
        started = time.process_time()
        for start in range(0, len(mails), CHUNK):
            await signer.sign_many(mails[start:start + CHUNK], now)
        whole = time.process_time() - started
        print(f"{algorithm}: event loop's part {per_mail(loop_part, len(mails))}, private-key step "
              f"{per_mail(key_step, len(mails))}, sign_many in chunks of {CHUNK} (process CPU) "
              f"{per_mail(whole, len(mails))} a mail")


if __name__ == "__main__":
    asyncio.run(main())
