"""What the request rules ask of a confidential object in an analysed text: is it there, between
two tokens, a bare "BankID" (a login method, not a secret), valid for its verb; and the wording
around a directive that decides whether the reader hands data over (their own wish, others as
recipients, the customer's own portal page). Shared by requests.py and request_forms.py."""

from __future__ import annotations

import re
from functools import lru_cache

from . import lexicon as L
from . import phrasing as P
from .clauses import WORD, Analysis, Obj

BANKID_VERBS = re.compile(
    r"confirm|verify|validate|update|renew|reactivate|activate|unlock|send|give|provide|share|"
    r"enter|submit|oppgi|oppgje|bekreft|bekrefte|stadfest|stadfeste|verifiser|verifisere|"
    r"oppdater|oppdatere|oppdatera|forny|fornye|fornya|reaktiver|reaktivere|aktiver|aktivere|"
    r"valider|validere|send|sende|senda|gi|gje|del|dele|dela|tast|taste|registrer|registrere|"
    r"need|needs|require|want|trenger|treng|krever|ber|be|spør|ønsker|mangler|manglar|"
    r"tell|fortell|oppgir|sender|bekrefter")


@lru_cache(maxsize=65536)
def passive(key: str) -> bool:
    """Listed passives, and the s-passive of any provide verb ("leses", "fyllast", "oppgis")."""
    if L.is_passive(key):
        return True
    if len(key) < 5:
        return False
    if key.endswith("ast") and (L.is_provide(key[:-3] + "a") or L.is_provide(key[:-3] + "e")):
        return True
    return key.endswith("s") and L.is_provide(key[:-1]) and not key.endswith("ss")


def valid_object(a: Analysis, obj: Obj, verb: str, between: list[str]) -> bool:
    if bare_bankid(a, obj):
        if set(between) & L.INSTRUMENT or not BANKID_VERBS.fullmatch(verb):
            return False
    if obj.cat == "card_expiry":
        return a.sentence_id[obj.i] in a.card_sentences()
    if a.word(obj.i - 1) in _WRONG:
        return False  # "du har skrive inn feil passord": a failed attempt reported
    return not harmless_digits(a, obj) and not harmless_code(a, obj)


_WRONG = frozenset({"feil", "wrong", "incorrect", "ugyldig", "ugyldige", "invalid", "galt", "gale"})


_LINKS = frozenset({"til", "for", "på", "i", "fra", "frå", "ved", "of", "on", "in", "from",
                    "inside", "under", "to", "printed", "trykt", "the", "your", "din", "di", "ditt",
                    "den", "det", "back", "baksida", "baksiden", "innsida", "innsiden", "lid",
                    # a relative clause that says where it is printed: "som står på", "that is on"
                    "som", "står", "stod", "that", "which", "is", "written", "skrevet", "skrive", "skriven"})
_LIST_WORDS = frozenset({"og", "and", "samt", "eller", "or", "plus", "pluss", "as", "samme", "same"})


def harmless_code(a: Analysis, obj: Obj) -> bool:
    """A code or PIN that belongs to a harmless thing by a preposition ("koden til porten", "the
    activation code printed on the inside of the charger lid", "koda frå velkomstbrevet"), or that
    is printed on a label, a sticker or the device's box ("PIN-koden som står på klistremerket",
    "the PIN printed on the box"); a password of a device ("the Wi-Fi password", "passordet til
    ruteren"); not one listed next to it ("PIN-koden og målerstanden")."""
    if obj.cat == "password":
        return bool(_DEVICE.fullmatch(a.word(obj.i - 1) or "-")) or any(
            _DEVICE.fullmatch(a.keys[k]) for k in range(obj.j + 2, min(len(a.toks), obj.j + 5))
            if a.toks[k].kind == WORD and a.word(obj.j + 1) in ("til", "for", "på", "to", "of", "on"))
    if obj.cat not in ("one_time_code", "pin"):
        return False
    for k in range(obj.j + 1, min(len(a.toks), obj.j + 12)):
        if a.toks[k].kind != WORD:
            return False
        w = a.keys[k]
        if w in _LIST_WORDS:
            return False
        if (P.BENIGN_CODE_CONTEXT.fullmatch(w) and not by_post(a, k)) or (_CARRIER.fullmatch(w) and _printed_on(a, obj, k)):
            return True
        if w not in _LINKS and k > obj.j + 1 and a.word(k - 1) not in _LINKS:
            return False
    return False


