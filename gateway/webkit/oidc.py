"""OpenID Connect relying party for the customer portal (ID-porten / BankID in production).

Authorization code flow with PKCE (S256), ``state`` and ``nonce``, discovery, and ID-token
validation with joserfc against the provider's JWKS. The portal calls it like this::

    client = OIDCClient(issuer, client_id, client_secret, f"{public_url}/portal/login/callback", session)
    await client.discover()                                    # once, at start-up
    req = client.authorization_request(acr_values="idporten-loa-substantial")
    pending.add(req)                     # or store req server-side in the pre-login session
    raise web.HTTPFound(req.url)
    ...
    # /portal/login/callback
    expected = pending.take(request.query.get("state"))       # single use: deleted here
    identity = await client.complete(query=request.query, expected=expected)
    # identity.pid -> blind index lookup; identity.acr kept with the session

Every failure raises :class:`OIDCError` whose message is one line and carries no token contents
and no personal data; ``OIDCError.reason`` is a short machine-readable code.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import aiohttp
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    InvalidKeyIdError,
    JoseError,
)
from joserfc.jwk import KeySet

from gateway.webkit.oidc_claims import validate_claims
from gateway.webkit.oidc_common import (
    ACR_VALUES,
    ALLOWED_ALGORITHMS,
    JWKS_REFETCH_INTERVAL,
    LOA_HIGH,
    LOA_SUBSTANTIAL,
    MAX_ID_TOKEN_CHARS,
    TIMEOUT,
    AuthRequest,
    Identity,
    OIDCError,
    PendingLogins,
    acr_satisfies,
    b64url,
    check_endpoint,
    mfa_satisfied,
    read_json,
    safe_error_code,
    unverified_kid,
)

__all__ = [
    "LOA_HIGH",
    "LOA_SUBSTANTIAL",
    "AuthRequest",
    "Identity",
    "OIDCClient",
    "OIDCError",
    "PendingLogins",
    "acr_satisfies",
    "mfa_satisfied",
]

class OIDCClient:
    """Relying party for one OpenID provider and one confidential client."""

    def __init__(
        self,
        issuer: str,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        session: aiohttp.ClientSession,
        *,
        clock_skew: int = 60,
        identity_claim: str = "pid",
    ) -> None:
        """`identity_claim` is the required claim that names the person: the national identity
        number (`pid`, 11 digits) for the portal, a configured one (e.g. `email`) for staff."""
        if not issuer or not client_id or not client_secret or not redirect_uri:
            raise OIDCError("issuer, client id, client secret and redirect URI are required", reason="config")
        check_endpoint(issuer, "issuer")
        check_endpoint(redirect_uri, "redirect URI")
        if not 0 <= clock_skew <= 300:
            raise OIDCError("clock_skew must be between 0 and 300 seconds", reason="config")
        self.issuer = issuer
        self.client_id = client_id
        self._client_secret = client_secret
        self.redirect_uri = redirect_uri
        self._session = session
        self.clock_skew = clock_skew
        if not identity_claim.isidentifier() or identity_claim in ("sub", "iss", "aud", "nonce"):
            raise OIDCError("identity claim must be a plain claim name", reason="config")
        self.identity_claim = identity_claim
        self._metadata: dict[str, Any] | None = None
        self._algorithms: tuple[str, ...] = ()
        self._auth_method = "client_secret_basic"
        self._jwks: KeySet | None = None
        self._jwks_refetched: dict[str, float] = {}
        self._jwks_lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"OIDCClient(issuer={self.issuer!r}, client_id={self.client_id!r})"

    # -- discovery and keys ------------------------------------------------------------------

    async def _get_json(self, url: str, what: str) -> Any:
        try:
            async with self._session.get(
                url, timeout=TIMEOUT, allow_redirects=False, headers={"Accept": "application/json"}
            ) as resp:
                if resp.status != 200:
                    raise OIDCError(f"{what} answered HTTP {resp.status}", reason="discovery")
                return await read_json(resp, what)
        except aiohttp.ClientError as exc:
            raise OIDCError(f"{what} unreachable ({type(exc).__name__})", reason="unreachable") from None
        except TimeoutError:
            raise OIDCError(f"{what} timed out", reason="unreachable") from None

    async def discover(self) -> None:
        """Fetch the discovery document (issuer must match exactly) and the JWKS."""
        url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
        meta = await self._get_json(url, "discovery document")
        if not isinstance(meta, dict):
            raise OIDCError("discovery document is not a JSON object", reason="discovery")
        if meta.get("issuer") != self.issuer:
            raise OIDCError("discovery document names a different issuer", reason="discovery")
        for key, what in (
            ("authorization_endpoint", "authorization endpoint"),
            ("token_endpoint", "token endpoint"),
            ("jwks_uri", "jwks_uri"),
        ):
            check_endpoint(meta.get(key), what)
        if "code" not in meta.get("response_types_supported", ["code"]):
            raise OIDCError("provider does not support the authorization code flow", reason="discovery")
        methods = meta.get("code_challenge_methods_supported")
        if methods is not None and "S256" not in methods:
            raise OIDCError("provider does not support PKCE S256", reason="discovery")
        offered = meta.get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = tuple(alg for alg in offered if alg in ALLOWED_ALGORITHMS)
        if not algorithms:
            raise OIDCError("provider offers no acceptable ID token signature algorithm", reason="discovery")
        auth_methods = meta.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        if "client_secret_basic" in auth_methods:
            auth_method = "client_secret_basic"
        elif "client_secret_post" in auth_methods:
            auth_method = "client_secret_post"
        else:
            raise OIDCError("provider supports neither client_secret_basic nor client_secret_post", reason="discovery")
        jwks = await self._fetch_jwks(meta["jwks_uri"])
        self._metadata = meta
        self._algorithms = algorithms
        self._auth_method = auth_method
        self._jwks = jwks
        self._jwks_refetched.clear()

    @property
    def discovered(self) -> bool:
        return self._metadata is not None

    @property
    def token_endpoint_auth_method(self) -> str:
        return self._auth_method

    async def _fetch_jwks(self, jwks_uri: str) -> KeySet:
        data = await self._get_json(jwks_uri, "JWKS")
        if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
            raise OIDCError("JWKS is not a key set", reason="discovery")
        keys = [
            k for k in data["keys"]
            if isinstance(k, dict) and k.get("use", "sig") == "sig" and k.get("kty") in ("RSA", "EC", "OKP")
            and "d" not in k  # a published private key is a broken provider; do not use it
        ]
        try:
            return KeySet.import_key_set({"keys": keys})
        except (JoseError, ValueError, TypeError, KeyError):
            raise OIDCError("JWKS has no usable signature keys", reason="discovery") from None

    async def _refetch_jwks_for(self, kid: str | None) -> bool:
        """Refetch the JWKS once for an unknown kid (key rotation); False if done recently."""
        assert self._metadata is not None
        marker = kid or ""
        async with self._jwks_lock:
            now = time.monotonic()
            last = self._jwks_refetched.get(marker)
            if last is not None and now - last < JWKS_REFETCH_INTERVAL:
                return False
            self._jwks_refetched[marker] = now
            if len(self._jwks_refetched) > 1000:
                self._jwks_refetched.clear()
            self._jwks = await self._fetch_jwks(self._metadata["jwks_uri"])
            return True

    # -- the flow ----------------------------------------------------------------------------

    def authorization_request(
        self, *, acr_values: str | None = None, prompt: str | None = None, ui_locales: str | None = None
    ) -> AuthRequest:
        """A fresh authorization request: code flow, PKCE S256, random state and nonce (256 bits).

        ``acr_values`` (e.g. ``LOA_HIGH``) asks for an authentication level; ``prompt="login"``
        forces a new login; ``ui_locales`` (e.g. ``"nb"``) picks the provider's language.
        """
        if self._metadata is None:
            raise OIDCError("discover() must run before authorization requests", reason="config")
        if acr_values is not None:
            if not ACR_VALUES.fullmatch(acr_values):
                raise OIDCError("malformed acr_values", reason="config")
            supported = self._metadata.get("acr_values_supported")
            if supported is not None and not set(acr_values.split()) <= set(supported):
                raise OIDCError("acr_values not supported by the provider", reason="config")
        state = secrets.token_urlsafe(32)
        nonce = secrets.token_urlsafe(32)
        code_verifier = secrets.token_urlsafe(64)  # 86 characters of [A-Za-z0-9_-]
        challenge = b64url(hashlib.sha256(code_verifier.encode("ascii")).digest())
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": "openid",
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        if acr_values is not None:
            params["acr_values"] = acr_values
        if prompt is not None:
            params["prompt"] = prompt
        if ui_locales is not None:
            params["ui_locales"] = ui_locales
        endpoint = self._metadata["authorization_endpoint"]
        url = endpoint + ("&" if urlsplit(endpoint).query else "?") + urlencode(params, quote_via=quote)
        return AuthRequest(url=url, state=state, nonce=nonce, code_verifier=code_verifier, acr_values=acr_values)

    async def complete(self, *, query: Mapping[str, str], expected: AuthRequest) -> Identity:
        """Finish the sign-in from the callback's query parameters; OIDCError when anything is off.

        ``expected`` is the AuthRequest stored for this browser (taken once from the store).
        """
        if self._metadata is None:
            await self.discover()
        assert self._metadata is not None
        getall = getattr(query, "getall", None)  # aiohttp's request.query is a MultiDict
        if getall is not None and any(len(getall(k, ())) > 1 for k in ("state", "code", "iss", "error")):
            raise OIDCError("authorization response repeats a parameter", reason="state_mismatch")
        state = query.get("state")
        if not isinstance(state, str) or not hmac.compare_digest(
            state.encode("utf-8", "replace"), expected.state.encode("utf-8")
        ):
            raise OIDCError("sign-in state does not match", reason="state_mismatch")
        iss = query.get("iss")
        if iss is not None:
            if iss != self.issuer:
                raise OIDCError("authorization response from a different issuer", reason="issuer_mismatch")
        elif self._metadata.get("authorization_response_iss_parameter_supported") is True:
            raise OIDCError("authorization response lacks the iss parameter", reason="issuer_mismatch")
        if "error" in query:
            error = safe_error_code(query.get("error"))
            reason = "access_denied" if error == "access_denied" else "provider_error"
            raise OIDCError(f"identity provider returned error: {error}", reason=reason)
        code = query.get("code")
        if not isinstance(code, str) or not code or len(code) > 2048:
            raise OIDCError("authorization response lacks a code", reason="no_code")
        id_token = await self._exchange(code, expected)
        claims = await self._validate_id_token(id_token, expected)
        auth_time = claims.get("auth_time")
        amr = claims.get("amr")
        return Identity(
            subject=claims["sub"],
            pid=claims[self.identity_claim],
            acr=claims.get("acr"),
            auth_time=auth_time if isinstance(auth_time, int) and not isinstance(auth_time, bool) else None,
            amr=tuple(m for m in amr if isinstance(m, str))[:16] if isinstance(amr, list) else (),
        )

    async def _exchange(self, code: str, expected: AuthRequest) -> str:
        assert self._metadata is not None
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": expected.code_verifier,
        }
        headers = {"Accept": "application/json"}
        if self._auth_method == "client_secret_basic":
            # RFC 6749 section 2.3.1: id and secret are form-urlencoded before base64
            userpass = f"{quote(self.client_id, safe='')}:{quote(self._client_secret, safe='')}"
            headers["Authorization"] = "Basic " + base64.b64encode(userpass.encode("utf-8")).decode("ascii")
        else:
            form["client_id"] = self.client_id
            form["client_secret"] = self._client_secret
        try:
            async with self._session.post(
                self._metadata["token_endpoint"], data=form, headers=headers, timeout=TIMEOUT,
                allow_redirects=False,
            ) as resp:
                if resp.status != 200:
                    error = "unrecognised_error"
                    try:
                        body = await read_json(resp, "token endpoint")
                        if isinstance(body, dict):
                            error = safe_error_code(body.get("error"))
                    except OIDCError:
                        pass
                    raise OIDCError(f"token endpoint refused the code: HTTP {resp.status} {error}",
                                    reason="token_error")
                body = await read_json(resp, "token endpoint")
        except aiohttp.ClientError as exc:
            raise OIDCError(f"token endpoint unreachable ({type(exc).__name__})", reason="unreachable") from None
        except TimeoutError:
            raise OIDCError("token endpoint timed out", reason="unreachable") from None
        if not isinstance(body, dict):
            raise OIDCError("token response is not a JSON object", reason="token_error")
        id_token = body.get("id_token")
        if not isinstance(id_token, str) or not id_token:
            raise OIDCError("token response lacks an ID token", reason="token_error")
        return id_token

    async def _validate_id_token(self, id_token: str, expected: AuthRequest) -> dict[str, Any]:
        if len(id_token) > MAX_ID_TOKEN_CHARS or id_token.count(".") != 2:
            raise OIDCError("ID token is not a compact JWS", reason="invalid_id_token")
        assert self._jwks is not None
        try:
            try:
                token = jwt.decode(id_token, self._jwks, algorithms=self._algorithms)
            except InvalidKeyIdError:
                # Key rotation: refetch the JWKS once, then try again.
                kid = unverified_kid(id_token)
                if not await self._refetch_jwks_for(kid):
                    raise
                token = jwt.decode(id_token, self._jwks, algorithms=self._algorithms)
        except InvalidKeyIdError:
            raise OIDCError("ID token signed by a key not in the provider's JWKS", reason="invalid_signature") from None
        except BadSignatureError:
            raise OIDCError("ID token signature is invalid", reason="invalid_signature") from None
        except OIDCError:
            raise
        except (JoseError, ValueError, TypeError, KeyError):
            raise OIDCError("ID token could not be verified", reason="invalid_id_token") from None
        header_alg = token.header.get("alg")
        if header_alg not in self._algorithms:  # defence in depth; joserfc already enforced it
            raise OIDCError("ID token algorithm not allowed", reason="invalid_signature")
        return validate_claims(token.claims, expected, issuer=self.issuer, client_id=self.client_id,
                               identity_claim=self.identity_claim, clock_skew=self.clock_skew)
