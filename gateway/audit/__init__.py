"""The tamper-evident audit log: append entries in the caller's transaction, verify the chain."""

from gateway.audit.log import (
                               GENESIS,
                               STAFF_READ,
                               Entry,
                               Recorded,
                               StaffRead,
                               VerifyResult,
                               append,
                               append_many,
                               append_many_sync,
                               concerning,
                               latest_details,
                               staff_reads,
                               verify,
)
from gateway.audit.query import Filter, Row, search

__all__ = [
                               "GENESIS",
                               "STAFF_READ",
                               "Entry",
                               "Filter",
                               "Recorded",
                               "Row",
                               "StaffRead",
                               "VerifyResult",
                               "append",
                               "append_many",
                               "append_many_sync",
                               "concerning",
                               "latest_details",
                               "search",
                               "staff_reads",
                               "verify",
]
