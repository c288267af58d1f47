"""Bank account numbers, IBANs and payment card numbers.

Account numbers and IBANs are checked by python-stdnum (``stdnum.no.kontonr``: 11 digits, mod 11;
``stdnum.iban``: mod 97 plus the country's own format, so a Norwegian IBAN also carries a valid
account number). Cards: stdnum's Luhn check plus the issuer ranges (IIN) of the card schemes in
use, which stdnum does not list.
"""

from __future__ import annotations

from stdnum import iban, luhn
from stdnum.no import kontonr
from stdnum.util import clean

# (prefixes, allowed lengths) per scheme: Visa, Mastercard, Amex, Discover, JCB, Diners,
# UnionPay, Maestro.
_IIN: tuple[tuple[tuple[str, ...], tuple[int, ...]], ...] = (
    (("4",), (13, 16, 19)),
    (tuple(str(x) for x in range(51, 56)) + tuple(str(x) for x in range(2221, 2721)), (16,)),
    (("34", "37"), (15,)),
    (("6011", "65", *(str(x) for x in range(644, 650))), (16, 19)),
    (tuple(str(x) for x in range(3528, 3590)), (16, 19)),
    (("36", "38", "39", *(str(x) for x in range(300, 306))), (14, 16)),
    (("62",), (16, 17, 18, 19)),
    (("50", *(str(x) for x in range(56, 70))), tuple(range(12, 20))),
)


def _digits(value: str, separators: str = " .-") -> str:
    return str(clean(value, separators)).strip()


def valid_account(value: str) -> bool:
    """An 11-digit Norwegian account number with a valid mod-11 check digit."""
    digits = _digits(value)
    return len(digits) == 11 and digits.isascii() and digits.isdigit() and kontonr.is_valid(digits)


def valid_iban(value: str) -> bool:
    """An IBAN with valid check digits and, where stdnum knows the country, a valid format."""
    return bool(iban.is_valid(value))


def valid_card(value: str) -> bool:
    """12-19 digits passing Luhn with the issuer range and length of a known card scheme."""
    digits = _digits(value)
    if not (12 <= len(digits) <= 19) or not digits.isascii() or not digits.isdigit():
        return False
    if len(set(digits)) < 2 or not luhn.is_valid(digits):
        return False
    return any(digits.startswith(p) and len(digits) in lengths
               for prefixes, lengths in _IIN for p in prefixes)
