"""Norwegian national identity numbers: fødselsnummer, D-number, H-number, synthetic test numbers.

The 11 digits are DDMMYY, a 3-digit individual number and two check digits. python-stdnum's
``stdnum.no.fodselsnummer`` checks the classic check digits, but it rejects what this product must
accept, so the date part and the 2032 rule are checked here:

* D-numbers add 40 to the day; H-numbers and NAV's synthetic test numbers add 40 to the month;
  Skatteetaten's synthetic test numbers (Tenor) add 80 to the month. stdnum knows D and H, not +80.
* From 2032 Skatteetaten issues numbers whose first check digit follows a relaxed rule: the
  weighted sum of the first ten digits (weights 3 7 6 1 8 9 4 5 2 1) may leave remainder 0, 1, 2
  or 3 modulo 11 (the classic rule is remainder 0); the second check digit is unchanged
  (weights 5 4 3 2 7 6 5 4 3 2 1, remainder 0). Such numbers are valid under either rule.
* stdnum also rejects a birth date after today, which ties validity to the clock; not done here.
"""

from __future__ import annotations

from datetime import date

from stdnum.no import fodselsnummer
from stdnum.util import clean

_K1_2032 = (3, 7, 6, 1, 8, 9, 4, 5, 2, 1)
_K2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1)


def normalise(value: str) -> str:
    """The 11 digits without separators (spaces, dashes)."""
    return str(clean(value, " -")).strip()


def birth_date_part_valid(digits: str) -> bool:
    """True when DDMMYY, after the D/H/synthetic offsets, is a real date in some century."""
    day, month, year = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    if day > 40:
        day -= 40  # D-number
    if month > 80:
        month -= 80  # Skatteetaten's synthetic test numbers (Tenor)
    elif month > 40:
        month -= 40  # H-number, and NAV's synthetic test numbers
    for century in (2000, 1900, 1800):  # 2000 first: a leap year for every yy % 4 == 0
        try:
            date(century + year, month, day)
        except ValueError:
            continue
        return True
    return False


def _classic_check_digits(digits: str) -> bool:
    return (digits[9] == fodselsnummer.calc_check_digit1(digits)
            and digits[10] == fodselsnummer.calc_check_digit2(digits))


def _check_digits_2032(digits: str) -> bool:
    k1 = sum(w * int(d) for w, d in zip(_K1_2032, digits, strict=False)) % 11
    k2 = sum(w * int(d) for w, d in zip(_K2, digits, strict=True)) % 11
    return k1 in (0, 1, 2, 3) and k2 == 0


def valid_national_id(value: str, *, rule_2032: bool = True) -> bool:
    """A fødselsnummer, D-, H- or synthetic number (separators allowed). ``rule_2032=False``
    accepts only numbers valid under the classic check-digit rule."""
    digits = normalise(value)
    if len(digits) != 11 or not digits.isascii() or not digits.isdigit():
        return False
    if not birth_date_part_valid(digits):
        return False
    if _classic_check_digits(digits):
        return True
    return rule_2032 and _check_digits_2032(digits)


def is_valid(value: str) -> bool:
    """The name the customers code calls: ``valid_national_id``."""
    return valid_national_id(value)
