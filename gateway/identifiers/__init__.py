"""Norwegian and payment identifiers: the one place they are validated.

A leaf package: it imports nothing from the rest of the gateway, so the customers code and the
content guard can both use it.
"""

from __future__ import annotations

from . import national_id
from .accounts import valid_account, valid_card, valid_iban
from .national_id import valid_national_id

__all__ = ["national_id", "valid_account", "valid_card", "valid_iban", "valid_national_id"]
