"""The tamper-evident audit log: append entries in the caller's transaction, verify the chain."""

from gateway.audit.log import (
                               GENESIS,
                               Entry,
                               VerifyResult,
                               append,
                               append_many,
                               append_many_sync,
                               latest_details,
                               verify,
)

__all__ = ["GENESIS", "Entry", "VerifyResult", "append", "append_many", "append_many_sync", "latest_details",
           "verify"]
