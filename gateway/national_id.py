"""Norwegian national identity numbers: fødselsnummer, D-number, H-number and synthetic test numbers.

The 11 digits are DDMMYY + a 3-digit individual number + 2 check digits (mod 11, weights below).
From 2032 the tax administration may issue numbers where only the first check digit follows the
old rule and the second can be any digit that satisfies a relaxed rule; both rules are accepted.
D-numbers add 4 to the first digit, H-numbers add 4 to the third; synthetic test numbers add 40
(Tenor) or 80 (NAV/Dolly) to the month.
"""

from __future__ import annotations

from datetime import date

_W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _check_digits_current(digits: list[int]) -> bool:
    k1 = 11 - sum(w * d for w, d in zip(_W1, digits)) % 11
    k1 = 0 if k1 == 11 else k1
    k2 = 11 - sum(w * d for w, d in zip(_W2, digits)) % 11
    k2 = 0 if k2 == 11 else k2
    return k1 != 10 and k2 != 10 and digits[9] == k1 and digits[10] == k2


def _check_digits_2032(digits: list[int]) -> bool:
    # New rule: the weighted sums including the check digit must be divisible by 11 with a
    # remainder chosen from a small set; Skatteetaten specifies that sum(w*d) % 11 in {0,1,2,3}
    # for the first check digit group, and the second digit follows the classic weight series.
    s1 = sum(w * d for w, d in zip((*_W1, 1), digits[:10])) % 11
    s2 = sum(w * d for w, d in zip((*_W2, 1), digits)) % 11
    return s1 in (0, 1, 2, 3) and s2 == 0


def _birth_date_plausible(digits: list[int]) -> bool:
    day = digits[0] * 10 + digits[1]
    month = digits[2] * 10 + digits[3]
    year = digits[4] * 10 + digits[5]
    if day > 40:  # D-number
        day -= 40
    if month > 80:  # synthetic (NAV/Dolly)
        month -= 80
    elif month > 40:  # synthetic (Tenor) or H-number
        month -= 40
    try:
        date(2000 + year, month, day)  # any leap year century works for plausibility
    except ValueError:
        try:
            date(1900 + year, month, day)
        except ValueError:
            return False
    return True


def is_valid(value: str) -> bool:
    """True for a well-formed national id (spaces allowed between digit groups)."""
    compact = value.replace(" ", "")
    if len(compact) != 11 or not compact.isdigit():
        return False
    digits = [int(c) for c in compact]
    if not _birth_date_plausible(digits):
        return False
    return _check_digits_current(digits) or _check_digits_2032(digits)


def normalise(value: str) -> str:
    return value.replace(" ", "")
