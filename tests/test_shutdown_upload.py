"""Issue 9 item 8: a request whose body is still uploading when `gateway serve` gets SIGTERM is
answered 503 (with Retry-After) at once, not dropped after the shutdown timeout. Real process."""

from __future__ import annotations

import socket
import time

from gateway.cli.serve import SHUTDOWN_TIMEOUT
from tests.support.live import LiveGateway


def test_an_upload_in_progress_at_sigterm_gets_a_prompt_503(live: LiveGateway) -> None:
    port = int(live.base_url.rsplit(":", 1)[1])
    body = b'{"customer_id": "c-1", "category": "invoice", "subject": "Faktura", "body": "' + b"x" * 5000 + b'"}'
    head = (f"POST /api/v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {live.keys['messages:write']}\r\nIdempotency-Key: up-1\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", port), timeout=SHUTDOWN_TIMEOUT) as conn:
        conn.sendall(head + body[:100])  # the rest never comes before the shutdown
        time.sleep(0.5)  # let the handler start waiting for the body (not a proof of absence)
        started = time.monotonic()
        live.process.terminate()
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = conn.recv(65536)
            if not chunk:
                break
            answer += chunk
        elapsed = time.monotonic() - started
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 503"), (answer, live.process.output())
    assert b"retry-after: 1" in rest.lower()
    assert elapsed < SHUTDOWN_TIMEOUT / 3, elapsed
