"""Clause analysis for the request rules: tokens, confidential objects, directives, subjects,
clause boundaries and negation scope.

Everything here answers questions about one normalised text; ``requests.py`` combines the
answers into findings.
"""

from __future__ import annotations

from functools import lru_cache

from . import lexicon as L
from . import phrasing as P
from . import segments
from .gate import may_start_object
from .gate import start_shortcut_on as may_start_shortcut
from .object_scan import piece_objects as _piece_objects
from .object_scan import scan_objects as _scan_objects
from .tokens import (
    COLON,
    CONTAINERS,
    STRONG,
    WEAK,
    WORD,
    Obj,
    canonical,
    container_category,
    multi_category,
)

_CARD_CONTEXT = {"card_number", "card_security_code"}
_CARD_WORDS = {"card", "cards", "kort", "kortet", "kortets", "korta", "kortnummer", "kortnummeret"}
_INFINITIVES = {
    "sende", "bekrefte", "skrive", "taste", "fylle", "legge", "laste", "lese", "svare", "dele",
    "oppdatere", "verifisere", "registrere", "fortelle", "spørre", "fornye", "aktivere",
    "senda", "stadfeste", "svara", "dela", "skriva", "fylla", "leggja", "lesa", "oppdatera",
    "registrera", "fortelja", "verifisera", "fornya", "aktivera", "ringe", "ringja", "be",
    "oppgje", "gje",
}
MAX_CLAUSE = 50
_READ = {"les", "lese", "lesa", "read"}
_DEFINITE = {"the", "that", "this", "den", "denne", "din", "di", "your", "ur", "yr"}
_POLITE_START = {"ver", "vær", "be", "vere", "være"}
_INVERTED_MODALS = {"kan", "vil", "skal", "kunne", "bør", "can", "could", "will", "should"}
# A connective adverb with V2 after it starts a main clause of its own: "…, derfor får du en kode
# fra banken din" (the verb before the comma does not govern what follows).
_CONNECTIVE = {"derfor", "difor", "dermed", "therefore", "thus"}
# Nynorsk imperatives that look like infinitives ("For å unngå gebyr, oppgje koden").
_NN_IMPERATIVES = {"oppgje", "gje"}
_NEG_SCOPE_END = {"until", "unless", "before", "før", "inntil", "fordi", "because", "otherwise",
                  "ellers", "elles", "dersom", "hvis", "viss", "if"}
_STATEMENT_AUX = {"will", "shall", "would", "vil", "kommer", "kjem", "going", "is", "are", "was",
                  "were", "har", "have", "has", "had", "hadde", "am", "ll", "blir", "vert"}
_SKIP_BACK = L.AUX | L.POLITE | L.NEGATIONS | L.DEMAND_MODALS | {
    "also", "then", "please", "kindly", "ever", "noen", "gang", "og", "and", "or", "eller",
    "dermed", "derfor", "therefore", "so", "også", "òg", "nok", "jo", "altså", "snarest",
    "here", "her", "now", "nå", "no", "today", "umiddelbart", "immediately", "fortsatt",
    "still", "again", "igjen", "på", "nytt", "først", "first", "quickly", "raskt", "simply",
}


