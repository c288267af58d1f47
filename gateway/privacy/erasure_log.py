"""The erasure log: every erased customer id, appended to a file outside the database (beside the
keys folder), so that erasures can be replayed after a database restore (`gateway erasures replay`).

One JSON object per line: {"at": "<UTC ISO time>", "customer_id": "<id>"}. Ids only, never personal
data. Each append is flushed and fsync'ed before the erasure proceeds.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path


class ErasureLogError(Exception):
    """The erasure log cannot be read or written; the message is one line naming the file."""


def append_many(path: Path, customer_ids: Iterable[str], at: datetime) -> None:
    """Append one line per id, all in one write and one fsync."""
    stamp = at.isoformat(timespec="seconds")
    data = "".join(json.dumps({"at": stamp, "customer_id": cid}) + "\n" for cid in customer_ids).encode()
    if not data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    except OSError as exc:
        raise ErasureLogError(f"cannot write the erasure log {path}: {exc.strerror}") from None
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


def read_ids(path: Path) -> list[str]:
    """Every id in the log, in order, each once. A missing file is an empty log; a torn last line
    (a crash mid-append) is ignored, any other bad line refused."""
    if not path.exists():
        return []
    seen: dict[str, None] = {}
    lines = path.read_text(encoding="utf-8").split("\n")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            customer_id = json.loads(line)["customer_id"]
        except (ValueError, KeyError, TypeError):
            if number == len(lines):
                continue
            raise ErasureLogError(f"erasure log {path} line {number} is not an erasure record") from None
        if not isinstance(customer_id, str):
            raise ErasureLogError(f"erasure log {path} line {number} is not an erasure record")
        seen.setdefault(customer_id, None)
    return list(seen)
