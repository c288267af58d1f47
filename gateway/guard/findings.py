"""Findings: what the guard reports, with messages in English and Norwegian bokmål."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

ERROR = "error"
WARNING = "warning"

_OBJ = {
    "password": ("a password", "et passord"),
    "pin": ("a PIN", "en PIN-kode"),
    "bankid": ("BankID or a BankID code", "BankID eller en BankID-kode"),
    "one_time_code": ("a one-time or verification code", "en engangskode eller bekreftelseskode"),
    "code_device": ("a code device or its codes", "en kodebrikke eller kodene fra den"),
    "card_number": ("a payment card number or card details", "et kortnummer eller kortopplysninger"),
    "card_security_code": ("a card security code (CVC/CVV)", "kortets sikkerhetskode (CVC/CVV)"),
    "card_expiry": ("a card's expiry date", "kortets utløpsdato"),
    "national_id": ("a national identity number (fødselsnummer, D-number)",
                    "et fødselsnummer, D-nummer eller personnummer"),
    "account_number": ("a bank account number", "et kontonummer"),
    "id_document": ("a copy of an identity document", "en kopi av et legitimasjonsdokument"),
    "credentials": ("login credentials", "påloggingsopplysninger"),
    "security_question": ("the answer to a security question", "svaret på et sikkerhetsspørsmål"),
}

_SIGN_IN = ("Instead, ask the customer to sign in to Min strømside with BankID; we never need "
            "their codes or passwords.",
            "Be heller kunden logge inn på Min strømside med BankID; vi trenger aldri koder eller passord.")
_PAY = ("Instead, link to the portal's payment page, where the customer pays or registers a card "
        "themselves.",
        "Lenk heller til betalingssiden i portalen, der kunden selv betaler eller registrerer kortet.")
# What to write instead, per category: the second half of each request finding's message.
_INSTEAD: dict[str, tuple[str, str]] = {
    "password": _SIGN_IN, "pin": _SIGN_IN, "bankid": _SIGN_IN, "one_time_code": _SIGN_IN,
    "code_device": _SIGN_IN, "credentials": _SIGN_IN,
    "security_question": ("Instead, ask the customer to sign in with BankID; security answers are "
                          "passwords in practice.",
                          "Be heller kunden logge inn med BankID; svar på sikkerhetsspørsmål er i "
                          "praksis passord."),
    "card_number": _PAY, "card_security_code": _PAY, "card_expiry": _PAY,
    "national_id": ("Instead, let the customer sign in with BankID (that identifies them) or refer "
                    "to their customer number.",
                    "La heller kunden logge inn med BankID (det identifiserer dem), eller vis til "
                    "kundenummeret."),
    "account_number": ("Instead, link to the portal page where the customer updates the account "
                       "number themselves.",
                       "Lenk heller til siden i portalen der kunden selv oppdaterer kontonummeret."),
    "id_document": ("Instead, let the customer identify themselves with BankID; documents are "
                    "uploaded only in the portal.",
                    "La heller kunden identifisere seg med BankID; dokumenter lastes bare opp i "
                    "portalen."),
}

# rule id -> (severity, English message, bokmål message); each message ends with what to do instead.
RULES: dict[str, tuple[str, str, str]] = {
    **{
        f"request.{k}": (ERROR, f"The text asks the reader for {en}; we never ask for that. {_INSTEAD[k][0]}",
                         f"Teksten ber mottakeren om {nb}; det spør vi aldri om. {_INSTEAD[k][1]}")
        for k, (en, nb) in _OBJ.items()
    },
    "request.statistical": (ERROR, "The statistical second opinion finds that the text very likely asks "
                            "for confidential data (the excerpt shows the words that decided it).",
                            "Den statistiske kontrollen finner at teksten trolig ber om fortrolige "
                            "opplysninger (utdraget viser ordene som avgjorde det)."),
    "request.form_field": (ERROR, "The HTML contains an input field for confidential data.",
                           "HTML-en har et inndatafelt for fortrolige opplysninger."),
    "content.national_id": (ERROR, "The e-mail contains a national identity number.",
                            "E-posten inneholder et fødselsnummer eller D-nummer."),
    "content.account_number": (ERROR, "The e-mail contains a bank account number.",
                               "E-posten inneholder et kontonummer."),
    "content.iban": (ERROR, "The e-mail contains an IBAN.", "E-posten inneholder et IBAN-nummer."),
    "content.card_number": (ERROR, "The e-mail contains a payment card number.",
                            "E-posten inneholder et betalingskortnummer."),
    "leak.national_id": (ERROR, "The message contains a full national identity number.",
                         "Meldingen inneholder et fullstendig fødselsnummer."),
    "leak.card_number": (ERROR, "The message contains a full payment card number.",
                         "Meldingen inneholder et fullstendig kortnummer."),
    "leak.account_number": (ERROR, "The message contains a customer's bank account number or IBAN.",
                            "Meldingen inneholder kundens kontonummer eller IBAN."),
    "content.secret": (ERROR, "The e-mail contains a password, PIN or code value.",
                       "E-posten inneholder et passord, en PIN eller en kode."),
    "link.foreign_origin": (ERROR, "A link points outside the portal.",
                            "En lenke peker utenfor portalen."),
    "link.shortener": (ERROR, "A link goes through a link shortener or redirect service.",
                       "En lenke går via en lenkeforkorter eller videresendingstjeneste."),
    "link.redirect": (ERROR, "A link redirects through the portal to somewhere else.",
                      "En lenke videresender via portalen til et annet sted."),
    "link.token": (ERROR, "A link carries a query, fragment or token.",
                   "En lenke har parametre, fragment eller et token."),
    "link.scheme": (ERROR, "A link uses a scheme other than the portal's (mailto:, javascript:, ...).",
                    "En lenke bruker en annen protokoll enn portalen (mailto:, javascript: ...)."),
    "link.phone": (WARNING, "A tel: link; e-mails should link only to the portal.",
                   "En tel:-lenke; e-poster skal bare lenke til portalen."),
    "template.syntax": (ERROR, "The template has a syntax error.", "Malen har en syntaksfeil."),
    "template.variable": (ERROR, "The template uses a variable that notification e-mails may not use.",
                          "Malen bruker en variabel som varslings-e-poster ikke får bruke."),
    "template.attribute": (ERROR, "The template reads an attribute or item of a value.",
                           "Malen leser et attributt eller element fra en verdi."),
    "template.method": (ERROR, "The template calls a function or method.",
                        "Malen kaller en funksjon eller metode."),
    "template.filter": (ERROR, "The template uses a filter that could reveal data.",
                        "Malen bruker et filter som kan avsløre data."),
    "template.include": (ERROR, "The template includes, imports or extends another template.",
                         "Malen inkluderer, importerer eller utvider en annen mal."),
    "template.unsafe": (ERROR, "The template reaches for template or Python internals.",
                        "Malen prøver å nå interne deler av malmotoren eller Python."),
    "template.complexity": (ERROR, "The template is too complex to check safely (deep loops or recursion).",
                            "Malen er for kompleks til å kontrolleres trygt (dype løkker eller rekursjon)."),
    "template.render": (ERROR, "The template cannot be rendered with example values.",
                        "Malen kan ikke fylles ut med eksempelverdier."),
    "template.render_warning": (WARNING, "The template could not be rendered with example values; only its literal text was checked.",
                                "Malen kunne ikke fylles ut med eksempelverdier; bare den faste teksten ble kontrollert."),
    "guard.too_large": (ERROR, "The text is too large to check; it is held for safety.",
                        "Teksten er for stor til å kontrolleres; den holdes tilbake av sikkerhetshensyn."),
    "guard.internal": (ERROR, "The guard failed on this input; it is held for safety.",
                       "Kontrollen feilet på dette innholdet; det holdes tilbake av sikkerhetshensyn."),
}


_LEAVE_OUT = ("Instead, leave it out of the e-mail: the customer sees it in the portal after signing in.",
              "Ta det heller ut av e-posten: kunden ser det i portalen etter innlogging.")
_PORTAL_LINK = ("Instead, link only to the portal with {{ message_url }} or {{ portal_url }}.",
                "Lenk heller bare til portalen med {{ message_url }} eller {{ portal_url }}.")
_SIMPLER = ("Instead, keep the template to text and the allowed variables (message_url, portal_url, "
            "category, company_name, sent_date).",
            "Hold heller malen til tekst og de tillatte variablene (message_url, portal_url, category, "
            "company_name, sent_date).")
_ADVICE: dict[str, tuple[str, str]] = {
    "request.statistical": ("Instead, rephrase so that nothing is asked of the customer but to sign in to "
                            "Min strømside; if the text really asks for nothing, report it as a false alarm.",
                            "Skriv heller om slik at kunden bare blir bedt om å logge inn på Min strømside; "
                            "ber teksten egentlig ikke om noe, meld fra om falsk alarm."),
    "request.form_field": ("Instead, link to the portal page where the customer enters this themselves.",
                           "Lenk heller til siden i portalen der kunden fyller inn dette selv."),
    **{f"content.{k}": _LEAVE_OUT for k in ("national_id", "account_number", "iban", "card_number", "secret")},
    **{f"leak.{k}": ("Instead, leave the value out (at most its last digits): the customer sees it on "
                     "Min strømside after signing in with BankID.",
                     "Ta heller verdien ut (høyst de siste sifrene): kunden ser den på Min strømside "
                     "etter innlogging med BankID.") for k in ("national_id", "card_number", "account_number")},
    **{f"link.{k}": _PORTAL_LINK for k in ("foreign_origin", "shortener", "redirect", "token", "scheme", "phone")},
    "template.syntax": ("Instead, close every {% if %}/{% for %} block and every {{ }}.",
                        "Lukk heller hver {% if %}/{% for %}-blokk og hver {{ }}."),
    **{f"template.{k}": _SIMPLER for k in ("variable", "attribute", "method", "filter", "include", "unsafe",
                                          "complexity", "render", "render_warning")},
    "guard.too_large": ("Instead, shorten the text or put the content in an attachment in the portal.",
                        "Gjør heller teksten kortere, eller legg innholdet som vedlegg i portalen."),
    "guard.internal": ("Instead, simplify the text and check it again; report the input id to the developers.",
                       "Forenkle heller teksten og kontroller den på nytt; meld fra om id-en til utviklerne."),
}
for _rule, (_en, _nb) in _ADVICE.items():
    _sev, _m_en, _m_nb = RULES[_rule]
    RULES[_rule] = (_sev, f"{_m_en} {_en}", f"{_m_nb} {_nb}")


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    message: str
    message_nb: str
    template: str
    line: int
    column: int
    excerpt: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Hit:
    """A rule match inside one checked view, before it is placed in the source."""

    rule: str
    start: int
    end: int
    mask: list[tuple[int, int]] = field(default_factory=list)  # spans to mask in the view
    key: str = ""  # what makes two hits the same finding across views


def make_finding(rule: str, *, template: str, line: int, column: int, excerpt: str,
                 severity: str | None = None) -> Finding:
    sev, en, nb = RULES.get(rule, (ERROR, rule, rule))
    return Finding(rule=rule, severity=severity or sev, message=en, message_nb=nb,
                   template=template, line=max(1, line), column=max(1, column),
                   excerpt=excerpt)


def is_refused(findings: Iterable[Finding]) -> bool:
    return any(f.severity == ERROR for f in findings)


_LONG_DIGITS = re.compile(r"\d(?:[\d .\-]{4,}\d)")
_SECRET_AFTER = re.compile(
    r"(?i)\b(pass(?:ord|word)|pin(?:-?kode)?|kode|code|cvc|cvv|otp|passcode)\s*[:=]\s*\S+")


def mask_text(text: str, spans: Iterable[tuple[int, int]] = ()) -> str:
    """Mask the given spans (keeping the last two digits of numbers) and any long digit run."""
    chars = list(text)
    for s, e in spans:
        s, e = max(0, s), min(len(chars), e)
        digits = [i for i in range(s, e) if chars[i].isdigit()]
        keep = set(digits[-2:]) if len(digits) >= 8 else set()
        for i in range(s, e):
            if i not in keep and not chars[i].isspace():
                chars[i] = "•"
    out = "".join(chars)
    out = _LONG_DIGITS.sub(lambda m: re.sub(r"\d", "•", m.group(0)[:-2]) + m.group(0)[-2:]
                           if sum(c.isdigit() for c in m.group(0)) >= 6 else m.group(0), out)
    return _SECRET_AFTER.sub(lambda m: _mask_secret_value(m.group(0)), out)


def _mask_secret_value(s: str) -> str:
    m = re.search(r"[:=]\s*", s)
    if not m:
        return s
    return s[: m.end()] + "•••"


def excerpt_of(text: str, start: int, end: int, mask: Iterable[tuple[int, int]] = (),
               width: int = 40) -> str:
    """A one-line excerpt around [start, end) with sensitive parts masked."""
    s = max(0, start - width)
    e = min(len(text), end + width)
    shifted = [(a - s, b - s) for a, b in mask]
    snippet = mask_text(text[s:e], shifted)
    snippet = " ".join(snippet.split())
    if s > 0:
        snippet = "…" + snippet
    if e < len(text):
        snippet = snippet + "…"
    return snippet
