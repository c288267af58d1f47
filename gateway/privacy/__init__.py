"""The privacy lifecycle (docs/encryption.md, docs/operations.md): erasure that holds against old
backups, the erasure log and its replay, backups, retention, access (export) and correction."""

from gateway.privacy.erasure import Erasure, check_id, erase, replay, unfinished
from gateway.privacy.erasure_log import ErasureLogError

__all__ = ["Erasure", "ErasureLogError", "check_id", "erase", "replay", "unfinished"]
