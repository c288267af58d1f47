"""Who asks, and what a directive leaves out (issue 11, sixth round): another asker (our app, a
web page, a terminal, a device, BankID, the customer's bank), a need in a reason clause, a listing
word that only continues an ask, a warning passed on to other people, and "the number" that
refers to a confidential object named just before. Split from requests.py."""

from __future__ import annotations

import re

from . import lexicon as L
from . import phrasing as P
from .clauses import MAX_CLAUSE, WORD, Analysis, Obj
from .objects import bare_bankid
from .reported import nearer_antecedent

# Words that add to a list: they ask only as part of an ask before them in the sentence
# ("Send us the form, including your account number"), not after a statement.
LISTING = {"including", "inkludert", "inklusive", "medregnet"}


def asked_before(a: Analysis, i: int) -> bool:
    sid = a.sentence_id[i]
    for k in range(i - 1, -1, -1):
        if a.sentence_id[k] != sid:
            return False
        if a.toks[k].kind == WORD and a.keys[k] not in LISTING and a.directive_kind(k) in ("provide", "request") \
                and (L.is_provide(a.keys[k]) or L.is_request(a.keys[k])):
            if a.directive_kind(k) == "request" and a.subject(a.clause_start(k), k) == "second":
                continue  # "You can request a copy of the data we hold, including …": the reader's own request
            return True
    return False


# Who else may ask: our app or a web page (the customer acts there), or a third party such as
# the bank; the subject before the verb, or right after it in a question or inversion ("Ber ei
# nettside om …", "ber banken din deg om …").
_ASKER = frozenset({"app", "appen", "appa", "nettside", "nettsida", "nettsiden", "website", "site", "page", "side",
                    "sida", "siden", "browser", "nettlesaren", "nettleseren", "bankid", "bankidappen"})
_DETS = frozenset({"the", "a", "an", "our", "your", "ei", "en", "ein", "eit", "et", "din", "di", "ditt",
                   "vår", "den", "det", "this", "that", "denne"})


_ASK_WORDS = frozenset({"ask", "asks", "asking", "ber", "be", "bed", "spør", "spurte", "request", "requests",
                        "krever", "krev", "requires", "require", "need", "needs", "trenger", "treng", "will"})
# a terminal, a device or a page of someone else's: "betalingsterminalen", "ladeboksen", "produsentens app"
_ASKER_RX = re.compile(r"\w*terminal\w*|\w*app(?:en|a)?|\w*vindu(?:et)?|\w*vindauget|nettbutikk\w*|"
                       r"ladeboks\w*|charger\w*|lader(?:e|en|ne)?|ladar(?:ar|en|ane)?|ladestasjon\w*|router\w*|kassa\w*|checkout|\w+appen|varmepump\w*|heatpump\w*|"
                       r"wallbox\w*|vekselrett\w*|inverter\w*|solcelle\w*|alarm\w*|produsent\w*|manufacturer\w*|"
                       # a login page or the login itself: "ei innloggingsside som ber om BankID", "each login will ask for …"
                       r"(?:innloggings|påloggings|login|nett)sid(?:e|a|en)|(?:inn|på)logging(?:a|en)?|logins?|signin")


def _is_asker(w: str) -> bool:
    return w in _ASKER or bool(_ASKER_RX.fullmatch(w)) or bool(P.THIRD_PARTY.fullmatch(w))


def other_asker(a: Analysis, lo: int, i: int) -> bool:
    if a.keys[i] not in _ASK_WORDS:
        return False
    k = i + 1
    while k < len(a.toks) and a.toks[k].kind == WORD and a.keys[k] in _DETS:
        k += 1
    after = a.word(k)
    if after and a.objs_at[k] is None and a.keys[i] in ("ber", "spør", "asks", "krever", "krev") and _is_asker(after):
        return True  # inverted: "ber banken din deg om …", "Ber ei nettside om …"
    back = [a.keys[x] for x in range(max(lo, i - 4), i) if a.toks[x].kind == WORD and _not_secret(a, a.objs_at[x])]
    return bool(back) and any(_is_asker(w) for w in back) and not set(back) & {"vi", "we", "me", "us", "oss"}


def _not_secret(a: Analysis, obj: Obj | None) -> bool:
    return obj is None or bare_bankid(a, obj)  # "BankID asks for …": BankID itself may be the asker


def asked_by_other(a: Analysis, i: int) -> bool:
    """The provide verb at i is what someone else asks the reader to do ('BankID vil be deg taste …',
    'the app will ask you to enter …')."""
    sid = a.sentence_id[i]
    for k in range(i - 1, max(-1, i - 5), -1):
        if a.sentence_id[k] != sid or a.toks[k].kind != WORD:
            break
        if a.keys[k] in ("be", "ber", "bed", "ask", "asks", "spør") and a.word(k + 1) in ("deg", "you", "dykk", "dere"):
            return other_asker(a, a.clause_start(k), k)
    return False


_BECAUSE = frozenset({"fordi", "because", "since", "ettersom", "sidan", "siden", "sia", "as", "cause", "for"})


def reason_need(a: Analysis, lo: int, i: int) -> bool:
    """A need in a reason clause ("fordi vi trenger det", "because we need it to …")."""
    back = [a.keys[x] for x in range(max(lo, i - 3), i) if a.toks[x].kind == WORD]
    return len(back) >= 2 and back[-1] in ("vi", "we", "me") and back[-2] in _BECAUSE


_OTHER_PEOPLE = re.compile(r"familie\w*|family|eldre|elderly|nabo\w*|neighbours?|venner|vener|vennene|venene|"
                           r"friends|foreldre\w*|parents|barna|children|kids|kollega\w*|colleagues|"
                           r"besteforeldre\w*|grandparents|andre|others|everyone|alle")


def told_to_others(a: Analysis, i: int) -> bool:
    """'Fortel dette gjerne til dei eldre i familien', 'share this with your friends': a warning
    passed on to other people, not data handed to us."""
    nxt = a.next_words(i, 6)
    return any(w in ("til", "to", "with", "med") and any(_OTHER_PEOPLE.fullmatch(x) for x in nxt[n + 1:n + 4])
               for n, w in enumerate(nxt))


_NUMBERED = frozenset({"account_number", "card_number", "national_id"})
_THE_NUMBER = frozenset({"number", "nummeret", "talet", "tallet", "numbers"})


def check_the_number(a: Analysis, i: int, add) -> None:
    """'Payment goes to your bank account. Please reply with the number.': "the number" after a
    directive refers to the numbered confidential object named just before (account, card, id)."""
    nxt = a.next_words(i, 4)
    if not any(w in _THE_NUMBER and (n == 0 or nxt[n - 1] in ("the", "that", "this", "det", "dette", "with", "med"))
               for n, w in enumerate(nxt)):
        return
    k_num = next(k for k in range(i + 1, len(a.toks)) if a.keys[k] in _THE_NUMBER)
    if any(P.BENIGN_CODE_CONTEXT.fullmatch(w) for w in a.next_words(k_num, 4) if w):
        return  # "the number on the meter"
    sid = a.sentence_id[i]
    for k in range(i - 1, max(-1, i - 3 * MAX_CLAUSE), -1):
        if nearer_antecedent(a, k):
            return
        obj = a.objs_at[k]
        if obj is None:
            continue
        if sid - a.sentence_id[obj.i] > 2:
            return
        if obj.cat in _NUMBERED:
            add(obj, i, i)
        return
