"""Customers: contact data from billing, encrypted under a key per customer."""

from gateway.customers.records import LANGUAGES, Contact, CustomerInput, contact, parse_customer, upsert

__all__ = ["LANGUAGES", "Contact", "CustomerInput", "contact", "parse_customer", "upsert"]
