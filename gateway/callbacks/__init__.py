"""Status callbacks to machine clients: events written in the transaction of the state change (an
outbox), delivered at least once, in order per message, signed per Standard Webhooks."""

from gateway.callbacks.events import EVENT_TYPES, emit, emit_sync
from gateway.callbacks.registry import Callback, get_callback, put_callback, secret_for
from gateway.callbacks.replay import replay

__all__ = ["EVENT_TYPES", "Callback", "emit", "emit_sync", "get_callback", "put_callback", "replay", "secret_for"]
