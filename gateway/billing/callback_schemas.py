"""The status-callback API's bodies, declared once (as issue 9 declares the other routes' bodies):
msgspec decodes and validates requests against these, and the OpenAPI document derives their JSON
Schema from the same declarations (gateway/web/openapi.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal, TypeVar

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from gateway.callbacks.registry import MAX_URL
from gateway.errors import GatewayError, ValidationFailed

DateTime = Annotated[datetime, Meta(tz=True, extra_json_schema={"format": "date-time"},
                                    description="RFC 3339, with a time zone offset")]


class CallbackRequest(Struct, forbid_unknown_fields=True):
    """PUT /api/v1/callbacks."""

    url: Annotated[str, Meta(max_length=MAX_URL, extra_json_schema={"format": "uri"},
                             description="http(s) (https only in production), no credentials or fragment")]
    rotate_secret: bool = False


class ReplayRequest(Struct, forbid_unknown_fields=True):
    """POST /api/v1/callbacks/replay: given-up events (and delivered ones if asked) again."""

    message_id: Annotated[str, Meta(max_length=64)] | UnsetType = UNSET
    since: DateTime | UnsetType = UNSET
    include_delivered: bool = False


class Callback(Struct):
    url: str
    secret: Annotated[str, Meta(description="whsec_…: verify webhook-signature with it (Standard Webhooks)")]


class EventCounts(Struct):
    pending: int
    delivered: int
    failed: int


class CallbackState(Struct):
    url: str
    events: EventCounts


class Replayed(Struct):
    replayed: int


class EventData(Struct):
    message_id: str
    status: Literal["sent", "failed", "held", "bounced", "read"]
    occurred_at: DateTime


class CallbackEvent(Struct):
    """The body POSTed to the callback URL, with the headers webhook-id, webhook-timestamp and
    webhook-signature (Standard Webhooks)."""

    type: Literal["message.sent", "message.failed", "message.held", "message.bounced", "message.read"]
    timestamp: DateTime
    data: EventData


COMPONENTS = (CallbackRequest, ReplayRequest, Callback, CallbackState, Replayed, CallbackEvent)

_DECODERS: dict[type, msgspec.json.Decoder[object]] = {}
T = TypeVar("T")


def decode(kind: type[T], raw: bytes) -> T:
    """The body as `kind`, or a 422 naming the field (a 400-class problem for JSON that is not)."""
    decoder = _DECODERS.setdefault(kind, msgspec.json.Decoder(kind))
    try:
        return decoder.decode(raw)  # type: ignore[return-value]
    except msgspec.ValidationError as exc:
        message = str(exc)
        field = message.rsplit("at `$.", 1)[1].rstrip("`") if "at `$." in message else "body"
        raise ValidationFailed([{"field": field, "detail": message.split(" - at ", 1)[0]}]) from None
    except (msgspec.DecodeError, RecursionError):
        raise GatewayError("The request body is not valid JSON") from None


def since_utc(since: datetime) -> datetime:
    """`since` in UTC; one beyond datetime's range there (0001-01-01T00:00+01:00, or year 9999 at
    -14:00) is before every event or after all of them, so it is clamped instead of failing."""
    try:
        return since.astimezone(UTC)
    except OverflowError:
        edge = datetime.min if since.year == datetime.min.year else datetime.max
        return edge.replace(tzinfo=UTC)
