"""Delivery: the outbox queue (billing enqueues, workers claim with leases), the worker, SMTP, and
the content-free notification e-mail with its re-check by the guard."""

from gateway.delivery.context import DeliveryContext
from gateway.delivery.queue import enqueue_sync, new_job, notify

__all__ = ["DeliveryContext", "enqueue_sync", "new_job", "notify"]
