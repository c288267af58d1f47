"""Settings: GATEWAY_* environment, an optional TOML file, and one clear line per bad setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.settings import ConfigError, Settings


def test_defaults_match_the_interface_contract() -> None:
    s = Settings.load({})
    assert (s.env, s.host, s.port) == ("development", "127.0.0.1", 8080)
    assert s.database_url.startswith("sqlite:///data/")
    assert (s.keys_dir, s.templates_dir, s.smtp_tls) == ("keys", "templates", "none")
    assert s.max_body_bytes == 10 * 1024 * 1024
    assert s.retry_give_up_seconds == 4 * 24 * 3600


def test_environment_overrides_toml_which_overrides_defaults(tmp_path: Path) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text('port = 9000\nsmtp_tls = "starttls"\ncompany_name = "Fjordkraft"\n')
    s = Settings.load({"GATEWAY_CONFIG": str(config), "GATEWAY_PORT": "9100"})
    assert (s.port, s.smtp_tls, s.company_name) == (9100, "starttls", "Fjordkraft")


@pytest.mark.parametrize("env, named", [
    ({"GATEWAY_PORT": "eighty"}, "GATEWAY_PORT"),
    ({"GATEWAY_PORT": "70000"}, "GATEWAY_PORT"),
    ({"GATEWAY_SMTP_TLS": "ssl"}, "GATEWAY_SMTP_TLS"),
    ({"GATEWAY_ENV": "staging"}, "GATEWAY_ENV"),
    ({"GATEWAY_PUBLIC_URL": "min.example.no"}, "GATEWAY_PUBLIC_URL"),
    ({"GATEWAY_PUBLIC_URL": "https://min.example.no/?t=1"}, "GATEWAY_PUBLIC_URL"),
    ({"GATEWAY_RETRY_BASE_SECONDS": "-1"}, "GATEWAY_RETRY_BASE_SECONDS"),
    ({"GATEWAY_DATABASE_URL": "mysql://x"}, "GATEWAY_DATABASE_URL"),
    ({"GATEWAY_ENV": "production", "GATEWAY_PUBLIC_URL": "https://min.example.no"}, "GATEWAY_OIDC_ISSUER"),
])
def test_invalid_setting_is_one_line_naming_it(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.load(env)
    message = str(caught.value)
    assert named in message and "\n" not in message


def test_secret_values_are_never_echoed(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.load({"GATEWAY_DATABASE_URL": "mysql://user:hunter2@db"})
    assert "hunter2" not in str(caught.value)
    assert "hunter2" not in repr(Settings.load({"GATEWAY_SMTP_PASSWORD": "hunter2"}))


def test_bad_toml_file_is_reported(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("port = [")
    with pytest.raises(ConfigError, match="not valid TOML"):
        Settings.load({"GATEWAY_CONFIG": str(config)})
    config.write_text("colour = 1")
    with pytest.raises(ConfigError, match="unknown setting: colour"):
        Settings.load({"GATEWAY_CONFIG": str(config)})