class Analysis:
    def __init__(self, text: str):
        self.text = text
        # tokenize(text), each paragraph's tokens cached (segments.py)
        self.toks, self._pieces = segments.tokens_and_pieces(text)
        n = len(self.toks)
        self.keys = [t.key if t.kind == WORD else "" for t in self.toks]
        self.objs_at: list[Obj | None] = [None] * n
        self._kinds: dict[int, str | None] = {}
        self._starts: dict[int, int] = {}  # clause_start, memoised (asked for the same token often)
        self._is_start: dict[int, bool] = {}  # is_clause_start, memoised
        self._card_sids: set[int] | None = None
        self.objs: list[Obj] = []
        self._find_objects()
        self.sentence_id = self._sentences()

    # -- objects --------------------------------------------------------------------------
    def _find_objects(self) -> None:
        """The objects of _find_objects_whole, paragraph by paragraph: which words form an object
        depends only on the words of their own run (no run crosses a paragraph), except whether
        a code-like word is a code, which depends on the words around it and is decided here on
        the whole text. Each paragraph's scan is cached (_piece_objects)."""
        if not may_start_shortcut():
            self._find_objects_whole()  # the fast paths are off: the plain scan, every token tried
            return
        keys, n = self.keys, len(self.toks)
        for first, _end, piece in self._pieces:
            scan = _piece_objects(piece) if piece is not None else _scan_objects(
                tuple((t.kind, t.key) for t in self.toks[first:_end]))
            for i, j, cat, container in scan:
                i, j = i + first, j + first
                if cat is None:  # a code-like word: a code only with code words around it
                    if self._code_context(i):
                        card = any(keys[k] in L.CARD_CONTEXT for k in range(max(0, i - 4), min(n, i + 6)))
                        cat = "card_number" if card and keys[i] in L.DIGIT_WORDS else "one_time_code"
                    elif container is None:
                        continue
                    else:
                        cat = container
                self._add_obj(Obj(cat, i, j))
        self._find_described()

    def _find_objects_whole(self) -> None:
        toks, keys = self.toks, self.keys
        n = len(toks)
        run_end = [0] * (n + 1)  # index just past the run of words starting at i
        for k in range(n - 1, -1, -1):
            run_end[k] = run_end[k + 1] if toks[k].kind == WORD and k + 1 < n and toks[k + 1].kind == WORD else (k + 1)
        i = 0
        may_start = may_start_object
        while i < n:
            if toks[i].kind != WORD:
                i += 1
                continue
            if not may_start(keys[i]):  # no exact object starts here (gate.may_start_object)
                cat = P.fuzzy_category(keys[i])
                if cat:
                    self._add_obj(Obj(cat, i, i))
                i += 1
                continue
            found = None
            for size in (4, 3, 2):
                if i + size > run_end[i]:
                    continue
                cat = multi_category(tuple(keys[i:i + size]))
                if cat:
                    found = Obj(cat, i, i + size - 1)
                    break
            if not found:
                cat = L.noun_category(keys[i]) or P.fuzzy_category(keys[i])
                if cat:
                    found = Obj(cat, i, i)
                elif L.CODE_RX.fullmatch(keys[i]) and self._code_context(i):
                    card = any(keys[k] in L.CARD_CONTEXT for k in range(max(0, i - 4), min(n, i + 6)))
                    found = Obj("card_number" if card and keys[i] in L.DIGIT_WORDS else "one_time_code", i, i)
            if not found and keys[i].endswith(CONTAINERS):
                cat = container_category(keys[i])
                if cat:
                    found = Obj(cat, i, i)
            if found:
                self._add_obj(found)
                i = found.j + 1
            else:
                i += 1
        self._find_described()

    def _add_obj(self, obj: Obj) -> None:
        obj.cat = canonical(obj.cat)
        if obj.i > 0 and ((obj.cat == "account_number" and self.keys[obj.i - 1] in _WITH_US)
                          or (obj.cat == "card_number" and self.keys[obj.i - 1] in _NOT_A_BANK_CARD)):
            return  # "your customer account number", "the gift card number": an account or card of ours
        self.objs.append(obj)
        for k in range(obj.i, obj.j + 1):
            self.objs_at[k] = obj

    def _find_described(self) -> None:
        """Confidential data described, not named ("the long number on the front of your
        card"): the description replaces any object found inside it."""
        spans = P.described(self.text)
        if not spans:
            return
        for cat, s, e in spans:
            inside = [k for k, t in enumerate(self.toks) if t.kind == WORD and t.start >= s and t.end <= e]
            if not inside:
                continue
            i, j = inside[0], inside[-1]
            if cat in ("one_time_code", "pin") and self._harmless_code(i, j):
                continue  # "the pick-up code in the text from Posten", "talet på displayet" of the meter
            old = {id(o) for o in self.objs_at[i:j + 1] if o is not None}
            if any(o.i < i or o.j > j for o in self.objs if id(o) in old):
                continue  # overlaps an object that reaches outside: keep that one
            self.objs = [o for o in self.objs if id(o) not in old]
            for k in range(i, j + 1):
                self.objs_at[k] = None
            self._add_obj(Obj(cat, i, j))
        self.objs.sort(key=lambda o: o.i)

    def _harmless_code(self, i: int, j: int) -> bool:
        lo, hi = max(0, i - 8), min(len(self.toks), j + 9)
        return any(self.toks[k].kind == WORD and P.BENIGN_CODE_CONTEXT.fullmatch(self.keys[k]) for k in range(lo, hi))

    def card_sentences(self) -> set[int]:
        if self._card_sids is None:
            sids = {self.sentence_id[o.i] for o in self.objs if o.cat in _CARD_CONTEXT}
            sids |= {self.sentence_id[k] for k, key in enumerate(self.keys) if key in _CARD_WORDS}
            # a gift card's or voucher's validity is not a bank card's expiry date
            self._card_sids = sids - self.voucher_sentences()
        return self._card_sids

    def voucher_sentences(self) -> set[int]:
        """Sentences naming harmless codes (gift card, voucher, campaign, meter …)."""
        return {self.sentence_id[k] for k, key in enumerate(self.keys)
                if key and self.toks[k].kind == WORD and P.BENIGN_CODE_CONTEXT.fullmatch(key)}

    def _code_context(self, i: int) -> bool:
        if self.word(i - 1) in _NAMED_NUMBER:
            return False  # "phone numbers", "house numbers": the noun before says what they are
        lo, hi = max(0, i - 4), min(len(self.toks), i + 9)
        for k in range(max(0, i - 6), min(len(self.toks), i + 11)):
            if self.toks[k].kind == WORD and P.BENIGN_CODE_CONTEXT.fullmatch(self.keys[k]):
                return False  # the gift-card code we send, the digits on the meter
        for k in range(lo, hi):
            if k != i and self.toks[k].kind == WORD and L.CODE_CONTEXT.fullmatch(self.keys[k]):
                return True
        # "Ring oss og les opp koden", "read out the code": a code read aloud is handed over
        return (self.word(i - 2) in _READ and self.word(i - 1) in ("opp", "out", "up")) or (
            self.word(i - 3) in _READ and self.word(i - 2) in ("opp", "out") and self.word(i - 1) in _DEFINITE)

    def _sentences(self) -> list[int]:
        sid, out = 0, []
        for t in self.toks:
            out.append(sid)
            if t.kind == STRONG:
                sid += 1
        return out

    # -- helpers --------------------------------------------------------------------------
    def word(self, k: int) -> str:
        # keys[k] is the token's key for a word and "" for any other token
        return self.keys[k] if 0 <= k < len(self.keys) else ""

    def next_words(self, i: int, count: int) -> list[str]:
        out: list[str] = []
        k = i + 1
        while k < len(self.toks) and len(out) < count and self.toks[k].kind in (WORD, COLON):
            if self.toks[k].kind == WORD:
                out.append(self.keys[k])
            k += 1
        return out

    def directive_kind(self, i: int) -> str | None:
        """'provide', 'request', 'login' or None for the token at i."""
        if i not in self._kinds:
            self._kinds[i] = self._directive_kind(i)
        return self._kinds[i]

    def _directive_kind(self, i: int) -> str | None:
        key = self.keys[i]
        if not key or self.objs_at[i] is not None or not maybe_directive(key):
            return None
        nxt = self.next_words(i, 2)
        if key in ("have", "ha", "hold", "keep") and self._ready_follows(i):
            return "provide"  # "have your PIN ready when we call" prepares to hand it over
        if key in L.HAVE_VERBS:
            prev = self.word(i - 1)
            if prev in L.HAVE_TRIGGERS or (prev in ("vi", "jeg", "eg", "me", "we", "i")
                                           and self.word(i - 2) in L.DEMAND_MODALS | {"vil", "will", "would"}):
                return "request"
            return None
        if key in L.NEEDS_PARTICLE:
            if not (set(nxt) & L.NEEDS_PARTICLE[key]) and self.word(i - 1) not in L.POLITE \
                    and not (nxt and nxt[0] in L.NEGATIONS) \
                    and not (key in ("del", "dele", "dela") and self._object_within(i, 3)):
                return None
        if key in L.LOGIN_VERBS:
            return "login"
        if key in ("be", "bed") and not (set(nxt[:1]) & {"om", "deg", "dere", "dykk", "kunden", "kundene", "alle", "oss"}):
            return None
        if key == "ask" or key == "asks" or key == "asking":
            return "request"
        if L.is_request(key):
            return "request"
        if L.is_present(key):
            before = {self.word(i - 1), self.word(i - 2) if self.word(i - 1) in L.NEGATIONS | L.AUX else ""}
            if before & L.SECOND_SUBJECT or (nxt and nxt[0] in L.SECOND_SUBJECT):
                return "provide"
            return None
        if L.is_provide(key):
            return "provide"
        return None

    _READY = {"ready", "handy", "klar", "klart", "klare", "tilgjengelig", "tilgjengeleg",
              "available", "hånden", "handa", "hand", "nearby", "framme", "fremme"}

    def _ready_follows(self, i: int) -> bool:
        prev = self.word(i - 1)
        if prev and prev not in L.POLITE and prev not in L.CLAUSE_JOIN and self.toks[i - 1].kind == WORD:
            return False  # only the imperative: "ha kontonummeret klart", not "du trenger ikke ha"
        return bool(set(self.next_words(i, 6)) & self._READY) and self._object_within(i, 5)

    def _object_within(self, i: int, n: int) -> bool:
        return any(self.objs_at[k] is not None for k in range(i + 1, min(len(self.toks), i + 1 + n)))

    def is_clause_start(self, k: int) -> bool:
        """Does a new clause begin at token k (after a weak boundary or a conjunction)? Memoised:
        the scope checks ask it about the same commas for every object of a list."""
        got = self._is_start.get(k)
        if got is None:
            got = self._is_start[k] = self._is_clause_start(k)
        return got

    def _is_clause_start(self, k: int) -> bool:
        while k < len(self.toks) and self.toks[k].kind == WORD and self.keys[k] in L.CLAUSE_JOIN:
            k += 1
        if k >= len(self.toks) or self.toks[k].kind != WORD:
            return False
        key = self.keys[k]
        if key in L.CONDITIONAL or key in L.SECOND_SUBJECT or key in ("we", "vi", "jeg", "eg", "well", "weve"):
            return True
        if key in L.DEMAND_MODALS:
            return True
        if key == "me" and self.word(k + 1) in L.DEMAND_MODALS | {"treng", "ber", "vil", "kan", "skal"}:
            return True  # "Det er ikkje nok med kundenummeret, me må òg ha personnummeret ditt"
        if key in ("prøv", "try", "forsøk") and self.word(k + 1) in ("å", "to", "og", "and"):
            return True  # "oi den gjekk ikkje, prøv å sende passordet på nytt"
        if key in ("det", "dette", "that", "it", "this") and self.word(k + 1) in _FINITE_AFTER_IT:
            return True  # "Du trenger ikke ringe oss, det holder at du sender …": a new main clause
        if (key in _POLITE_START and self.word(k + 1) in ("snill", "snil", "venleg", "vennlig", "kind", "so")) \
                or key in ("please", "vennligst", "venligst", "vennlegst", "pls", "kindly"):
            return True  # "..., ver snill og send oss ...", "..., please send ..."
        if key in _CONNECTIVE and self.word(k + 2) in L.SECOND_SUBJECT | {"vi", "me", "we", "eg", "jeg"}:
            return True
        if key in _INVERTED_MODALS and self.word(k + 1) in L.SECOND_SUBJECT | {"vi", "me", "we"}:
            return True  # "Har du ikke betalt, kan du sende ...": a new main clause
        kind = self.directive_kind(k)
        return kind is not None and (key not in _INFINITIVES or key in _NN_IMPERATIVES)

    def clause_start(self, i: int) -> int:
        got = self._starts.get(i)
        if got is None:
            got = self._starts[i] = self._clause_start(i)
        return got

    def clause_break_between(self, k: int, i: int) -> bool:
        """clause_start(i) > k, looking back only as far as k (cheaper than clause_start)."""
        if i - k > MAX_CLAUSE:
            return self.clause_start(i) > k
        for j in range(i - 1, k, -1):
            t = self.toks[j]
            if t.kind == STRONG or (t.kind == WORD and t.key in L.CONTRAST):
                return True
            if t.kind in (WEAK, COLON) and (self.is_clause_start(j + 1) or self._dash_break(j)) \
                    and not self._list_continues(j + 1):
                return True
        return False

    def _clause_start(self, i: int) -> int:
        k = i - 1
        floor = max(0, i - MAX_CLAUSE)  # long unpunctuated text must not make this quadratic
        while k >= floor:
            t = self.toks[k]
            if t.kind == STRONG:
                return k + 1
            if t.kind == WORD and t.key in L.CONTRAST:
                return k + 1
            if t.kind in (WEAK, COLON) and (self.is_clause_start(k + 1) or self._dash_break(k)) \
                    and not self._list_continues(k + 1):
                return k + 1  # "Det tar ikke mer enn et minutt: skriv …" starts a new clause
            k -= 1
        return floor

    def _list_continues(self, k: int) -> bool:
        """English verb lists: "never call you, send links, or ask for your PIN"."""
        j = k
        while j < min(len(self.toks), k + MAX_CLAUSE) and self.toks[j].kind != STRONG:
            if self.toks[j].kind == WORD and self.keys[j] in ("or", "nor", "eller", "verken", "korkje"):
                return True
            j += 1
        return False

    def clause_end(self, i: int) -> int:
        k = i + 1
        while k < min(len(self.toks), i + MAX_CLAUSE):
            t = self.toks[k]
            if t.kind == STRONG or (t.kind == WORD and t.key in L.CONTRAST):
                return k
            if t.kind in (WEAK, COLON) and (self.is_clause_start(k + 1) or self._dash_break(k)):
                return k
            k += 1
        return k

    def _dash_break(self, k: int) -> bool:
        """A dash before a new statement ends the clause ("du trenger ikke ringe oss – det holder
        at du sender …"); not before a negation or a list that continues the clause."""
        if self.toks[k].key.strip() not in ("–", "—", "-"):
            return False
        nxt = self.word(k + 1)
        return bool(nxt) and nxt not in L.NEGATIONS and nxt not in _DASH_CONTINUES

    def negated(self, lo: int, hi: int) -> bool:
        # A negation in a main clause does not reach into a following "until/unless/before"
        # clause: "we can't refund you until you send your account number" still asks.
        start = lo
        for k in range(hi - 1, lo - 1, -1):
            if self.toks[k].kind == WORD and self.keys[k] in _NEG_SCOPE_END:
                start = k  # the condition word itself still marks a threat ("hvis du ikke ...")
                break
        for k in range(start, hi):
            if self.toks[k].kind != WORD:
                continue
            key = self.keys[k]
            if key not in L.NEGATIONS:
                continue
            if key == "no" and self.word(k + 1) in ("", "matter", "later", "longer"):
                continue
            if set(self.next_words(k, 2)) & L.DOUBLE_NEG or self.word(k - 1) in L.DOUBLE_NEG:
                continue  # "don't forget to send", "glem ikke å sende"
            if key not in L.WITHOUT and any(self.keys[x] in L.WITHOUT for x in range(k + 1, hi)):
                continue  # "kan ikke avsluttes uten at vi får …": not … without is a requirement
            # "om å" is an infinitive marker after "ber deg om", not "if": "Me ber deg om å ikkje skrive …"
            cond = any(self.keys[c] in L.CONDITIONAL and not (self.keys[c] == "om" and self.word(c + 1) == "å")
                       for c in range(max(lo, k - 4), k))
            if cond and key not in ("never", "aldri", "nobody", "noone", "ingen", "none"):
                continue  # "hvis du ikke bekrefter ..." is a threat, not a reassurance
            return True
        return False

    def conditional(self, lo: int) -> bool:
        k = lo
        while k < len(self.toks) and self.toks[k].kind == WORD and self.keys[k] in L.CLAUSE_JOIN:
            k += 1
        return self.word(k) in L.CONDITIONAL

    def subject(self, lo: int, i: int) -> str:
        """'second', 'first', 'warn', 'statement' or 'none' (imperative) for the verb at i."""
        for k in range(lo, i):
            if self.toks[k].kind == WORD and self.objs_at[k] is None and (
                    self.keys[k] in L.THIRD_WARN or L.THIRD_WARN_RX.search(self.keys[k])) and not (
                    self.keys[k] in ("de", "dei", "they") and k > lo):
                return "warn"
        if any(self.toks[k].kind == WORD and self.keys[k] in L.REPORTED for k in range(lo, i)):
            if any(self.toks[k].kind == WORD and self.keys[k] in L.REPORT_CONTEXT
                   and (self.keys[k] != "om" or k == lo) for k in range(lo, i)):
                return "warn"
        for k in range(lo, i):
            if self.keys[k] in L.MEDIA and self.word(k + 1) in L.MEDIA_VERBS:
                return "warn"
        after = self.word(i + 1)
        if after in ("du", "dere", "dykk"):
            return "second"
        if after in ("vi", "jeg", "eg", "we"):
            return "first"
        saw_aux = False
        unknown = 0
        k = i - 1
        while k >= lo:
            if self.toks[k].kind != WORD:
                k -= 1
                continue
            key = self.keys[k]
            if key in L.SECOND_PERSON:
                return "second"
            if key in ("we", "vi", "jeg", "eg", "ill", "ive", "weve", "well") or (
                    key == "were" and self.text[self.toks[k].start:self.toks[k].end].lower().startswith("we'")) or (key == "me" and self.word(k + 1) in L.AUX | L.MODALS | {"sender", "treng", "ber", "spør", "aldri", "ikkje"}) \
                    or (key == "i" and self.word(k + 1) in {"will", "would", "shall", "can", "could", "have", "am", "need", "want", "must", "ll", "just", "also"}):
                return "first"
            if key in _STATEMENT_AUX:
                saw_aux = True
            elif key not in _SKIP_BACK and self.objs_at[k] is None:
                if self.directive_kind(k) is not None:
                    return "none"  # "click here and confirm ..." - chained imperatives
                unknown += 1
                if unknown > 2:
                    return "statement" if saw_aux else "none"
            k -= 1
        return "statement" if saw_aux and unknown else "none"


