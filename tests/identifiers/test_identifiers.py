"""The one validator of national ids, account numbers, IBANs and card numbers, against the
official rules (Skatteetaten's fødselsnummer rules, the 2032 check-digit change, D/H-numbers
and synthetic test numbers; the mod-11 account check; ISO 13616 IBAN; Luhn with issuer ranges)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from gateway.identifiers import national_id, valid_account, valid_card, valid_iban, valid_national_id

K1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
K2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def make_id(nine: str, remainder: int = 0) -> str | None:
    """An id whose k1 sum (weights 3 7 6 1 8 9 4 5 2 1) leaves ``remainder`` (0: classic rule)."""
    k1 = (11 + remainder - sum(int(d) * w for d, w in zip(nine, K1, strict=True)) % 11) % 11
    if k1 == 10:
        return None
    ten = nine + str(k1)
    k2 = (11 - sum(int(d) * w for d, w in zip(ten, K2, strict=True)) % 11) % 11
    return None if k2 == 10 else ten + str(k2)


def some_id(date6: str, remainder: int = 0) -> str:
    for ind in range(100, 999):
        if num := make_id(date6 + f"{ind:03d}", remainder):
            return num
    raise AssertionError("no number")


def test_published_examples():
    assert valid_national_id("02016126007", rule_2032=False)
    assert valid_national_id("15108695088")  # python-stdnum's example
    assert valid_national_id("02013299997")  # Skatteetaten's 2032 example, k1 by the old rule
    assert valid_national_id("30108299939")  # 2032 rule, remainder 1
    assert not valid_national_id("30108299939", rule_2032=False)
    assert not valid_national_id("02016126008")


@pytest.mark.parametrize("date6,what", [
    ("150385", "fødselsnummer"), ("550385", "D-number (day + 40)"),
    ("154385", "H-number or NAV synthetic (month + 40)"),
    ("158385", "Skatteetaten synthetic test number (month + 80)"), ("290204", "leap day"),
    ("711299", "D-number on the 31st"),
])
@pytest.mark.parametrize("remainder", [0, 1, 2, 3])
def test_every_kind_under_both_check_digit_rules(date6, what, remainder):
    num = some_id(date6, remainder)
    assert valid_national_id(num), what
    assert valid_national_id(f"{num[:6]} {num[6:]}"), "a space between the groups is allowed"
    assert valid_national_id(num, rule_2032=False) == (remainder == 0)


@pytest.mark.parametrize("date6", ["320185", "150085", "151385", "290205", "720185", "156385",
                                   "159385"])
def test_impossible_dates_are_refused(date6):
    for remainder in range(4):
        num = make_id(date6 + "123", remainder) or make_id(date6 + "124", remainder)
        assert num is None or not valid_national_id(num), date6


def test_a_wrong_check_digit_or_length_is_refused():
    n = some_id("150385")
    assert not valid_national_id(n[:10] + str((int(n[10]) + 1) % 10))
    assert not valid_national_id(n[:10])
    assert not valid_national_id(n + "0")
    assert not valid_national_id("1503851234a")


def test_customers_names_are_kept():
    assert national_id.is_valid("151086 95088")
    assert national_id.normalise("151086 95088") == "15108695088"


def test_accounts_ibans_and_cards():
    assert valid_account("86011117947") and valid_account("8601.11.17947")
    assert not valid_account("86011117948") and not valid_account("8601117")  # 7-digit giro: no
    assert valid_iban("NO9386011117947") and valid_iban("NO93 8601 1117 947")
    assert not valid_iban("NO9386011117948")
    assert valid_iban("GB82WEST12345698765432") and valid_iban("DE89370400440532013000")
    assert valid_card("4111111111111111") and valid_card("5555 5555 5555 4444")
    assert valid_card("378282246310005")  # Amex, 15 digits
    assert not valid_card("4111111111111112")  # Luhn
    assert not valid_card("9111111111111111")  # no scheme starts with 9
    assert not valid_card("0000000000000000")


def test_the_package_is_a_leaf():
    """gateway.identifiers imports nothing from the rest of the gateway."""
    root = Path(__file__).resolve().parents[2] / "gateway" / "identifiers"
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert node.level <= 1 and not (node.module or "").startswith("gateway"), path
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("gateway") for a in node.names), path
