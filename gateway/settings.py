"""One typed settings object, read from GATEWAY_* environment variables and an optional TOML file.

Precedence: environment variable > TOML file named by GATEWAY_CONFIG > default. Every problem is
reported as a ConfigError whose message is one line naming the setting, never its value (a value may
be a password).
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


class ConfigError(Exception):
    """An invalid setting; the message is a single line that names it."""


def _parse_str(value: str) -> str:
    return value


def _parse_int(value: str) -> int:
    return int(value)


def _parse_float(value: str) -> float:
    result = float(value)
    if result != result or result in (float("inf"), float("-inf")):
        raise ValueError("not a finite number")
    return result


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return value

    return parse


def _positive(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    def check(value: str) -> Any:
        result = parse(value)
        if result <= 0:
            raise ValueError("must be greater than zero")
        return result

    return check


def _port(value: str) -> int:
    port = int(value)
    if not 0 <= port <= 65535:
        raise ValueError("must be a port number 0-65535")
    return port


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an absolute http(s) URL")
    if parts.query or parts.fragment:
        raise ValueError("must not have a query or fragment")
    return value.rstrip("/")


def _bool(value: str) -> bool:
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("must be true or false")


def _dns_label(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?", value):
        raise ValueError("must be one DNS label (letters, digits, hyphens)")
    return value


def _database_url(value: str) -> str:
    if not value.startswith(("sqlite", "postgresql", "postgres")):
        raise ValueError("must be a sqlite:/// or postgresql:// URL")
    return value


def _postgres_url(value: str) -> str:
    if value and not value.startswith(("postgresql://", "postgres://")):
        raise ValueError("must be a postgresql:// URL")
    return value


def _category_days(value: str) -> str:
    """"support=365,general=730" (checked here, read by retention_policy)."""
    for item in filter(None, (part.strip() for part in value.split(","))):
        name, _, days = item.partition("=")
        if not name.strip().isidentifier() or not days.strip().isdigit() or int(days) <= 0:
            raise ValueError("must be category=days pairs separated by commas, e.g. support=365")
    return value


@dataclass(frozen=True)
class Field:
    env: str
    parse: Callable[[str], Any]
    secret: bool = False


# name -> (environment variable, parser). Defaults live on the dataclass below.
_FIELDS: dict[str, Field] = {
    "env": Field("GATEWAY_ENV", _choice("development", "production")),
    "host": Field("GATEWAY_HOST", _parse_str),
    "port": Field("GATEWAY_PORT", _port),
    "serve_processes": Field("GATEWAY_SERVE_PROCESSES", _positive(_parse_int)),
    "public_url": Field("GATEWAY_PUBLIC_URL", _http_url),
    "database_url": Field("GATEWAY_DATABASE_URL", _database_url, secret=True),
    "keys_dir": Field("GATEWAY_KEYS_DIR", _parse_str),
    "templates_dir": Field("GATEWAY_TEMPLATES_DIR", _parse_str),
    "smtp_host": Field("GATEWAY_SMTP_HOST", _parse_str),
    "smtp_port": Field("GATEWAY_SMTP_PORT", _port),
    "smtp_username": Field("GATEWAY_SMTP_USERNAME", _parse_str),
    "smtp_password": Field("GATEWAY_SMTP_PASSWORD", _parse_str, secret=True),
    "smtp_tls": Field("GATEWAY_SMTP_TLS", _choice("none", "starttls", "tls")),
    "smtp_ca_file": Field("GATEWAY_SMTP_CA_FILE", _parse_str),
    "smtp_connections": Field("GATEWAY_SMTP_CONNECTIONS", _positive(_parse_int)),
    "smtp_timeout_seconds": Field("GATEWAY_SMTP_TIMEOUT_SECONDS", _positive(_parse_float)),
    "mail_from": Field("GATEWAY_MAIL_FROM", _parse_str),
    "company_name": Field("GATEWAY_COMPANY_NAME", _parse_str),
    "retry_base_seconds": Field("GATEWAY_RETRY_BASE_SECONDS", _positive(_parse_float)),
    "retry_give_up_seconds": Field("GATEWAY_RETRY_GIVE_UP_SECONDS", _positive(_parse_float)),
    "send_rate_per_second": Field("GATEWAY_SEND_RATE_PER_SECOND", _positive(_parse_float)),
    "lease_seconds": Field("GATEWAY_LEASE_SECONDS", _positive(_parse_float)),
    "worker_metrics_port": Field("GATEWAY_WORKER_METRICS_PORT", _port),
    "worker_batch_size": Field("GATEWAY_WORKER_BATCH_SIZE", _positive(_parse_int)),
    "max_body_bytes": Field("GATEWAY_MAX_BODY_BYTES", _positive(_parse_int)),
    "max_attachment_bytes": Field("GATEWAY_MAX_ATTACHMENT_BYTES", _positive(_parse_int)),
    "oidc_issuer": Field("GATEWAY_OIDC_ISSUER", _parse_str),
    "oidc_client_id": Field("GATEWAY_OIDC_CLIENT_ID", _parse_str),
    "oidc_client_secret": Field("GATEWAY_OIDC_CLIENT_SECRET", _parse_str, secret=True),
    # -- staff sign-in through the company's OpenID provider (issue 12; off while the issuer is empty)
    "staff_oidc_issuer": Field("GATEWAY_STAFF_OIDC_ISSUER", _parse_str),
    "staff_oidc_client_id": Field("GATEWAY_STAFF_OIDC_CLIENT_ID", _parse_str),
    "staff_oidc_client_secret": Field("GATEWAY_STAFF_OIDC_CLIENT_SECRET", _parse_str, secret=True),
    "staff_oidc_claim": Field("GATEWAY_STAFF_OIDC_CLAIM", _parse_str),
    "staff_oidc_amr": Field("GATEWAY_STAFF_OIDC_AMR", _parse_str),
    "staff_oidc_acr": Field("GATEWAY_STAFF_OIDC_ACR", _parse_str),
    "session_idle_seconds": Field("GATEWAY_SESSION_IDLE_SECONDS", _positive(_parse_int)),
    "session_absolute_seconds": Field("GATEWAY_SESSION_ABSOLUTE_SECONDS", _positive(_parse_int)),
    "log_level": Field("GATEWAY_LOG_LEVEL", _choice("DEBUG", "INFO", "WARNING", "ERROR")),
    # -- delivery feedback (issue 14): DKIM, bounces, replies, status callbacks
    "dkim_selector": Field("GATEWAY_DKIM_SELECTOR", _dns_label),
    "dkim_domain": Field("GATEWAY_DKIM_DOMAIN", _parse_str),
    "dkim_algorithm": Field("GATEWAY_DKIM_ALGORITHM", _choice("rsa-sha256", "ed25519-sha256")),
    "bounce_domain": Field("GATEWAY_BOUNCE_DOMAIN", _parse_str),
    "inbound_host": Field("GATEWAY_INBOUND_HOST", _parse_str),
    "inbound_port": Field("GATEWAY_INBOUND_PORT", _port),
    "inbound_in_serve": Field("GATEWAY_INBOUND_IN_SERVE", _bool),
    "inbound_processes": Field("GATEWAY_INBOUND_PROCESSES", _positive(_parse_int)),
    "hard_bounce_limit": Field("GATEWAY_HARD_BOUNCE_LIMIT", _positive(_parse_int)),
    "callback_retry_base_seconds": Field("GATEWAY_CALLBACK_RETRY_BASE_SECONDS", _positive(_parse_float)),
    "callback_give_up_seconds": Field("GATEWAY_CALLBACK_GIVE_UP_SECONDS", _positive(_parse_float)),
    "callback_timeout_seconds": Field("GATEWAY_CALLBACK_TIMEOUT_SECONDS", _positive(_parse_float)),
    "callback_concurrency": Field("GATEWAY_CALLBACK_CONCURRENCY", _positive(_parse_int)),
    # -- issue 13: privacy lifecycle (docs/operations.md, "Privacy")
    "keystore_path": Field("GATEWAY_KEYSTORE_PATH", _parse_str),
    "keystore_url": Field("GATEWAY_KEYSTORE_URL", _postgres_url, secret=True),
    "erasure_log_path": Field("GATEWAY_ERASURE_LOG_PATH", _parse_str),
    "retention_years": Field("GATEWAY_RETENTION_YEARS", _positive(_parse_int)),
    "retention_category_days": Field("GATEWAY_RETENTION_CATEGORY_DAYS", _category_days),
    "retention_check_seconds": Field("GATEWAY_RETENTION_CHECK_SECONDS", _positive(_parse_float)),
}


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    host: str = "127.0.0.1"
    port: int = 8080
    serve_processes: int = 1  # `gateway serve` processes sharing the port (one CPU core each)
    public_url: str = "http://127.0.0.1:8080"
    database_url: str = "sqlite:///data/gateway.db"
    keys_dir: str = "keys"
    templates_dir: str = "templates"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_username: str = ""
    smtp_password: str = dataclasses.field(default="", repr=False)
    smtp_tls: str = "none"
    smtp_ca_file: str = ""  # CA bundle to trust instead of the system CAs (a relay with a private CA)
    smtp_connections: int = 4
    smtp_timeout_seconds: float = 30.0
    mail_from: str = "Min strømside <no-reply@localhost>"
    company_name: str = "Eksempel Kraft AS"
    retry_base_seconds: float = 30.0
    retry_give_up_seconds: float = 4 * 24 * 3600.0
    send_rate_per_second: float = 200.0
    lease_seconds: float = 60.0
    worker_batch_size: int = 100
    worker_metrics_port: int = 0  # `gateway worker` serves /healthz, /readyz, /metrics here; 0: off
    max_body_bytes: int = 10 * 1024 * 1024
    max_attachment_bytes: int = 5 * 1024 * 1024
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = dataclasses.field(default="", repr=False)
    # staff sign-in through the company's OpenID provider: the claim naming the staff account, and
    # the MFA it must vouch for (an amr method of these, or an acr at least this level)
    staff_oidc_issuer: str = ""
    staff_oidc_client_id: str = ""
    staff_oidc_client_secret: str = dataclasses.field(default="", repr=False)
    staff_oidc_claim: str = "email"
    staff_oidc_amr: str = "mfa otp hwk"
    staff_oidc_acr: str = ""
    session_idle_seconds: int = 15 * 60
    session_absolute_seconds: int = 8 * 3600
    log_level: str = "INFO"
    # -- delivery feedback (issue 14); docs/operations.md "Delivery feedback"
    dkim_selector: str = "gateway"
    dkim_domain: str = ""  # "": the domain of GATEWAY_MAIL_FROM
    dkim_algorithm: str = "rsa-sha256"
    bounce_domain: str = ""  # "": the domain of GATEWAY_MAIL_FROM
    inbound_host: str = "127.0.0.1"
    inbound_port: int = 2525
    inbound_in_serve: bool = False
    inbound_processes: int = 1  # `gateway inbound` processes sharing the port (one CPU core each)
    hard_bounce_limit: int = 3
    callback_retry_base_seconds: float = 10.0
    callback_give_up_seconds: float = 3 * 24 * 3600.0
    callback_timeout_seconds: float = 10.0
    callback_concurrency: int = 16
    # -- issue 13: privacy lifecycle. Empty: beside the keys folder (keystore.db, erasures.log).
    keystore_path: str = ""
    # A PostgreSQL database of its own for the key store (several hosts); docs/encryption.md.
    keystore_url: str = dataclasses.field(default="", repr=False)
    erasure_log_path: str = ""
    retention_years: int = 5  # erase when the relationship has ended and this long since the last settled invoice
    retention_category_days: str = ""  # "support=365,general=730": delete those messages this many days old
    retention_check_seconds: float = 3600.0  # how often each serve process asks whether the daily run is due

    @property
    def keystore_file(self) -> Path:
        return Path(self.keystore_path) if self.keystore_path else Path(self.keys_dir).parent / "keystore.db"

    @property
    def keystore_location(self) -> Path | str:
        """What KeyStore.open takes: the PostgreSQL key store's URL if set, else the SQLite file."""
        return self.keystore_url or self.keystore_file

    @property
    def keystore_moving_from(self) -> Path | None:
        """Both set: the SQLite key store at GATEWAY_KEYSTORE_PATH is being moved into the PostgreSQL
        one (`gateway keys import-keystore`) and is read through until then (docs/operations.md)."""
        return Path(self.keystore_path) if self.keystore_url and self.keystore_path else None

    @property
    def erasure_log_file(self) -> Path:
        return Path(self.erasure_log_path) if self.erasure_log_path else Path(self.keys_dir).parent / "erasures.log"

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer)

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read settings; raise ConfigError (one line, naming the setting) on the first bad one."""
        environ = os.environ if environ is None else environ
        raw: dict[str, str] = {}
        config_path = environ.get("GATEWAY_CONFIG")
        if config_path:
            raw.update(_read_toml(Path(config_path)))
        for name, field in _FIELDS.items():
            if field.env in environ:
                raw[name] = environ[field.env]
        values = {name: _convert(name, value) for name, value in raw.items()}
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        """Checks that span several settings."""
        if self.is_production:
            if not self.oidc_enabled or not self.oidc_client_id or not self.oidc_client_secret:
                raise ConfigError(
                    "GATEWAY_OIDC_ISSUER, GATEWAY_OIDC_CLIENT_ID and GATEWAY_OIDC_CLIENT_SECRET "
                    "are required when GATEWAY_ENV=production"
                )
            if not self.public_url.startswith("https://"):
                raise ConfigError("GATEWAY_PUBLIC_URL must be an https:// URL when GATEWAY_ENV=production")
        if self.staff_oidc_issuer and not (self.staff_oidc_client_id and self.staff_oidc_client_secret):
            raise ConfigError("GATEWAY_STAFF_OIDC_CLIENT_ID and GATEWAY_STAFF_OIDC_CLIENT_SECRET are required "
                              "with GATEWAY_STAFF_OIDC_ISSUER")
        self._validate_keystore()
        if self.session_idle_seconds > self.session_absolute_seconds:
            raise ConfigError(
                "GATEWAY_SESSION_IDLE_SECONDS must not exceed GATEWAY_SESSION_ABSOLUTE_SECONDS"
            )

    def _validate_keystore(self) -> None:
        """Production on PostgreSQL must say where the key store lives: a SQLite file beside keys/
        (the development default) is one per host, which breaks several hosts silently."""
        on_postgres = self.database_url.startswith(("postgresql", "postgres"))
        if self.is_production and on_postgres and not (self.keystore_url or self.keystore_path):
            raise ConfigError("GATEWAY_KEYSTORE_URL (a PostgreSQL database of its own for the key store) is "
                              "required when GATEWAY_DATABASE_URL is PostgreSQL and GATEWAY_ENV=production; "
                              "set GATEWAY_KEYSTORE_PATH instead to keep a SQLite key store on one host")
        if self.keystore_url and on_postgres and _same_database(self.keystore_url, self.database_url):
            raise ConfigError("GATEWAY_KEYSTORE_URL must name a database other than GATEWAY_DATABASE_URL's: "
                              "the key store must stay out of the database backups")

    @functools.cached_property
    def mail_domain(self) -> str:
        """The domain of GATEWAY_MAIL_FROM's address."""
        return parseaddr(self.mail_from)[1].rpartition("@")[2].lower() or "localhost"

    @functools.cached_property
    def signing_domain(self) -> str:
        return (self.dkim_domain or self.mail_domain).lower()

    @functools.cached_property
    def return_path_domain(self) -> str:
        return (self.bounce_domain or self.mail_domain).lower()

    @property
    def public_origin(self) -> str:
        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}"


def _same_database(a: str, b: str) -> bool:
    def where(url: str) -> tuple[str, int, str]:
        parts = urlsplit(url)
        return ((parts.hostname or "localhost").lower(), parts.port or 5432, parts.path.strip("/"))

    return where(a) == where(b)


def _convert(name: str, value: Any) -> Any:
    field = _FIELDS[name]
    try:
        return field.parse(str(value))
    except (ValueError, TypeError) as exc:
        # Never echo a secret's value back; other values are safe to name the reason for.
        reason = "is invalid" if field.secret else f"is invalid: {exc}"
        raise ConfigError(f"{field.env} {reason}") from None


def _read_toml(path: Path) -> dict[str, str]:
    """TOML keys are the setting names without the prefix, in lower case: port = 8080."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"GATEWAY_CONFIG file {path} cannot be read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"GATEWAY_CONFIG file {path} is not valid TOML: {exc}") from None
    table = data.get("gateway", data)
    unknown = sorted(set(table) - set(_FIELDS))
    if unknown:
        raise ConfigError(f"GATEWAY_CONFIG file {path} has an unknown setting: {unknown[0]}")
    return {key: value for key, value in table.items()}
