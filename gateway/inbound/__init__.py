"""`gateway inbound`: bounces (delivery status notifications) and replies to notifications."""

from gateway.inbound.replies import ReplyAttempt, attempts_for
from gateway.inbound.server import InboundHandler, InboundServer

__all__ = ["InboundHandler", "InboundServer", "ReplyAttempt", "attempts_for"]
