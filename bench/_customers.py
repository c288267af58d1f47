"""Bulk set-up of customers for the benches, run under the measured code's own Python:

    python bench/_customers.py KEYS_DIR SQLITE_PATH COUNT LANGUAGE

Inserts customers cust-000000 ... straight into the database with the gateway's own encryption code
(a customer key per customer, wrapped by the KEK; e-mail and name sealed under it, as
PUT /api/v1/customers/{id} stores them), in one transaction. Exits 3 when this version of the code
does not have the modules used here (another layout): bench/_common.py then uses the API instead.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main() -> int:
    keys_dir, db_path, count, language = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    try:
        from sqlalchemy import create_engine

        from gateway.crypto import Crypto, Keyring
        from gateway.customers import CustomerInput, _encrypted_fields
        from gateway.db.schema import customers
        from gateway.db.types import utcnow
    except ImportError as exc:
        print(f"{exc}", file=sys.stderr)
        return 3
    crypto = Crypto(Keyring.load(Path(keys_dir)))
    now = utcnow()
    rows = []
    for i in range(count):
        customer_id = f"cust-{i:06d}"
        key = crypto.new_customer_key(customer_id)
        data = CustomerInput(f"{customer_id}@example.no", language, "Ragnhild Nordmann", None, None, None)
        rows.append({"id": customer_id, "key_wrapped": key.wrapped, "kek_id": Crypto.kek_id_of(key.wrapped),
                     "created_at": now, "updated_at": now, **_encrypted_fields(crypto, key, data)})
    engine = create_engine(f"sqlite:///{db_path}")
    try:
        with engine.begin() as conn:
            conn.execute(customers.insert(), rows)
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
