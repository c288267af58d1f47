"""Billing intake: customers' messages as billing sends them (parse, compose, store with their
outbox jobs) and their status. The REST handlers are in billing.api."""

from gateway.billing.group_commit import create_many
from gateway.billing.intake import Outcome
from gateway.billing.messages import MessageInput, parse_customer, parse_message
from gateway.billing.status import status

__all__ = ["MessageInput", "Outcome", "create_many", "parse_customer", "parse_message", "status"]
