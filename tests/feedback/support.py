"""Shared by the delivery-feedback tests: the DKIM record as published, a resolver stub for dkimpy."""

from __future__ import annotations

import re
from collections.abc import Callable


def txt_from_zone_line(line: str) -> tuple[str, bytes]:
    """(name, TXT value) from the zone-file line `gateway keys dkim-init` prints."""
    name = line.split()[0].rstrip(".")
    value = "".join(re.findall(r'"([^"]*)"', line))
    return name, value.encode("ascii")


def resolver(records: dict[str, bytes]) -> Callable[..., bytes | None]:
    """dkimpy's dnsfunc: answers only the names published here, as a DNS server would."""

    def dnsfunc(name: bytes | str, timeout: int = 5) -> bytes | None:
        key = (name.decode() if isinstance(name, bytes) else name).rstrip(".").lower()
        return records.get(key)

    return dnsfunc
