"""OpenID Connect values and checks shared by the relying party (oidc.py) and the portal: errors,
the authorization request and the identity, pending logins, LoA levels, endpoint checks."""

from __future__ import annotations

import base64
import ipaddress
import json
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from joserfc import jws
from joserfc.errors import (
    JoseError,
)

#: ID-porten authentication levels (eIDAS "substantial" = MinID/BankID-app, "high" = BankID).
LOA_SUBSTANTIAL = "idporten-loa-substantial"
LOA_HIGH = "idporten-loa-high"
#: Order of the known levels, lowest first (the legacy Level3/Level4 names map to the same ranks).
_ACR_RANK = {LOA_SUBSTANTIAL: 1, "Level3": 1, LOA_HIGH: 2, "Level4": 2}

#: Signature algorithms the relying party accepts for ID tokens (asymmetric only; never "none",
#: never HMAC). The provider's id_token_signing_alg_values_supported is intersected with this.
ALLOWED_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")

TIMEOUT = aiohttp.ClientTimeout(total=10)
_MAX_RESPONSE_BYTES = 1024 * 1024
MAX_ID_TOKEN_CHARS = 16 * 1024
MAX_ID_TOKEN_AGE = 600  # seconds since iat (plus clock skew) after which an ID token is refused
JWKS_REFETCH_INTERVAL = 60.0  # an unknown kid causes at most one JWKS refetch per kid per minute
PID = re.compile(r"\d{11}")
_ERROR_CODE = re.compile(r"[a-z_]{1,64}")
ACR_VALUES = re.compile(r"[A-Za-z0-9_.:-]+( [A-Za-z0-9_.:-]+)*")


class OIDCError(Exception):
    """Sign-in refused. ``str(err)`` is one line without token contents or personal data."""

    def __init__(self, message: str, *, reason: str = "oidc_error") -> None:
        message = " ".join(str(message).split())
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class AuthRequest:
    """One outstanding authorization request. Keep it server-side; use it once."""

    url: str
    state: str = field(repr=False)
    nonce: str = field(repr=False)
    code_verifier: str = field(repr=False)
    acr_values: str | None


@dataclass(frozen=True)
class Identity:
    """The signed-in person. ``repr`` masks the national identity number."""

    subject: str
    pid: str = field(repr=False)  # the identity claim's value (the national id for the portal)
    acr: str | None
    auth_time: int | None
    amr: tuple[str, ...] = ()  # authentication methods (RFC 8176), when the provider says

    def __repr__(self) -> str:
        return (
            f"Identity(subject={self.subject!r}, pid='***********', acr={self.acr!r}, "
            f"auth_time={self.auth_time!r}, amr={self.amr!r})"
        )

    __str__ = __repr__


class PendingLogins:
    """In-memory, single-use, expiring store of outstanding :class:`AuthRequest` objects, by state.

    Suitable for one process. With several workers, store the AuthRequest in the server-side
    pre-login session instead and delete it when the callback arrives, with the same semantics:
    ``take`` returns a request at most once, and never after ``ttl`` seconds.
    """

    def __init__(
        self, *, ttl: float = 600.0, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl
        self._max = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, AuthRequest]] = OrderedDict()

    def __len__(self) -> int:
        self._purge()
        return len(self._entries)

    def _purge(self) -> None:
        now = self._clock()
        while self._entries:
            state, (expires, _) = next(iter(self._entries.items()))
            if expires > now:
                break
            del self._entries[state]

    def add(self, request: AuthRequest) -> None:
        self._purge()
        while len(self._entries) >= self._max:
            self._entries.popitem(last=False)  # oldest first
        self._entries[request.state] = (self._clock() + self._ttl, request)

    def take(self, state: str | None) -> AuthRequest:
        """Remove and return the request for ``state``; OIDCError if unknown, used or expired."""
        self._purge()
        entry = self._entries.pop(state, None) if isinstance(state, str) else None
        if entry is None:
            raise OIDCError("unknown, expired or already used sign-in state", reason="state_unknown")
        return entry[1]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint(url: Any, what: str) -> str:
    """Endpoints must be absolute https URLs (plain http only on loopback, for tests)."""
    if not isinstance(url, str) or not url:
        raise OIDCError(f"discovery document lacks {what}", reason="discovery")
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and _is_loopback(parts.hostname):
        return url
    raise OIDCError(f"{what} must be an https URL", reason="discovery")


def safe_error_code(value: Any) -> str:
    return value if isinstance(value, str) and _ERROR_CODE.fullmatch(value) else "unrecognised_error"


def acr_satisfies(acr: str | None, requested: str) -> bool:
    """True if ``acr`` meets one of the requested values (a higher known level also does)."""
    if acr is None:
        return False
    wanted = requested.split()
    if acr in wanted:
        return True
    have = _ACR_RANK.get(acr)
    ranks = [_ACR_RANK[v] for v in wanted if v in _ACR_RANK]
    return have is not None and bool(ranks) and have >= min(ranks)


def mfa_satisfied(identity: Identity, amr_values: frozenset[str], acr_level: str | None) -> bool:
    """Did the provider vouch for more than one factor: an `amr` method among `amr_values`
    (e.g. mfa, otp, hwk) or, when `acr_level` is set, an `acr` at least that level?"""
    if amr_values & set(identity.amr):
        return True
    if not acr_level or identity.acr is None:
        return False
    return identity.acr == acr_level or acr_satisfies(identity.acr, acr_level)


def unverified_kid(id_token: str) -> str | None:
    """The kid from the (not yet verified) protected header, only to decide on a JWKS refetch."""
    try:
        kid = jws.extract_compact(id_token.encode("ascii")).headers().get("kid")
    except (JoseError, ValueError, TypeError, UnicodeError):
        return None
    return kid if isinstance(kid, str) and len(kid) <= 256 else None


async def read_json(resp: aiohttp.ClientResponse, what: str) -> Any:
    if resp.content_length is not None and resp.content_length > _MAX_RESPONSE_BYTES:
        raise OIDCError(f"{what} response too large", reason="discovery")
    data = bytearray()
    async for chunk in resp.content.iter_chunked(64 * 1024):
        data += chunk
        if len(data) > _MAX_RESPONSE_BYTES:
            raise OIDCError(f"{what} response too large", reason="discovery")
    try:
        return json.loads(bytes(data))
    except (ValueError, UnicodeDecodeError):
        raise OIDCError(f"{what} did not answer JSON", reason="discovery") from None
