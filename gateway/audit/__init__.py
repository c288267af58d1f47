"""The tamper-evident audit log: append entries in the caller's transaction, verify the chain."""

from gateway.audit.log import (
                               GENESIS,
                               STAFF_READ,
                               Entry,
                               StaffRead,
                               VerifyResult,
                               append,
                               append_many,
                               append_many_sync,
                               latest_details,
                               staff_reads,
                               verify,
)

__all__ = ["GENESIS", "STAFF_READ", "Entry", "StaffRead", "VerifyResult", "append", "append_many",
           "append_many_sync", "latest_details", "staff_reads", "verify"]
