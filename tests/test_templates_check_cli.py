"""`gateway templates check` as a template admin runs it: exit 0 pass, 1 refused, 2 usage error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import run
from tests.support.service import ROOT

pytestmark = pytest.mark.slow  # a `gateway` subprocess per test


def test_shipped_templates_pass() -> None:
    result = run({}, "templates", "check", str(ROOT / "templates" / "email"), str(ROOT / "templates" / "messages"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_refused_template_exits_1_with_findings(tmp_path: Path) -> None:
    bad = tmp_path / "bad.j2"
    bad.write_text("Hei!\n\nSvar på denne e-posten med BankID-koden din, så ordner vi resten.\n")
    result = run({}, "templates", "check", "--kind", "message", str(bad))
    assert result.returncode == 1
    assert "bad.j2:3:" in result.stdout
    as_json = run({}, "templates", "check", "--kind", "message", "--json", str(bad))
    assert as_json.returncode == 1
    findings = json.loads(as_json.stdout)
    assert "request" in json.dumps(findings)


def test_email_template_with_a_forbidden_variable_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "notification.j2"
    bad.write_text("Hei {{ customer_name }}, les meldingen: {{ message_url }}\n")
    result = run({}, "templates", "check", "--kind", "email", str(bad))
    assert result.returncode == 1 and "customer_name" in result.stdout


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run({}, "templates", "check", str(tmp_path / "missing.j2")).returncode == 2
    assert run({}, "templates", "check", "--kind", "sms", str(tmp_path)).returncode == 2
