"""Link rules: only the portal origin, no tokens, no redirects, no shorteners."""

from __future__ import annotations

import pytest

from gateway.guard import check_email, check_template, is_refused

PORTAL = "https://min.example.no"


@pytest.mark.parametrize("url", [
    "https://min.example.no/portal/messages/123",
    "https://min.example.no/portal/",
    "https://MIN.example.no:443/portal/messages/0f9c3a1e-2b7d-4c5e-9a8b-1c2d3e4f5a6b",
])
def test_portal_links_pass(url):
    assert check_email(f"Les meldingen: {url}", f'<a href="{url}">Les</a>', portal_url=PORTAL) == []


@pytest.mark.parametrize("url,rule", [
    ("https://evil.example.com/login", "link.foreign_origin"),
    ("https://min.example.no.evil.com/portal", "link.foreign_origin"),
    ("https://min.example.no@evil.com/portal", "link.foreign_origin"),
    ("http://min.example.no/portal", "link.foreign_origin"),
    ("https://min.example.no:8443/portal", "link.foreign_origin"),
    ("https://bit.ly/3xYz", "link.shortener"),
    ("https://min.example.no/portal/messages/1?token=abc", "link.token"),
    ("https://min.example.no/portal/messages/1#otp", "link.token"),
    ("https://min.example.no/redirect?url=https://evil.com", "link.redirect"),
    ("https://min.example.no/out/https://evil.com", "link.redirect"),
    ("https://min.example.no/reset/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc", "link.token"),
    ("javascript:alert(1)", "link.scheme"),
    ("mailto:support@example.com?subject=PIN", "link.scheme"),
])
def test_bad_links_are_refused_in_html(url, rule):
    findings = check_email("Hei", f'<p><a href="{url}">Klikk</a></p>', portal_url=PORTAL)
    assert rule in {f.rule for f in findings}
    assert is_refused(findings)


def test_links_in_plain_text_bare_domains_and_images():
    assert {f.rule for f in check_email("Gå til www.evil.no/login", None, portal_url=PORTAL)} == {"link.foreign_origin"}
    assert {f.rule for f in check_email("Se bit.ly/abc", None, portal_url=PORTAL)} == {"link.shortener"}
    html = '<img src="https://tracker.example.com/p.gif"><div style="background:url(https://cdn.evil.com/x.png)"></div>'
    assert {f.rule for f in check_email("", html, portal_url=PORTAL)} == {"link.foreign_origin"}


def test_email_template_link_with_query_is_refused():
    src = '<a href="{{ message_url }}?utm_source=mail">Les meldingen</a>'
    findings = check_template(src, kind="email", portal_url=PORTAL)
    assert "link.token" in {f.rule for f in findings}
    ok = '<a href="{{ message_url }}">Les meldingen</a> eller gå til {{ portal_url }}'
    assert check_template(ok, kind="email", portal_url=PORTAL) == []


def test_inline_images_and_empty_anchor_pass():
    assert check_email("", '<img src="cid:logo"><a href="#">Til toppen</a>', portal_url=PORTAL) == []
