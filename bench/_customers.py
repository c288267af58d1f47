"""Bulk set-up of customers for the benches, run under the measured code's own Python:

    python bench/_customers.py KEYS_DIR SQLITE_PATH COUNT LANGUAGE

Inserts customers cust-000000 ... straight into the database with the gateway's own encryption code
(a customer key per customer, wrapped by the KEK and, where the key store exists, first by the
customer's secret in it; e-mail and name sealed under it, as
PUT /api/v1/customers/{id} stores them), in one transaction. The modules are looked up where each
layout of the code keeps them; when none is found this exits 3 and bench/_common.py creates the
customers through the API instead.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

# (module, name) candidates, newest layout first
PLACES: dict[str, list[tuple[str, str]]] = {
    "CustomerInput": [("gateway.customers.records", "CustomerInput"), ("gateway.customers", "CustomerInput")],
    # the customers row's columns from a CustomerInput (sealed_fields: the encrypted ones only)
    "row_fields": [("gateway.customers.records", "_encrypted_fields"), ("gateway.customers", "_encrypted_fields"),
                   ("gateway.customers.sealed", "sealed_fields")],
    "customers": [("gateway.storage.schema", "customers"), ("gateway.db.schema", "customers")],
    "utcnow": [("gateway.storage.types", "utcnow"), ("gateway.db.types", "utcnow")],
    "Crypto": [("gateway.crypto", "Crypto")],
    "Keyring": [("gateway.crypto", "Keyring")],
}


def find(name: str) -> Any:
    package = Path(importlib.import_module("gateway").__file__ or "").parent
    for module, attribute in PLACES[name]:
        try:
            imported = importlib.import_module(module)
        except ImportError:
            continue
        # only the imported gateway package's own modules (an editable install in the same venv
        # may offer another checkout's)
        found = getattr(imported, attribute, None)
        if found is not None and Path(imported.__file__ or "").is_relative_to(package):
            return found
    raise LookupError(f"{name} not found in {[m for m, _ in PLACES[name]]}")


def main() -> int:
    keys_dir, db_path, count, language = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    try:
        parts = {name: find(name) for name in PLACES}
    except LookupError as exc:
        print(f"{exc}", file=sys.stderr)
        return 3
    from sqlalchemy import create_engine

    crypto_cls = parts["Crypto"]
    keyring = parts["Keyring"].load(Path(keys_dir))
    ids = [f"cust-{i:06d}" for i in range(count)]
    made: dict[str, Any] = {}
    try:  # a layout with the key store (issue 13): each customer key also under its secret
        keystore = importlib.import_module("gateway.crypto").KeyStore.open(Path(keys_dir).parent / "keystore.db")
        crypto = crypto_cls(keyring, keystore)
        made = keystore.create_many(ids)
    except AttributeError:
        crypto = crypto_cls(keyring)
    now = parts["utcnow"]()
    rows = []
    for customer_id in ids:
        key = crypto.new_customer_key(customer_id, made[customer_id]) if made else crypto.new_customer_key(customer_id)
        data = parts["CustomerInput"](f"{customer_id}@example.no", language, "Ragnhild Nordmann", None, None, None)
        rows.append({"id": customer_id, "key_wrapped": key.wrapped, "kek_id": crypto_cls.kek_id_of(key.wrapped),
                     "created_at": now, "updated_at": now, "language": language,
                     **({"shreddable": True} if made else {}), **parts["row_fields"](crypto, key, data)})
    engine = create_engine(f"sqlite:///{db_path}")
    try:
        with engine.begin() as conn:
            conn.execute(parts["customers"].insert(), rows)
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
