"""Content rules for e-mails: identity numbers, account numbers, IBAN, cards and secret values.

The numbers are validated by ``gateway.identifiers`` (the one implementation of the national-id,
account, IBAN and card checks); this module finds candidates and decides from the context.
A valid national id is not reported again as an account number.
"""

from __future__ import annotations

import re

from ..identifiers import valid_account, valid_card, valid_iban, valid_national_id
from .findings import Hit
from .normalize import normalize_for_numbers

# Digit groups separated by single spaces, dots, dashes or non-breaking spaces.
# (The first digit comes before the look-behind that checks what precedes it, so re can skip
# ahead to digits; the matches are those of (?<![\w.,/-])\d(?:[ .\-\u00a0]?\d){7,22}... )
_NUMBER_RE = re.compile(r"\d(?<![\w.,/-]\d)(?:[ .\-\u00a0]?\d){7,22}(?![\w/]|[.,-]\d)")
# Every IBAN match has two ASCII letters just before two digits: where none has, skip the search
# (a digit-led pattern, so re can skip ahead to the digits).
_IBAN_QUICK = re.compile(r"\d(?<=[A-Za-z][A-Za-z]\d)\d")
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


def find_content(text: str) -> list[Hit]:
    """Identity numbers, account numbers, IBANs, card numbers and secret values in ``text``."""
    hits: list[Hit] = []
    if not (_DIGIT.search(text) or _LABEL_QUICK.search(text)):
        return hits
    t = normalize_for_numbers(text)
    taken: list[tuple[int, int]] = []
    for m in (_IBAN_RE.finditer(t) if _IBAN_QUICK.search(t) else ()):
        if valid_iban(m.group(1).replace(" ", "")):
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


# Free text (messages, billing) is not under the e-mail content rules: the portal is where the
# customer's data may be shown. But a full national id or card number has no business in a
# message, and a customer's account number only in payment instructions (our own account).
_LEAK_QUICK = re.compile(r"\d[\d .\-\u00a0]{9,}\d")
_PAYMENT_CTX = re.compile(r"(?i)\b(?:kid|betal\w*|pay\w*|faktura\w*|invoice\w*|forfall\w*|due|"
                          r"vårt|vår|our|giro\w*|innbetal\w*|remit\w*)\b")
_LEAK_RULES = {"content.national_id": "leak.national_id", "content.card_number": "leak.card_number",
               "content.account_number": "leak.account_number", "content.iban": "leak.account_number"}


def find_leaks(text: str) -> list[Hit]:
    """Full national ids and card numbers in free text, and account numbers outside payment
    instructions ("Konto: 1503.24.56798" in a note to the customer)."""
    if not _LEAK_QUICK.search(text):
        return []  # every value it looks for has a stretch of 11+ digits and separators (IBANs too)
    payment = bool(_PAYMENT_CTX.search(text))
    t = normalize_for_numbers(text)
    out = []
    for h in find_content(text):
        rule = _LEAK_RULES.get(h.rule)
        if rule is None or (payment and (rule == "leak.account_number" or _ACCOUNT_FMT.match(t[h.start:h.end]))):
            continue  # our account number in payment instructions (it may also pass as an id)
        out.append(Hit(rule, h.start, h.end, h.mask, key=h.key))
    return out
