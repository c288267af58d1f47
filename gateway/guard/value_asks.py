"""Request forms that ask for a value in place: passive demands ("Kortnummer må oppgis"),
questions for a value ("Hva er PIN-koden din?"), form fields ("Passord: ____") and an offered
value ("Your national ID number will do"). Split from requests.py."""

from __future__ import annotations

import re

from . import lexicon as L
from .clauses import COLON, WORD, Analysis
from .objects import bare_bankid, objects_between, valid_object

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
    for obj in objects_between(a, max(lo, i - 12), min(hi, i + 9)):
        if bare_bankid(a, obj):
            continue
        if valid_object(a, obj, key, []):
            add(obj, i, i)


# "is" and "was called": "Hva er PIN-koden din?", "Kva heitte det fyrste kjæledyret ditt?"
_COPULA = {"is", "are", "er", "was", "var", "s", "het", "heter", "heitte", "heiter", "hette", "called",
           "named", "were"}
_WHICH_FILLER = {"for", "ein", "ei", "eit", "of", "your", "the", "dine", "dei"}
_INDEFINITE = {"a", "an", "en", "et", "ei", "ein", "eit", "any", "noen", "nokon", "slik", "such"}


def check_question(a: Analysis, i: int, add) -> None:
    """'Hva er PIN-koden din?', 'What is the account holder's ID number?', 'Which account number
    should we use?' ask for the value; 'Hva er en engangskode?' asks for a definition."""
    lo, hi = a.clause_start(i), a.clause_end(i)
    if a.negated(lo, hi):
        return
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


