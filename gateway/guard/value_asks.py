"""Request forms that ask for a value in place: passive demands ("Kortnummer må oppgis"),
questions for a value ("Hva er PIN-koden din?"), form fields ("Passord: ____") and an offered
value ("Your national ID number will do"). Split from requests.py."""

from __future__ import annotations

import re

from . import lexicon as L
from .clauses import COLON, WORD, Analysis
from .objects import bare_bankid, objects_between, passive, valid_object
from .reported import into_our_app

_FORM_BLANK = re.compile(r"[ \t]*(?:[_.…]{3,}|\[[ \t]*\]|\([ \t]*\)|<[ \t]*>|\{\{[ \t]*\}\})")


def check_passive(a: Analysis, i: int, add) -> None:
    key = a.keys[i]
    lo, hi = a.clause_start(i), a.clause_end(i)
    if key in L.PASSIVE_NEEDS_MODAL or L.is_participle(key) or not L.is_passive(key):
        prev = {a.word(i - 1), a.word(i - 2), a.word(i - 3)}
        if not (prev & L.DEMAND_MODALS):
            return
    if a.negated(lo, hi) or a.subject(lo, i) == "warn":
        return
    if _by_the_reader(a, i):
        return  # "Engangskoden skal bare tastes inn av deg selv": the reader's own act
    if into_our_app(a, i):
        return  # "Engangskoden skal bare tastes inn i appen vår": typed into our app
    if _our_duty(a, i):
        return  # "we're required to store your national ID number": what we must do with it
    if _reason_passive(a, i):
        return  # "Me handsamar personnummeret ditt fordi det trengst for å …": why we hold it
    for obj in objects_between(a, max(lo, i - 12), min(hi, i + 9)):
        if bare_bankid(a, obj):
            continue
        if valid_object(a, obj, key, []):
            add(obj, i, i)


_SAYS = frozenset({"asks", "asked", "ask", "says", "said", "spør", "spurte", "spurde", "sier", "seier", "sa", "sei",
                   "skriv", "skriver", "writes", "wrote"})


def _said_by_other(a: Analysis, i: int) -> bool:
    """The question at i is what someone else asks or says: a saying verb right before it whose
    subject is a warning word or someone unknown ("anyone asks 'what's …?'", "nokon spør «kva er …»")."""
    k = i - 1
    while k >= 0 and a.toks[k].kind != WORD:
        k -= 1  # a quotation mark between
    if k < 1 or a.keys[k] not in _SAYS:
        return False
    subj = a.keys[k - 1]
    return subj in L.THIRD_WARN and subj not in ("bank", "banken", "banks")


_BECAUSE = frozenset({"fordi", "because", "since", "sidan", "siden", "ettersom", "sia", "as"})
_IT = frozenset({"det", "den", "it", "dei", "de", "they", "dette", "this"})


_KEEP = frozenset({"store", "keep", "retain", "hold", "process", "report", "lagre", "lagra", "oppbevare",
                   "oppbevara", "behandle", "handsame", "rapportere", "melde", "registrere", "registrera"})


def _our_duty(a: Analysis, i: int) -> bool:
    """'we're required to store …', 'vi er pålagt å lagre …': a duty of ours to keep or process data
    (not "we're required to verify your PIN", where the reader must give it)."""
    if a.word(i - 1) not in ("are", "were", "er", "re") and a.word(i - 2) not in ("we", "vi", "me"):
        return False
    return a.word(i + 1) in ("to", "å") and a.word(i + 2) in _KEEP


def _reason_passive(a: Analysis, i: int) -> bool:
    """A passive need whose subject is a pronoun inside a reason clause ("fordi det trengst",
    "because it is needed", "sidan det må brukast"): it explains why we process data already
    named, it asks nothing of the reader (an ask before it is judged by its own directive)."""
    back = [a.keys[k] for k in range(max(0, i - 4), i) if a.toks[k].kind == WORD]
    for n in range(len(back) - 1):
        if back[n] in _BECAUSE and back[n + 1] in _IT:
            return all(a.toks[k].kind == WORD for k in range(max(0, i - 4), i))
    return False


