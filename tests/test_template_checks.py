"""The start-up template check (gateway/web/template_checks.py): every template passes the guard
or nothing starts; a template already seen to pass in this process (the supervisor's check, which
the forked serve processes inherit) is not run through the guard again, unless its file changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gateway.web import template_checks
from gateway.web.template_checks import TemplateRefused, check_templates_dir

ROOT = Path(__file__).resolve().parents[1]
PORTAL = "https://min.example.no"
PHISH = ("{% block subject %}Viktig{% endblock %}{% block body %}"
         "Bekreft passordet ditt ved å svare på denne meldingen.{% endblock %}")


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    return tmp_path / "templates"


def test_a_template_edited_after_it_passed_is_checked_again(templates: Path) -> None:
    check_templates_dir(templates, PORTAL)
    invoice = templates / "messages" / "invoice_ready.nb.j2"
    original = invoice.read_text(encoding="utf-8")
    invoice.write_text(PHISH, encoding="utf-8")
    with pytest.raises(TemplateRefused, match=r"invoice_ready\.nb\.j2"):
        check_templates_dir(templates, PORTAL)
    invoice.write_text(original, encoding="utf-8")
    check_templates_dir(templates, PORTAL)


def test_unchanged_templates_are_not_run_through_the_guard_twice(templates: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[str] = []
    real = template_checks.check_template

    def counting(source: str, **kwargs: object) -> list:
        checked.append(str(kwargs["name"]))
        return real(source, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(template_checks, "check_template", counting)
    check_templates_dir(templates, PORTAL)
    first = len(checked)
    assert first == len(list(templates.glob("email/*.j2"))) + len(list(templates.glob("messages/*.j2")))
    check_templates_dir(templates, PORTAL)
    assert len(checked) == first
    check_templates_dir(templates, "https://other.example.no")  # another portal URL: checked anew
    assert len(checked) == 2 * first
