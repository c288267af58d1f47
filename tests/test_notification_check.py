"""The per-rendering guard re-check: every sent character but the random id is judged."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from gateway.delivery.notification import NotificationRenderer
from gateway.delivery.notification_check import NotificationChecker
from gateway.ids import new_id
from tests.support.service import ROOT

WHEN = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def checker(templates: Path = ROOT / "templates") -> NotificationChecker:
    renderer = NotificationRenderer(templates, public_url="https://min.example.no", company_name="Kraft AS")
    return NotificationChecker(renderer, "https://min.example.no")


def test_real_email_is_the_checked_rendering_with_its_id() -> None:
    check = checker()
    message_id = new_id()
    rendered, findings = check.render_and_check(language="nb", message_id=message_id, category="invoice",
                                                sensitive=False, sent_at=WHEN)
    assert findings == []
    assert f"https://min.example.no/portal/messages/{message_id}" in rendered.text
    assert "Qx" not in rendered.text + rendered.html


def test_a_leaking_template_is_refused_for_every_message(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    text = templates / "email" / "notification.nb.txt.j2"
    text.write_text(text.read_text() + "\nKortnummer på fil: 4111 1111 1111 1111\n")
    check = checker(templates)
    for _ in range(3):
        _, findings = check.render_and_check(language="nb", message_id=new_id(), category="invoice",
                                             sensitive=False, sent_at=WHEN)
        assert any(f.severity == "error" for f in findings)


def test_an_id_of_another_shape_is_checked_in_full() -> None:
    check = checker()
    odd = "abc?token=s3cr3t"  # never produced by the gateway, and judged as the e-mail it makes
    _, findings = check.render_and_check(language="en", message_id=odd, category="reminder",
                                         sensitive=True, sent_at=WHEN)
    assert any(f.rule.startswith("link.") for f in findings)


def test_each_language_category_and_date_is_its_own_rendering() -> None:
    check = checker()
    a, _ = check.render_and_check(language="nb", message_id=new_id(), category="invoice", sensitive=False,
                                  sent_at=WHEN)
    b, _ = check.render_and_check(language="nb", message_id=new_id(), category="reminder", sensitive=False,
                                  sent_at=WHEN.replace(day=25))
    assert "Faktura" in a.text and "Betalingspåminnelse" in b.text and "25.11.2026" in b.text
