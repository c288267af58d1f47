"""Content rules: national ids (current and 2032 check digits, D/H/synthetic), account numbers,
IBAN, payment cards and secret values; all masked in the excerpt."""

from __future__ import annotations

import pytest

from gateway.guard import check_email, is_refused
from gateway.guard.content import find_content
from gateway.identifiers import valid_national_id

PORTAL = "https://min.example.no"
K1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
K2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def make_id(nine: str, remainder: int = 0) -> str | None:
    """A national id with the given k1 remainder (0 = current rule, 1..3 = 2032 rule)."""
    k1 = (11 + remainder - sum(int(d) * w for d, w in zip(nine, K1)) % 11) % 11
    if k1 == 10:
        return None
    ten = nine + str(k1)
    k2 = (11 - sum(int(d) * w for d, w in zip(ten, K2)) % 11) % 11
    return None if k2 == 10 else ten + str(k2)


def some_id(date6: str, remainder: int = 0) -> str:
    for ind in range(100, 999):
        num = make_id(date6 + f"{ind:03d}", remainder)
        if num:
            return num
    raise AssertionError("no number")


@pytest.mark.parametrize("date6,what", [
    ("150385", "fødselsnummer"), ("550385", "D-number (day + 40)"), ("154385", "H-number (month + 40)"),
    ("158385", "synthetic test number (month + 80)"), ("290204", "leap day"),
])
@pytest.mark.parametrize("remainder", [0, 1, 2, 3])
def test_national_ids_under_both_rules_are_found_in_email(date6, what, remainder):
    num = some_id(date6, remainder)
    assert valid_national_id(num), what
    findings = check_email(f"Hei! Ditt fødselsnummer er {num[:6]} {num[6:]}.", None, portal_url=PORTAL)
    assert [f.rule for f in findings] == ["content.national_id"]
    assert num[6:9] not in findings[0].excerpt and num[:6] not in findings[0].excerpt


def test_account_numbers_need_format_or_context_and_ids_are_not_reported_twice():
    assert [h.rule for h in find_content("Betal til 8601.11.17947 innen fredag")] == ["content.account_number"]
    assert [h.rule for h in find_content("Kontonummer: 86011117947")] == ["content.account_number"]
    assert find_content("Referanse 86011117947") == []
    fnr = some_id("150385")
    assert [h.rule for h in find_content(f"konto {fnr}")] == ["content.national_id"]


def test_iban_cards_and_secrets():
    assert [h.rule for h in find_content("IBAN: NO93 8601 1117 947")] == ["content.iban"]
    assert [h.rule for h in find_content("Kort 4111 1111 1111 1111")] == ["content.card_number"]
    assert find_content("KID 4111111111111111") == []  # a KID is not a card
    for text in ("Passord: Sommer2024!", "PIN: 4821", "Engangskode: 902 117", "Your password is hunter2!"):
        assert [h.rule for h in find_content(text)] == ["content.secret"], text
    for text in ("Passord: ________", "Your password is required", "PIN-kode: ****"):
        assert find_content(text) == [], text


def test_excerpt_never_shows_the_full_number_or_secret():
    findings = check_email("Kort 4111 1111 1111 1111, passord: Sommer2024!", None, portal_url=PORTAL)
    text = " ".join(f.excerpt for f in findings)
    assert "4111 1111" not in text and "Sommer2024" not in text
    assert is_refused(findings)


def test_dates_phone_numbers_and_amounts_pass():
    assert find_content("Forfall 24.11.2026, beløp 1 234,50 kr, ring 22 33 44 55, org.nr 923 609 016.") == []


def test_code_labels_followed_by_a_number():
    assert [h.rule for h in find_content("Engangskode 902 117")] == ["content.secret"]
    assert [h.rule for h in find_content("PIN 4821")] == ["content.secret"]
    assert find_content("Kode 2026 gjelder fra januar") == []  # a year
    assert find_content("PIN-koden har 4 siffer") == []