def by_post(a: Analysis, k: int) -> bool:
    """'i posten', 'in the post', 'med posten': the post as the channel a PIN came by (a bank's PIN
    letter), not Posten the parcel company whose pick-up code is harmless ("koden fra Posten")."""
    return a.keys[k] in ("posten", "post") and a.word(k - 1) in ("i", "in", "by", "med", "via", "per")


# What a device's code is printed on: a label, a sticker, the box it came in. Only "on/på/from",
# never "in/i" ("Enter your PIN in the box below" is a form of ours).
_CARRIER = re.compile(r"sticker\w*|klistremerk\w*|etikett\w*|labels?|typeskilt\w*|lokket|lokk|lid|box|boksen|"
                      r"esken|eska|emballasje\w*|packaging")
_ON = frozenset({"på", "on", "printed", "trykt", "trykket", "fra", "frå", "from", "inside", "innsida", "innsiden", "under"})
# A device (not a bank's or our service's password): "the Wi-Fi password", "passordet til ruteren"
_DEVICE = re.compile(r"wifi|wlan|ruter\w*|router\w*|nettverk\w*|network|lade\w*|ladar\w*|charg\w*|wallbox\w*|"
                     r"vekselrett\w*|inverter\w*|varmepump\w*|heatpump\w*|alarm\w*")


def _printed_on(a: Analysis, obj: Obj, k: int) -> bool:
    """The carrier at k is reached by "on/på/printed/from", not "in", and the sentence names no
    card ("the code printed on the back of your card" is the card's)."""
    back = k - 1
    while back > obj.j and a.keys[back] in ("the", "your", "din", "di", "ditt", "den", "det", "its", "sin", "si"):
        back -= 1
    if a.keys[back] not in _ON:
        return False
    sid = a.sentence_id[obj.i]
    return not any(a.sentence_id[x] == sid and a.keys[x] in _CARD_NOUNS for x in range(max(0, obj.i - 20), min(len(a.toks), k + 8)))


_CARD_NOUNS = frozenset({"kort", "kortet", "korta", "card", "cards", "bankkort", "bankkortet", "bankcard"})


_DIGIT_WORDS = re.compile(r"siff|digit|tal|tall|numbers")


def harmless_digits(a: Analysis, obj: Obj) -> bool:
    """Digits described, then shown to belong to harmless data ("dei fire siste siffera i
    ordrenummeret", "the last 3 digits of ur customer number")."""
    if not any(_DIGIT_WORDS.match(a.keys[k]) for k in range(obj.i, obj.j + 1) if a.keys[k]):
        return False
    if a.word(obj.i - 1) in ("på", "with", "of", "med", "av") and P.BENIGN_CODE_CONTEXT.fullmatch(a.word(obj.i - 2) or "-"):
        return True  # "eit anleggsnummer på seks siffer", "a meter number with eight digits": its length
    return any(a.keys[k] and (P.BENIGN_CODE_CONTEXT.fullmatch(a.keys[k]) or (
        a.keys[k] in _HARMLESS_OWNER and a.word(k + 1) in ("number", "no", "nr", "id", "numbers")))
               for k in range(obj.j + 1, min(len(a.toks), obj.j + 5)))


# English names of harmless numbers in two words ("the last four digits of your customer number")
_HARMLESS_OWNER = frozenset({"customer", "invoice", "order", "meter", "reference", "case", "tracking", "membership"})


