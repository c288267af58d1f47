"""Copy one key store into another: the move of a SQLite key store into the PostgreSQL one, and the
restore of a key-store backup (`gateway keys import-keystore FILE`, docs/operations.md).

Online and resumable: secrets go over in batches, each batch one transaction on the target, each
secret kept with its id and bytes (so every wrapped customer key made under it still opens), and
never over a secret or tombstone the target already has. Then every tombstone of the source erases
that customer in the target too. Secrets first, tombstones second: an erasure in the source while
the copy runs is applied by the second part, or by the next run. Stopped anywhere, a run again does
the rest (what is there already is skipped).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gateway.crypto.keystore import KeyStore

BATCH = 500


@dataclass
class Copied:
    secrets_seen: int = 0
    secrets_added: int = 0
    erasures_applied: int = 0


def import_keystore(source: KeyStore, target: KeyStore, *, batch: int = BATCH,
                    after_batch: Callable[[Copied], None] | None = None) -> Copied:
    """Copy `source` into `target` (module docstring). `after_batch` is told the running totals
    after every committed batch (progress output)."""
    done = Copied()
    after = ""
    while found := source.rows(after, batch):
        done.secrets_seen += len(found)
        done.secrets_added += target.adopt(found)
        after = found[-1].customer_id
        if after_batch is not None:
            after_batch(done)
    seq = 0
    while erased := source.tombstones(seq, batch):
        done.erasures_applied += len(target.erase_many([cid for _, cid in erased]))
        seq = erased[-1][0]
        if after_batch is not None:
            after_batch(done)
    return done