# "is" and "was called": "Hva er PIN-koden din?", "Kva heitte det fyrste kjæledyret ditt?"
_COPULA = {"is", "are", "er", "e", "was", "var", "s", "het", "heter", "heitte", "heiter", "hette", "called",
           "named", "were"}
_WHICH_FILLER = {"for", "ein", "ei", "eit", "of", "your", "the", "dine", "dei"}
_INDEFINITE = {"a", "an", "en", "et", "ei", "ein", "eit", "any", "noen", "nokon", "slik", "such"}


_DIFFERENCE = frozenset({"forskjellen", "forskjell", "skilnaden", "skilnad", "difference", "differences"})


def check_question(a: Analysis, i: int, add) -> None:
    """'Hva er PIN-koden din?', 'What is the account holder's ID number?', 'Which account number
    should we use?' ask for the value; 'Hva er en engangskode?' asks for a definition."""
    lo, hi = a.clause_start(i), a.clause_end(i)
    if a.negated(lo, hi):
        return
    if set(a.next_words(i, 3)) & _DIFFERENCE:
        return  # "Kva er forskjellen på BankID-passord og PIN-kode?": a definition
    if _said_by_other(a, i):
        return  # "If anyone asks 'what's your mother's maiden name?' …, it's not us": their question
    question = hi < len(a.toks) and "?" in a.toks[hi].key
    key = a.keys[i]
    nxt = a.next_words(i, 2)
    words = [a.keys[k] for k in range(i, hi) if a.toks[k].kind == WORD]
    second = bool(set(words) & (L.SECOND_PERSON | L.POSSESSIVE))
    skip = 0  # "kva for ein eingongskode", "which of your codes"
    while a.word(i + 1 + skip) in _WHICH_FILLER and skip < 3:
        skip += 1
    for obj in objects_between(a, i + 1, min(hi, i + 8)):
        if bare_bankid(a, obj):
            continue
        before = a.word(obj.i - 1)
        if key in ("which", "hvilket", "hvilken", "hvilke", "kva", "kvart", "kven") and obj.i <= i + 2 + skip \
                and (question or second) and not (nxt and nxt[0] in ("er", "is", "are")):
            add(obj, i, obj.j)
        elif (nxt and (nxt[0] in _COPULA or key == "whats")):
            if before in _INDEFINITE:
                continue
            between = {a.keys[k] for k in range(i + 1, obj.i) if a.toks[k].kind == WORD}
            if second or (question and not between & _INDEFINITE):
                add(obj, i, obj.j)


def check_form_fields(a: Analysis, add) -> None:
    for k, t in enumerate(a.toks):
        if t.kind != COLON or k == 0:
            continue
        obj = a.objs_at[k - 1]
        if obj is None:
            continue
        if _FORM_BLANK.match(a.text, t.end):
            add(obj, obj.i, k)


_SUFFICES = {("will", "do"), ("will", "suffice"), ("is", "enough"), ("is", "sufficient"),
             ("suffices",), ("holder",), ("er", "nok"), ("er", "tilstrekkelig"),
             ("er", "tilstrekkeleg"), ("rekk",), ("duger",), ("would", "do")}


def check_suffices(a: Analysis, add) -> None:
    """'Your national ID number will do' / 'fødselsnummeret ditt holder' offers the value as
    what we want."""
    for obj in a.objs:
        after = [a.word(obj.j + k) for k in (1, 2, 3)]
        if after[0] in L.POSSESSIVE:
            after = after[1:]
        if (after[0],) in _SUFFICES or tuple(after[:2]) in _SUFFICES:
            lo, hi = a.clause_start(obj.i), a.clause_end(obj.i)
            if not a.negated(lo, hi) and not bare_bankid(a, obj):
                add(obj, obj.i, obj.j + 2)




def _by_the_reader(a: Analysis, i: int) -> bool:
    nxt = a.next_words(i, 4)
    return any(nxt[n] in ("av", "by") and nxt[n + 1] in ("deg", "you", "dykk", "dere", "yourself")
               for n in range(len(nxt) - 1))


