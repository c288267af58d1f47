"""A real OpenID provider for tests: the Node project in ``tests/oidc_provider`` (npm ``oidc-provider``).

Usage (pytest-asyncio, ``asyncio_mode=auto``)::

    from tests.support.oidc_provider import start_oidc_provider

    @pytest.fixture
    async def idp():
        async with start_oidc_provider(redirect_uris=["http://127.0.0.1:8080/portal/login/callback"]) as p:
            yield p

    callback_url = await idp.login(auth_url, pid="01419010029")          # no browser needed
    callback_url = await idp.login(auth_url, pid="01419010029", acr="high")
    callback_url = await idp.login(auth_url, pid="01419010029", cancel=True)  # error=access_denied
    async with idp.misbehaving("expired"):                                 # see MISBEHAVIOURS
        ...

The provider listens on 127.0.0.1 only. ``npm ci`` runs once, only when ``node_modules`` is missing
(CI should run ``npm ci --prefix tests/oidc_provider`` itself). A missing ``node``/``npm`` or a
failed install raises :class:`OIDCProviderError`; nothing is skipped.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import fcntl
import functools
import os
import re
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

import aiohttp

PROVIDER_DIR = Path(__file__).resolve().parents[1] / "oidc_provider"
DEFAULT_REDIRECT_URI = "http://127.0.0.1:8080/portal/login/callback"
#: A synthetic national id (Tenor style: month + 40, valid check digits): never a real person.
TEST_PID = "01419010029"

#: Modes understood by the provider's test-only admin endpoint (see tests/oidc_provider/server.js).
MISBEHAVIOURS = frozenset(
    {
        "none",
        "wrong_issuer",
        "wrong_audience",
        "multiple_audiences_without_azp",
        "wrong_azp",
        "expired",
        "not_yet_valid",
        "stale",
        "wrong_nonce",
        "no_nonce",
        "no_pid",
        "acr_substantial",
        "bad_signature",
        "unknown_kid",
        "rotated_key",
        "alg_none",
        "hs256_client_secret",
    }
)


class OIDCProviderError(RuntimeError):
    """The test provider could not be installed, started or driven."""


def query_of(url: str) -> dict[str, str]:
    """The query parameters of a (callback) URL as a dict."""
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


@dataclass
class ProviderHandle:
    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str
    redirect_uris: tuple[str, ...]
    admin_token: str = field(repr=False)
    client_auth_method: str
    process: asyncio.subprocess.Process = field(repr=False)
    _stderr: collections.deque[str] = field(repr=False, default_factory=lambda: collections.deque(maxlen=200))

    def gateway_env(self) -> dict[str, str]:
        """The gateway's configuration for this provider (GATEWAY_OIDC_ISSUER, _CLIENT_ID, _CLIENT_SECRET)."""
        return {
            "GATEWAY_OIDC_ISSUER": self.issuer,
            "GATEWAY_OIDC_CLIENT_ID": self.client_id,
            "GATEWAY_OIDC_CLIENT_SECRET": self.client_secret,
        }

    @property
    def stderr_tail(self) -> str:
        return "".join(self._stderr)

    async def set_misbehaviour(self, mode: str) -> None:
        """Make every ID token issued from now on misbehave in ``mode`` ("none" to behave again)."""
        if mode not in MISBEHAVIOURS:
            raise ValueError(f"unknown misbehaviour {mode!r}")
        async with aiohttp.ClientSession() as http, http.post(
            f"{self.issuer}/__test__/misbehave",
            json={"mode": mode},
            headers={"Authorization": f"Bearer {self.admin_token}"},
        ) as resp:
            if resp.status != 200:
                raise OIDCProviderError(f"provider refused misbehaviour {mode!r}: HTTP {resp.status}")

    @contextlib.asynccontextmanager
    async def misbehaving(self, mode: str) -> AsyncIterator[None]:
        await self.set_misbehaviour(mode)
        try:
            yield
        finally:
            await self.set_misbehaviour("none")

    async def login(
        self,
        auth_url: str,
        *,
        pid: str = TEST_PID,
        acr: str | None = None,
        cancel: bool = False,
        session: aiohttp.ClientSession | None = None,
        email: str | None = None,
        amr: str | None = None,
    ) -> str:
        """Drive the provider's login form with plain HTTP, as a browser would.

        Starts at ``auth_url`` (the relying party's authorization request URL), signs in as
        ``pid`` (``acr="high"`` ticks the high level) or cancels, and returns the URL the provider
        redirects back to (on the relying party; not fetched). Pass ``session`` (with a cookie jar
        that accepts IP hosts: ``aiohttp.CookieJar(unsafe=True)``) to keep the provider's SSO
        session between logins. ``email`` adds an e-mail claim, ``amr`` (space-separated methods,
        e.g. ``"pwd otp"``) replaces the default ``TESTID`` (staff sign-in tests).
        """
        own = session is None
        http = session or aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        origin = _origin(self.issuer)
        try:
            url = auth_url
            posted = False
            for _ in range(20):
                if _origin(url) != origin:
                    return url
                async with http.get(url, allow_redirects=False) as resp:
                    body = await resp.text()
                    if resp.status in (302, 303):
                        url = urljoin(url, resp.headers["Location"])
                        continue
                    if resp.status != 200:
                        raise OIDCProviderError(f"provider answered HTTP {resp.status} at {urlsplit(url).path}")
                if posted:
                    raise OIDCProviderError("provider showed the login page again after the login")
                match = re.search(r'<form method="post" action="([^"]+)"', body)
                if not match:
                    raise OIDCProviderError("no login form on the provider's page")
                form = {"pid": pid, "acr": acr or "substantial", "action": "cancel" if cancel else "login"}
                form.update({k: v for k, v in (("email", email), ("amr", amr)) if v is not None})
                action = urljoin(url, unescape(match.group(1)))
                async with http.post(action, data=form, allow_redirects=False) as resp:
                    if resp.status not in (302, 303):
                        raise OIDCProviderError(f"login form answered HTTP {resp.status}")
                    url = urljoin(action, resp.headers["Location"])
                posted = True
            raise OIDCProviderError("too many redirects at the provider")
        finally:
            if own:
                await http.close()


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


