"""Domain errors. Each maps to one RFC 9457 problem type in gateway.rest.problems; messages never
carry personal data or content."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class GatewayError(Exception):
    status = 400
    type = "about:blank"
    title = "Bad request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class ValidationFailed(GatewayError):
    status = 422
    type = "validation-error"
    title = "The request is not valid"

    def __init__(self, errors: Sequence[dict[str, str]]) -> None:
        first = errors[0]
        super().__init__(f"{first['field']}: {first['detail']}", errors=list(errors))


class GuardRefused(GatewayError):
    status = 422
    type = "content-refused"
    title = "The content guard refused the message"

    def __init__(self, findings: Sequence[dict[str, Any]]) -> None:
        super().__init__(
            "The message asks for confidential data or is otherwise unsafe to send",
            findings=list(findings),
        )


class NotFound(GatewayError):
    status = 404
    type = "not-found"
    title = "Not found"


class Conflict(GatewayError):
    status = 409
    type = "conflict"
    title = "Conflict"