# --- sixth round: the data handed to us in the passive, or used by us ---------------------------
_TO_US_PLACES = (("til", "oss"), ("to", "us"), ("til", "meg"), ("to", "me"), ("hit",), ("here",),
                 ("i", "svaret"), ("in", "the", "reply"), ("in", "your", "reply"), ("to", "this", "address"),
                 ("to", "this", "email"), ("til", "denne", "adressen"), ("til", "denne", "adressa"),
                 ("til", "denne", "eposten"), ("til", "denne", "e", "posten"), ("inn",), ("oss",), ("us",),
                 # our staff as the recipient: "is to be read out to our agent", "lesast opp for rådgjevaren vår"
                 ("to", "our", "agent"), ("to", "our", "adviser"), ("to", "our", "advisor"), ("to", "our", "staff"),
                 ("to", "the", "agent"), ("for", "oss"), ("for", "meg"), ("til", "rådgiveren"), ("for", "rådgiveren"),
                 ("til", "rådgjevaren"), ("for", "rådgjevaren"), ("til", "saksbehandleren"), ("for", "saksbehandleren"),
                 ("til", "sakshandsamaren"), ("for", "sakshandsamaren"))
_PASSIVE_MARK = frozenset({"må", "skal", "bør", "is", "are", "be", "blir", "vert", "ønskes", "ønskjast", "bes",
                           "must", "should", "to", "kan", "can", "will"})


def _handed_to_us(a: Analysis, k: int) -> bool:
    """A passive or participle of a provide verb at k with a destination of ours after it
    ("ønskes videresendt til oss", "is to be forwarded to this address", "bør sendes hit",
    "må sendast inn")."""
    w = a.keys[k]
    if not (passive(w) or L.is_participle(w) or w in _EXTRA_PARTICIPLES):
        return False
    if not passive(w) and not {a.word(k - 1), a.word(k - 2)} & _PASSIVE_MARK:
        return False
    nxt = a.next_words(k, 6)
    if nxt[:1] and nxt[0] in ("out", "opp", "up"):
        nxt = nxt[1:]  # "read out to our agent", "lesast opp for meg"
    for n in range(0, 3):
        for place in _TO_US_PLACES:
            if tuple(nxt[n:n + len(place)]) == place:
                if place == ("inn",):
                    return n == 0 and w.startswith("send")  # "sendast inn", not "tastes inn"
                return place not in (("oss",), ("us",)) or n == 0
    return False


_EXTRA_PARTICIPLES = frozenset({"videresendt", "vidaresendt", "forwarded", "returned", "returnert", "lest", "read",
                                "lesen", "lese", "opplest", "sendt", "send", "sent"})
_SECRET = frozenset({"bankid", "password", "pin", "bankid_code", "one_time_code", "code_device", "credentials",
                     "security_code", "card_security_code"})
_USED = frozenset({"brukes", "brukast", "brukt", "used", "nytta", "nyttast", "benyttet", "benytta", "benyttes"})


def check_handed_over(a: Analysis, add) -> None:
    """The object, then in its sentence a passive that hands it to us ("Din nye BankID-kode, den
    du får tilsendt, ønskes videresendt til oss"), or a secret used by us ("Your BankID password
    will be used by our agent", "BankID-passordet brukes av oss"): we can only use what we get.
    A national id or account number used by us is privacy information, not an ask."""
    for obj in a.objs:
        if bare_bankid(a, obj):
            continue
        sid = a.sentence_id[obj.i]
        for k in range(obj.j + 1, min(len(a.toks), obj.j + 30)):
            if a.sentence_id[k] != sid:
                break
            if a.toks[k].kind != WORD:
                continue
            used = (a.keys[k] in _USED and obj.cat in _SECRET
                    and {a.word(k + 1), a.word(k + 2)} & {"av", "by"}
                    and set(a.next_words(k, 4)) & {"oss", "us", "our", "vår", "våre", "me", "agent", "rådgiveren",
                                                   "rådgjevaren", "saksbehandleren", "sakshandsamaren"})
            if used or _handed_to_us(a, k):
                lo, hi = a.clause_start(k), a.clause_end(k)
                if a.negated(lo, hi) or a.subject(lo, k) == "warn":
                    break
                if valid_object(a, obj, a.keys[k], []):
                    add(obj, obj.i, k)
                break