@functools.cache
def _require_node() -> tuple[str, str]:
    node = shutil.which("node")
    npm = shutil.which("npm")
    if not node or not npm:
        raise OIDCProviderError(
            "the test OpenID provider needs Node.js (node and npm on PATH, Node >= 20.19); "
            "install Node and run: npm ci --prefix tests/oidc_provider"
        )
    out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    match = re.fullmatch(r"v(\d+)\.(\d+)\.\d+.*", out)
    if not match or (int(match.group(1)), int(match.group(2))) < (20, 19):
        raise OIDCProviderError(f"the test OpenID provider needs Node.js >= 20.19, found {out or 'unknown'}")
    return node, npm


async def _ensure_installed(npm: str) -> None:
    markers = [PROVIDER_DIR / "node_modules" / name / "package.json" for name in ("oidc-provider", "jose")]
    if all(m.exists() for m in markers):
        return
    lock_path = Path(tempfile.gettempdir()) / f"gateway-oidc-provider-{os.getuid()}.lock"
    with open(lock_path, "w") as lock:
        await asyncio.to_thread(fcntl.flock, lock, fcntl.LOCK_EX)
        try:
            if all(m.exists() for m in markers):  # installed by a concurrent test process meanwhile
                return
            proc = await asyncio.create_subprocess_exec(
                npm, "ci", "--no-audit", "--no-fund", "--prefix", str(PROVIDER_DIR),
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            )
            out, _ = await proc.communicate()
            if proc.returncode != 0 or not all(m.exists() for m in markers):
                tail = out.decode(errors="replace")[-2000:]
                raise OIDCProviderError(
                    f"`npm ci --prefix tests/oidc_provider` failed (exit {proc.returncode}):\n{tail}"
                )
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextlib.asynccontextmanager
async def start_oidc_provider(
    *,
    client_id: str = "gateway",
    client_secret: str | None = None,
    redirect_uris: Iterable[str] = (DEFAULT_REDIRECT_URI,),
    issuer: str | None = None,
    client_auth_method: str = "client_secret_basic",
    redirect_any_port: bool = False,
    port: int = 0,
    startup_timeout: float = 30.0,
    extra_env: Mapping[str, str] | None = None,
) -> AsyncIterator[ProviderHandle]:
    """Install (if needed) and run the test OpenID provider; stop it on exit.

    ``issuer`` may contain ``{port}`` (the default is ``http://127.0.0.1:{port}``).
    ``redirect_any_port=True`` lets a registered loopback redirect URI match any port.
    """
    node, npm = _require_node()
    await _ensure_installed(npm)
    uris = tuple(redirect_uris)
    if not uris:
        raise ValueError("at least one redirect URI is needed")
    secret = client_secret or secrets.token_urlsafe(32)
    admin_token = secrets.token_urlsafe(32)
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_CLIENT_ID": client_id,
        "OIDC_CLIENT_SECRET": secret,
        "OIDC_REDIRECT_URIS": " ".join(uris),
        "OIDC_CLIENT_AUTH_METHOD": client_auth_method,
        "OIDC_ADMIN_TOKEN": admin_token,
        "OIDC_REDIRECT_ANY_PORT": "1" if redirect_any_port else "0",
        **(extra_env or {}),
    }
    if issuer is not None:
        env["OIDC_ISSUER"] = issuer
    else:
        env.pop("OIDC_ISSUER", None)
    proc = await asyncio.create_subprocess_exec(
        node, "server.js", cwd=PROVIDER_DIR, env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    stderr_lines: collections.deque[str] = collections.deque(maxlen=200)

    async def drain(stream: asyncio.StreamReader, sink: collections.deque[str] | None) -> None:
        while line := await stream.readline():
            if sink is not None:
                sink.append(line.decode(errors="replace"))

    assert proc.stdout is not None and proc.stderr is not None
    stderr_task = asyncio.create_task(drain(proc.stderr, stderr_lines))
    stdout_task: asyncio.Task[None] | None = None
    try:
        try:
            async with asyncio.timeout(startup_timeout):
                while True:
                    line = (await proc.stdout.readline()).decode(errors="replace")
                    if not line:
                        await proc.wait()
                        await asyncio.wait_for(stderr_task, 2)
                        raise OIDCProviderError(
                            f"test OpenID provider exited with {proc.returncode} before READY:\n"
                            + "".join(stderr_lines)[-2000:]
                        )
                    if line.startswith("READY "):
                        base = line.split(" ", 1)[1].strip()
                        break
        except TimeoutError:
            raise OIDCProviderError(
                f"test OpenID provider not READY within {startup_timeout} s:\n" + "".join(stderr_lines)[-2000:]
            ) from None
        stdout_task = asyncio.create_task(drain(proc.stdout, None))
        actual_issuer = issuer.replace("{port}", base.rsplit(":", 1)[1]) if issuer else base
        yield ProviderHandle(
            issuer=actual_issuer,
            client_id=client_id,
            client_secret=secret,
            redirect_uri=uris[0],
            redirect_uris=uris,
            admin_token=admin_token,
            client_auth_method=client_auth_method,
            process=proc,
            _stderr=stderr_lines,
        )
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 5)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        for task in (stderr_task, stdout_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
