"""Tokens and object words for the clause analysis: the tokenizer (words, strong and weak
boundaries, colons; abbreviation dots do not end a sentence), the token and object records, and
the lookups that turn one to four keys into a confidential category (phrases, compounds, fields
such as "CVC-feltet", typo tails such as "personal numbr"). Split from clauses.py."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from . import lexicon as L

_TOKEN_RE = re.compile(
    r"(?P<w>[^\W_]+(?:['\-][^\W_]+)*)|(?P<p>\n[ \t]*\n|[.!?;]+|\n|,|[–—]|\s-\s|:|\(|\)|\[|\]|\|)"
)

STRONG, WEAK, COLON, WORD = "S", "W", ":", "w"


@dataclass(slots=True)
class Tok:
    kind: str  # WORD, STRONG, WEAK, COLON
    key: str
    start: int
    end: int


@dataclass(slots=True)
class Obj:
    cat: str
    i: int  # first token
    j: int  # last token (inclusive)


def tokenize(text: str) -> list[Tok]:
    toks: list[Tok] = []
    append = toks.append
    for m in _TOKEN_RE.finditer(text):
        p = m.group()
        if m.lastgroup == "w":
            if "-" in p or "'" in p:
                p = p.replace("-", "").replace("'", "")
            append(Tok(WORD, p, m.start(), m.end()))
            continue
        if p == ":":
            toks.append(Tok(COLON, p, m.start(), m.end()))
        elif p[0] in ".!?;":
            if p[0] == "." and len(p) == 1 and not _sentence_end(text, m, toks):
                continue
            toks.append(Tok(STRONG, p, m.start(), m.end()))
        elif p.count("\n") >= 2:
            toks.append(Tok(STRONG, p, m.start(), m.end()))
        else:
            toks.append(Tok(WEAK, p, m.start(), m.end()))
    return toks


def _sentence_end(text: str, m: re.Match[str], toks: list[Tok]) -> bool:
    end = m.end()
    if end < len(text) and not text[end].isspace():
        return False  # "min.example.no", "1.5"
    if toks and toks[-1].kind == WORD and toks[-1].end == m.start() and toks[-1].key in L.ABBREVIATIONS:
        # nynorsk "no" (now) ends sentences; "no." abbreviates "number" only after its noun
        return toks[-1].key == "no" and not (len(toks) > 1 and toks[-2].key in _NO_NOUNS)
    return True


_NO_NOUNS = {"acct", "acc", "account", "card", "ref", "reference", "phone", "tel", "customer",
             "order", "invoice", "policy", "case", "id", "contract", "member", "ticket", "serial",
             "reg", "org", "kunde", "konto", "kort", "sort", "routing", "insurance", "passport",
             "personal", "pers"}


CONTAINERS = ("feltet", "felt", "field", "boksen", "boks", "ruta", "ruten", "rute", "linja", "linjen")


@lru_cache(maxsize=65536)
def container_category(key: str) -> str | None:
    """'CVC-feltet', 'passordfeltet', 'PIN-boksen': the field for a confidential object."""
    for suffix in CONTAINERS:
        if key.endswith(suffix) and len(key) > len(suffix) + 2:
            return L.noun_category(key[: -len(suffix)])
    return None


_TYPO_TAILS = {"numbr": "number", "nmbr": "number", "nuber": "number", "numbe": "number", "numner": "number",
               "numer": "nummer", "nummr": "nummer", "nummmer": "nummer"}


@lru_cache(maxsize=65536)
def multi_category(words: tuple[str, ...]) -> str | None:
    cat = L.phrase_category(" ".join(words)) or L.noun_category("".join(words))
    if cat is None and words[-1] in _TYPO_TAILS:  # "personal numbr", "konto numer"
        fixed = words[:-1] + (_TYPO_TAILS[words[-1]],)
        cat = L.phrase_category(" ".join(fixed)) or L.noun_category("".join(fixed))
    return cat


def canonical(cat: str) -> str:
    return {"bankid_code": "bankid", "security_code": "card_security_code"}.get(cat, cat)