# An "account number" named by the noun before it as the customer's account with the company
# (the number on our invoice), not a bank account: "customer account number", "utility account no."
_WITH_US = frozenset({"customer", "client", "utility", "electricity", "energy", "power", "subscriber", "member",
                      "membership", "billing"})
# A "card number" named by the noun before it as a card that is not a payment card
_NOT_A_BANK_CARD = frozenset({"gift", "voucher", "loyalty", "bonus", "membership", "member", "charging", "charge",
                              "library", "discount", "rfid", "access"})
_NAMED_NUMBER = frozenset({"phone", "telephone", "mobile", "house", "street", "order", "customer", "invoice",
                           "meter", "serial", "model", "flat", "apartment", "room", "tenant", "tenants"})


@lru_cache(maxsize=65536)
def maybe_directive(key: str) -> bool:
    return (key in L.HAVE_VERBS or key in L.NEEDS_PARTICLE or key in L.LOGIN_VERBS
            or key in ("be", "bed", "ask", "asks", "asking") or L.is_request(key)
            or L.is_present(key) or L.is_provide(key))


_FINITE_AFTER_IT = {"holder", "held", "er", "is", "går", "gjeng", "tar", "hjelper", "hjelp", "blir", "vert",
                    "funker", "fungerer", "works", "holds", "does", "will", "would", "må", "skal",
                    "kan", "s", "ll", "rekk", "rekker", "suffices"}
_DASH_CONTINUES = {"heller", "verken", "hverken", "korkje", "not", "nor", "or", "eller", "and", "og",
                   "only", "bare", "berre", "kun", "even", "engang", "ikkje", "ikke", "aldri", "never"}
