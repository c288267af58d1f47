"""The checks an ID token's claims must pass once its signature is verified (OpenID Connect Core
3.1.3.7): issuer, audience and authorized party, times, nonce, subject, the identity claim and the
authentication level. Every failure is an OIDCError with a one-line message free of token contents."""

from __future__ import annotations

import hmac
import time
from typing import Any

from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError

from gateway.webkit.oidc_common import MAX_ID_TOKEN_AGE, PID, AuthRequest, OIDCError, acr_satisfies


def validate_claims(claims: dict[str, Any], expected: AuthRequest, *, issuer: str, client_id: str,
                    identity_claim: str, clock_skew: int) -> dict[str, Any]:
    """The claims, if they are for this client, this sign-in (nonce) and fresh; else OIDCError."""
    now = int(time.time())
    identity_option: dict[str, Any] = {identity_claim: {"essential": True}}
    registry = jwt.JWTClaimsRegistry(
        now=now,
        leeway=clock_skew,
        iss={"essential": True, "value": issuer},
        sub={"essential": True},
        aud={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True},
        **identity_option,
    )
    try:
        registry.validate(claims)
    except ExpiredTokenError:
        raise OIDCError("ID token has expired", reason="expired") from None
    except MissingClaimError as exc:
        raise OIDCError(f"ID token lacks required claims: {exc.claim}", reason="invalid_id_token") from None
    except InvalidClaimError as exc:
        name = exc.claim if isinstance(exc.claim, str) and exc.claim.isidentifier() else "?"
        reason = {"iss": "issuer_mismatch", "aud": "audience_mismatch", "nbf": "not_yet_valid",
                  "iat": "not_yet_valid"}.get(name, "invalid_id_token")
        raise OIDCError(f"ID token claim '{name}' is invalid", reason=reason) from None
    except JoseError:
        raise OIDCError("ID token claims are invalid", reason="invalid_id_token") from None
    # issuer (exact, also checked above by the registry)
    if claims.get("iss") != issuer:
        raise OIDCError("ID token claim 'iss' is invalid", reason="issuer_mismatch")
    # audience and authorized party
    aud = claims["aud"]
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or client_id not in audiences:
        raise OIDCError("ID token is not meant for this client", reason="audience_mismatch")
    azp = claims.get("azp")
    if len(audiences) > 1 and azp is None:
        raise OIDCError("ID token has several audiences but no azp", reason="audience_mismatch")
    if azp is not None and azp != client_id:
        raise OIDCError("ID token claim 'azp' is invalid", reason="audience_mismatch")
    # times (exp/nbf/iat-in-future are checked by the registry, with skew)
    if claims["iat"] < now - MAX_ID_TOKEN_AGE - clock_skew:
        raise OIDCError("ID token was issued too long ago", reason="expired")
    # nonce
    nonce = claims["nonce"]
    if not isinstance(nonce, str) or not hmac.compare_digest(
        nonce.encode("utf-8", "replace"), expected.nonce.encode("utf-8")
    ):
        raise OIDCError("ID token nonce does not match", reason="nonce_mismatch")
    # subject and national identity number
    if not isinstance(claims["sub"], str) or not claims["sub"] or len(claims["sub"]) > 255:
        raise OIDCError("ID token claim 'sub' is invalid", reason="invalid_id_token")
    pid = claims[identity_claim]
    if identity_claim == "pid" and (not isinstance(pid, str) or not PID.fullmatch(pid)):
        raise OIDCError("ID token claim 'pid' is not an 11-digit national identity number",
                        reason="invalid_id_token")
    if not isinstance(pid, str) or not pid or len(pid) > 320:
        raise OIDCError("ID token identity claim is invalid", reason="invalid_id_token")
    # authentication level
    acr = claims.get("acr")
    if acr is not None and not isinstance(acr, str):
        raise OIDCError("ID token claim 'acr' is invalid", reason="invalid_id_token")
    if expected.acr_values and not acr_satisfies(acr, expected.acr_values):
        raise OIDCError("authentication level below the requested level", reason="acr_too_low")
    return claims