WISH = {"vil", "want", "wants", "ønsker", "ønskjer", "like", "prefer", "foretrekker", "gjerne",
         "need", "trenger", "treng", "planning", "planlegger", "wish"}


OTHERS = {"andre", "others", "anyone", "anybody", "noen", "nokon", "someone", "somebody",
           "strangers", "fremmede", "framande", "ukjente", "third", "tredjepart", "them", "dei", "de",
           "bort", "away", "vekk"}


SELF_SERVICE = re.compile(r"\b(?:(?:på|i|on|in|via|at|under) (?:(?:min|mi|my) \w{0,14}(?:side|sida|page)|minside|the portal|portalen|"
                           r"appen vår|our app|(?:min|mi|my) profil\w*|my profile|«?mine data|my data|"
                           # the page of the reader's own details: "under My details", "under Mine opplysninger"
                           r"my (?:details|personal details|settings)|mine (?:opplysninger|opplysningar|detaljer|innstillinger|innstillingar))|"
                           r"self[- ]?service|selvbetjening|sjølvbetening|yourself|selv|sjølv|"
                           r"on (?:the|our) (?:website|site)|på (?:nettsida|nettsiden|nettstaden) vår|"
                           # the reader's own settings ("under Settings", "i innstillingane i appen")
                           r"(?:under|in|i|via) (?:settings|innstillinger|innstillingar|innstillingene|innstillingane))\b")
# The reader changing their own data where they manage it ("Du kan selv oppdatere kontonummeret
# på Min side") is what we want them to do instead of sending it.


# The reader changing their own data where they manage it ("Du kan selv oppdatere kontonummeret
# på Min side") is what we want them to do instead of sending it.
SELF_VERBS = {"oppdater", "oppdatere", "oppdatera", "update", "updating", "endre", "endra", "change",
               "oppdaterer", "oppdaterar", "endrer", "endrar", "updates", "changes", "registrerer",
               "registrer", "registrere", "registrera", "register", "legg", "legge", "leggje", "add",
               "fyll", "fylle", "fylla", "enter", "legger", "leggjer", "fyller", "fyllar", "adds",
               "enters", "skriv", "skrive", "skriva", "tast", "taste", "type"}


def reader_gives(a: Analysis, lo: int, i: int) -> bool:
    """A condition in which the reader hands the data over to us ('if you attach your card
    number, ...'), not a wish of the reader's own ('if you want to update ...') nor a warning
    about giving it to others ('if you give your password to others, ...')."""
    hi = a.clause_end(i)
    comma = next((k for k in range(i + 1, hi) if a.toks[k].kind != WORD and a.toks[k].key == ","), None)
    if comma is not None and a.conditional(lo):
        hi = comma  # "Når du har sendt oss koden, låser vi opp kontoen på Min side": the main clause is ours
    words = {a.keys[k] for k in range(lo, hi) if a.toks[k].kind == WORD}
    if words & WISH or words & OTHERS:
        return False
    return not SELF_SERVICE.search(clause_text(a, lo, hi))


def clause_text(a: Analysis, lo: int, hi: int) -> str:
    if hi <= lo or lo >= len(a.toks):
        return ""
    return a.text[a.toks[lo].start:a.toks[min(hi, len(a.toks)) - 1].end]


def objects_between(a: Analysis, lo: int, hi: int) -> list[Obj]:
    out: list[Obj] = []
    for k in range(max(0, lo), min(hi, len(a.toks))):
        obj = a.objs_at[k]
        if obj is not None and obj.i == k:
            out.append(obj)
    return out


def bare_bankid(a: Analysis, obj: Obj) -> bool:
    return obj.cat == "bankid" and "".join(a.keys[obj.i:obj.j + 1]) in BARE_BANKID


BARE_BANKID = {"bankid", "bankiden", "bankids", "mobilbankid", "bankidappen", "bankidapp",
                "bankidpåmobil", "bankidpamobil", "bankidappa"}


NEEDED = {"needed", "required", "requested", "necessary", "mandatory", "essential", "compulsory"}
