"""Customers: contact data from billing, encrypted under a key per customer; `sealed` is the one
place it is sealed and opened."""

from gateway.customers.records import LANGUAGES, Contact, CustomerInput, contact, day_or_moment, upsert
from gateway.customers.sealed import open_contact, open_email

__all__ = ["LANGUAGES", "Contact", "CustomerInput", "contact", "day_or_moment", "open_contact", "open_email",
           "upsert"]
