"""The one place a customer's contact data is sealed and opened (e-mail, name, national id), each
field bound to its customer by the envelope's associated data (docs/encryption.md)."""

from __future__ import annotations

from typing import Any, Protocol

from gateway.crypto import Crypto, CustomerKey

EMAIL, NAME, NATIONAL_ID = "customer.email", "customer.name", "customer.national_id"


class ContactInput(Protocol):
    @property
    def email(self) -> str: ...
    @property
    def name(self) -> str | None: ...
    @property
    def national_id(self) -> str | None: ...


def sealed_fields(crypto: Crypto, key: CustomerKey, data: ContactInput) -> dict[str, Any]:
    """The customers row's encrypted columns (and the blind indexes of e-mail and national id) for `data`."""
    def seal(field: str, value: str | None) -> bytes | None:
        return None if value is None else crypto.seal(key, field, value.encode())

    return {
        "email_enc": seal(EMAIL, data.email),
        "name_enc": seal(NAME, data.name),
        "national_id_enc": seal(NATIONAL_ID, data.national_id),
        "national_id_index": crypto.blind_index(data.national_id) if data.national_id else None,
        "email_index": email_index(crypto, data.email),
    }


def email_index(crypto: Crypto, email: str) -> str:
    """The e-mail blind index as the customers row keeps it: the upsert and the backfill both use this."""
    return crypto.email_index(email)


def open_email(crypto: Crypto, key: CustomerKey, email_enc: bytes) -> str:
    """The customer's e-mail address; raises DecryptionError if it does not open under `key`."""
    return crypto.open(key, EMAIL, email_enc).decode()


def open_contact(crypto: Crypto, key: CustomerKey, row: Any) -> dict[str, str | None]:
    """E-mail, name and national id of a customers row (None where not given)."""
    def opened(field: str, value: bytes | None) -> str | None:
        return None if value is None else crypto.open(key, field, value).decode("utf-8")

    return {"email": opened(EMAIL, row.email_enc), "name": opened(NAME, row.name_enc),
            "national_id": opened(NATIONAL_ID, row.national_id_enc)}
