"""Properties of the portal's small pure functions: the `next` target and download file names."""

from __future__ import annotations

from urllib.parse import urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.portal import i18n
from gateway.portal.views import _content_disposition
from gateway.portal.webutil import safe_next
from gateway.privacy.export import safe_name as _safe_zip_name


@settings(max_examples=2000)
@given(st.one_of(st.text(), st.from_regex(r"/portal/[ -~]{0,40}", fullmatch=True), st.none(), st.integers()))
def test_next_is_always_a_local_portal_path(value: object) -> None:
    target = safe_next(value)
    parts = urlsplit(target)
    assert not parts.scheme and not parts.netloc and not parts.query and not parts.fragment
    assert target.startswith("/portal/") and "//" not in target and "\\" not in target and ".." not in target
    assert not target.startswith(("/portal/login", "/portal/logout"))


def test_next_keeps_portal_pages() -> None:
    for path in ("/portal/", "/portal/messages/AbC_-09", "/portal/my-data", "/portal/messages/a/replies/b"):
        assert safe_next(path) == path


@settings(max_examples=1000)
@given(st.text(min_size=1, max_size=255))
def test_download_names_are_header_safe(name: str) -> None:
    header = _content_disposition(name)
    assert header.startswith('attachment; filename="')
    assert all(32 <= ord(c) < 127 for c in header)  # ASCII only: no header injection, no RTL tricks
    quoted = header.split('filename="', 1)[1].split('"', 1)[0]
    assert quoted and "/" not in quoted and "\\" not in quoted and ";" not in quoted
    zip_name = _safe_zip_name(name)
    assert zip_name and "/" not in zip_name and "\\" not in zip_name and not zip_name.startswith(".")


def test_every_text_exists_in_three_languages() -> None:
    for key, texts in i18n.all_keys().items():
        assert len(texts) == 3 and all(t.strip() for t in texts), key
    assert i18n.from_accept_language("nn-NO,nn;q=0.9,en;q=0.5") == "nn"
    assert i18n.from_accept_language("de-DE, en;q=0.3") == "en"
    assert i18n.from_accept_language("no") == "nb"
    assert i18n.from_accept_language("fr") == "nb"
    assert i18n.from_accept_language("en;q=0, nn;q=0.1") == "nn"
