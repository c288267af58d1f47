"""E-mail addresses as the gateway accepts them: one plain ASCII addr-spec, nothing else.

Relays without SMTPUTF8 refuse other addresses, so an internationalised domain is given in its
xn-- form. The pattern is matched whole (``fullmatch``): Python's ``$`` also matches before a
final newline, which once let "a@example.no\\n" through and cut the e-mail's headers short."""

from __future__ import annotations

import re

MAX_LENGTH = 254
LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}"
LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
PATTERN = rf"{LOCAL}@{LABEL}(?:\.{LABEL})+"
_ADDR_SPEC = re.compile(PATTERN)


def is_addr_spec(value: str) -> bool:
    """True for exactly one clean address: no display name, no spaces, no CR/LF, no second address."""
    return len(value) <= MAX_LENGTH and _ADDR_SPEC.fullmatch(value) is not None
