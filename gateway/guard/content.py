"""Content rules for e-mails: identity numbers, account numbers, IBAN, cards and secret values.

National identity numbers (fødselsnummer, D-, H- and synthetic test numbers) are checked with
the date and both check-digit rules: the current one (remainder 0 for k1) and the one used
for numbers issued from 1 January 2032 (remainder 0, 1, 2 or 3 for k1; k2 unchanged).
A valid national id is not reported again as an account number.
"""

from __future__ import annotations

import re

from .findings import Hit
from .normalize import normalize_for_numbers

_K1 = (3, 7, 6, 1, 8, 9, 4, 5, 2, 1)
_K2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
_ACCOUNT_W = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

# Digit groups separated by single spaces, dots, dashes or non-breaking spaces.
# (The first digit comes before the look-behind that checks what precedes it, so re can skip
# ahead to digits; the matches are those of (?<![\w.,/-])\d(?:[ .\-\u00a0]?\d){7,22}... )
_NUMBER_RE = re.compile(r"\d(?<![\w.,/-]\d)(?:[ .\-\u00a0]?\d){7,22}(?![\w/]|[.,-]\d)")
_ACCOUNT_FMT = re.compile(r"^\d{4}[ .]\d{2}[ .]\d{5}$")
_IBAN_RE = re.compile(r"(?<![A-Za-z0-9])((?i:NO)\d{2}(?:[ ]?\d){11}|[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?)(?![A-Za-z0-9])")
_ACCOUNT_CTX = re.compile(r"(?i)(konto|account|kontonr|bankkonto|betal|innbetal|overfør|payee|mottaker)")
_KID_CTX = re.compile(r"(?i)(kid|faktura|invoice|kundenummer|kundenr|customer\s*(?:no|number)|"
                      r"målepunkt|målar|måler|meter|ordre|order|referanse|reference|sak|case|"
                      r"org\.?\s*nr|organisasjonsnummer|tlf|telefon|phone|mobil)")
_SECRET_LABEL = (
    r"(?i)(?<![\w-])(pass(?:ord|ordet|word|wd|code|phrase)|pin(?:[- ]?kode(?:n)?|[- ]?code)?|"
    r"(?:engangs|eingongs|sikkerhets|tryggleiks|bekreftelses|verifiserings|aktiverings|sms|bankid)"
    r"?[- ]?kode(?:n)?|(?:verification|security|one[- ]time|login|access|sms|activation)?[- ]?code|"
    r"otp|cvc2?|cvv2?)(?:\s+(?:ditt|din|di|your|dykkar|deres|is|er))?"
)
_VALUE = r"(?:[\"'«“]\s*)?(?P<v>\d{2,4}(?:[ -]\d{2,4})+(?!\d)|[^\s\"'»”<]{3,})"
# "Passord: Sommer" (explicit label: any value) and "PIN-koden er 4821" (needs a digit or symbol).
_SECRET_RE = re.compile(_SECRET_LABEL + r"\s*[:=]\s*" + _VALUE)
_SECRET_IS_RE = re.compile(_SECRET_LABEL + r"\s+(?:er|is|blir|lyder|was|var)\s+" + _VALUE)
# "PIN 4821", "engangskode 902 117": a code label followed directly by a number.
_SECRET_NUM_RE = re.compile(_SECRET_LABEL + r"\s+(?P<v>\d{4,8}|\d{3}[ -]\d{3})(?![\d,.]\d)")
_HAS_DIGIT_OR_SYMBOL = re.compile(r"[\d!#$%&*+=?@^~]")
_PLACEHOLDER = re.compile(r"(?i)^(?:x+|\*+|•+|_+|\.+|-+|n/?a|\d{1,3}|\[.*\]|\{.*\}|<.*>|"
                          r"\(.*\)|placeholder|redacted|skjult|hidden)$")
_WORDY = re.compile(r"(?i)^[a-zæøå]+[.,!?]?$")
_IIN = (
    (("4",), (13, 16, 19)),
    (tuple(str(x) for x in range(51, 56)) + tuple(str(x) for x in range(2221, 2721)), (16,)),
    (("34", "37"), (15,)),
    (("6011", "65") + tuple(str(x) for x in range(644, 650)), (16, 19)),
    (tuple(str(x) for x in range(3528, 3590)), (16, 19)),
    (("36", "38", "39") + tuple(str(x) for x in range(300, 306)), (14, 16)),
    (("62",), (16, 17, 18, 19)),
    (("50",) + tuple(str(x) for x in range(56, 70)), (12, 13, 14, 15, 16, 17, 18, 19)),
)


# Cheap pre-checks: no digit (of any script) and no label means nothing to find.
_DIGIT = re.compile(r"\d")
_LABELS = ("pass", "pin", "kode", "code", "otp", "cvc", "cvv")


def _ignorecase_class(ch: str) -> str:
    """What (?i)ch matches, as a class: the letter in both cases and, from the few characters
    with an odd case mapping, those re treats as the same letter (K: the Kelvin sign; s: ſ;
    i: İ and ı). tests/guard/test_fast_path.py checks it against every code point."""
    odd = ("\u0130", "\u0131", "\u017f", "\u212a")
    chars = sorted({ch.lower(), ch.upper()} | {c for c in odd if re.fullmatch(f"(?i){ch}", c)})
    return "[" + "".join(chars) + "]"


