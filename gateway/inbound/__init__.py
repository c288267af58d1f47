"""`gateway inbound`: bounces (delivery status notifications) and replies to notifications."""

from gateway.inbound.server import InboundHandler, InboundServer

__all__ = ["InboundHandler", "InboundServer"]
