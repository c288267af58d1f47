"""Customers: contact data from billing, encrypted under a key per customer; `sealed` is the one
place it is sealed and opened."""

from gateway.customers.records import LANGUAGES, Contact, CustomerInput, contact, day_or_moment, upsert
from gateway.customers.reindex import BATCH as REINDEX_BATCH
from gateway.customers.reindex import Reindexed, backfill_email_index, missing_email_index
from gateway.customers.sealed import open_contact, open_email

__all__ = ["LANGUAGES", "REINDEX_BATCH", "Contact", "CustomerInput", "Reindexed", "backfill_email_index", "contact",
           "day_or_moment", "missing_email_index", "open_contact", "open_email", "upsert"]
