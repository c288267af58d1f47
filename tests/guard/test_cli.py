"""`gateway templates check`: exit 0 pass, 1 refused, 2 usage error; human and JSON output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from gateway.guard.cli import run_templates_check

PORTAL = "https://min.example.no"
GOOD = '<p>Ny melding fra {{ company_name }}: <a href="{{ message_url }}">les den</a>.</p>\n'
BAD = 'Hei {{ name }}!\nVennligst oppgi passordet ditt her: https://bit.ly/x\n'


def tree(tmp_path: Path) -> Path:
    email = tmp_path / "templates" / "email"
    msgs = tmp_path / "templates" / "messages"
    email.mkdir(parents=True)
    msgs.mkdir(parents=True)
    (email / "notify.html").write_text(GOOD, encoding="utf-8")
    (msgs / "invoice.txt").write_text("Hei {{ customer.name }}, fakturaen er klar.\n", encoding="utf-8")
    return tmp_path / "templates"


def test_all_pass_exit_0(tmp_path, capsys):
    assert run_templates_check([str(tree(tmp_path))], None, False, PORTAL) == 0
    assert "all pass" in capsys.readouterr().out


def test_refused_exit_1_with_one_line_per_finding(tmp_path, capsys):
    root = tree(tmp_path)
    bad = root / "email" / "bad.j2"
    bad.write_text(BAD, encoding="utf-8")
    assert run_templates_check([str(root)], None, False, PORTAL) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert any(line.startswith(f"{bad}:1:") and "template.variable" in line for line in lines)
    assert any(line.startswith(f"{bad}:2:") and "request.password" in line for line in lines)
    assert any("link.shortener" in line for line in lines)


def test_json_output(tmp_path, capsys):
    root = tree(tmp_path)
    (root / "messages" / "ask.txt").write_text("Send oss kortnummeret ditt.", encoding="utf-8")
    assert run_templates_check([str(root / "messages")], None, True, PORTAL) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is False
    bad = next(t for t in doc["templates"] if t["path"].endswith("ask.txt"))
    assert bad["kind"] == "message" and bad["findings"][0]["rule"] == "request.card_number"
    assert set(bad["findings"][0]) == {"rule", "severity", "message", "message_nb", "template",
                                       "line", "column", "excerpt"}


def test_kind_flag_overrides_the_folder(tmp_path):
    f = tmp_path / "x.txt"
    f.write_text("Kontonummer: 8601.11.17947", encoding="utf-8")
    assert run_templates_check([str(f)], "message", False, PORTAL) == 0
    assert run_templates_check([str(f)], "email", False, PORTAL) == 1


def test_usage_errors_exit_2_with_one_line(tmp_path, capsys):
    assert run_templates_check([str(tmp_path / "missing")], None, False, PORTAL) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    f = tmp_path / "x.txt"
    f.write_text("hei", encoding="utf-8")
    assert run_templates_check([str(f)], "sms", False, PORTAL) == 2
    assert run_templates_check([str(f)], None, False, PORTAL) == 2  # kind cannot be inferred
    (tmp_path / "bin.txt").write_bytes(b"\xff\xfe\x00bad")
    assert run_templates_check([str(tmp_path / "bin.txt")], "message", False, PORTAL) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3


def test_module_entry_point(tmp_path):
    root = tree(tmp_path)
    ok = subprocess.run([sys.executable, "-m", "gateway.guard.cli", str(root)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    (root / "email" / "bad.html").write_text(BAD, encoding="utf-8")
    bad = subprocess.run([sys.executable, "-m", "gateway.guard.cli", "--json", str(root)],
                         capture_output=True, text=True)
    assert bad.returncode == 1 and json.loads(bad.stdout)["ok"] is False