# The labels (?i)pass|pin|kode|code|otp|cvc|cvv, matching exactly where those match, but begun
# with a class of first letters so that re can skip ahead to one.
_FIRST_LETTERS = "".join(sorted({c for w in _LABELS for c in _ignorecase_class(w[0])[1:-1]}))
_LABEL_QUICK = re.compile(f"[{_FIRST_LETTERS}](?:" + "|".join(
    f"(?<={_ignorecase_class(w[0])})" + "".join(_ignorecase_class(c) for c in w[1:]) for w in _LABELS) + ")")


def _word_start(t: str, k: int) -> int:
    floor = max(0, k - 24)  # labels are short; a giant "word" must not make this quadratic
    while k > floor and (t[k - 1].isalnum() or t[k - 1] in "-_"):
        k -= 1
    return k


def _weighted(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights))


def valid_date_part(d: str) -> bool:
    day, month = int(d[0:2]), int(d[2:4])
    if day > 40:
        day -= 40  # D-number
    if month > 80:
        month -= 80  # synthetic test numbers (Skatteetaten Tenor)
    elif month > 60:
        month -= 60  # synthetic H-number variant
    elif month > 40:
        month -= 40  # H-number and NAV synthetic numbers
    if not (1 <= month <= 12 and 1 <= day <= _DAYS[month - 1]):
        return False
    if month == 2 and day == 29:
        return int(d[4:6]) % 4 == 0
    return True


def valid_national_id(num: str) -> bool:
    """True for a fødselsnummer/D-/H-/synthetic number under the current or the 2032 rule."""
    if len(num) != 11 or not num.isdigit() or not valid_date_part(num):
        return False
    if _weighted(num, _K2) % 11 != 0:
        return False
    return _weighted(num, _K1) % 11 in (0, 1, 2, 3)


def valid_national_id_current(num: str) -> bool:
    return valid_national_id(num) and _weighted(num, _K1) % 11 == 0


def valid_account(num: str) -> bool:
    if len(num) != 11 or not num.isdigit():
        return False
    r = _weighted(num, _ACCOUNT_W) % 11
    check = 0 if r == 0 else 11 - r
    return check != 10 and check == int(num[10])


def luhn(num: str) -> bool:
    total = 0
    for k, ch in enumerate(reversed(num)):
        d = int(ch)
        if k % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def valid_card(num: str) -> bool:
    if not (12 <= len(num) <= 19) or not luhn(num) or len(set(num)) < 2:
        return False
    return any(num.startswith(p) and len(num) in lengths for prefixes, lengths in _IIN for p in prefixes)


def valid_iban(iban: str) -> bool:
    s = iban.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", s):
        return False
    if s.startswith("NO") and len(s) != 15:
        return False
    moved = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def find_content(text: str) -> list[Hit]:
    """Identity numbers, account numbers, IBANs, card numbers and secret values in ``text``."""
    hits: list[Hit] = []
    if not (_DIGIT.search(text) or _LABEL_QUICK.search(text)):
        return hits
    t = normalize_for_numbers(text)
    taken: list[tuple[int, int]] = []
    for m in _IBAN_RE.finditer(t):
        if valid_iban(m.group(1)):
            hits.append(Hit("content.iban", m.start(1), m.end(1), [(m.start(1), m.end(1))], key="iban"))
            taken.append(m.span(1))
    for m in _NUMBER_RE.finditer(t):
        if any(s <= m.start() < e for s, e in taken):
            continue
        raw = m.group(0)
        digits = re.sub(r"\D", "", raw)
        span = [(m.start(), m.end())]
        before = t[max(0, m.start() - 40):m.start()]
        if len(digits) == 11 and valid_national_id(digits):
            hits.append(Hit("content.national_id", m.start(), m.end(), span, key="fnr" + digits[-2:]))
        elif len(digits) == 11 and valid_account(digits) and (
                _ACCOUNT_FMT.match(raw) or _ACCOUNT_CTX.search(before)):
            hits.append(Hit("content.account_number", m.start(), m.end(), span, key="acct" + digits[-2:]))
        elif valid_card(digits) and not _KID_CTX.search(before[-25:]):
            hits.append(Hit("content.card_number", m.start(), m.end(), span, key="card" + digits[-2:]))
    starts = sorted({_word_start(t, q.start()) for q in _LABEL_QUICK.finditer(t)})
    for rx in (_SECRET_RE, _SECRET_IS_RE, _SECRET_NUM_RE):
        for m in filter(None, (rx.match(t, k) for k in starts)):
            v = m.group("v").rstrip(".,;:!?)")
            if len(v) < 3 or _PLACEHOLDER.match(v) or v.lower().strip(".,") in _NOT_SECRETS:
                continue
            if rx is _SECRET_NUM_RE and re.fullmatch(r"(?:19|20)\d\d", v):
                continue  # a year, not a code
            if rx is _SECRET_IS_RE and not _HAS_DIGIT_OR_SYMBOL.search(v):
                continue
            if rx is _SECRET_RE and not _HAS_DIGIT_OR_SYMBOL.search(v) and _WORDY.match(v) and len(v) < 6:
                continue
            hits.append(Hit("content.secret", m.start(), m.end("v"), [(m.start("v"), m.end("v"))],
                            key="secret"))
    return hits


# Words that may follow "kode:"/"code is" without being a secret.
_NOT_SECRETS = {"personlig", "personal", "hemmelig", "secret", "required", "påkrevd", "ukjent",
                "unknown", "valgfri", "optional", "sendt", "sent", "gyldig", "valid", "ugyldig",
                "invalid", "endret", "changed", "utløpt", "expired", "riktig", "correct", "feil",
                "wrong", "korrekt", "confidential", "fortrolig", "privat", "private", "kun",
                "only", "never", "aldri", "ikke", "ikkje", "not", "sterkt", "strong"}
