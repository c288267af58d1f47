"""Request rules: does a text ask the reader for confidential data?

A small clause grammar over normalised tokens, in three steps:

1. find confidential objects (clauses.py) (single tokens, compounds split by spaces, and phrases);
2. find directives: imperatives and infinitives of "provide" verbs (oppgi, send, bekreft, enter,
   confirm, reply with ...), request verbs that stay requests with "we" as subject (we need,
   vi ber om, spør etter), passive demands (må oppgis, is required), questions (hva er PIN-koden
   din?) and form fields ("Passord: ____");
3. link each directive to an object in its clause and decide whether it is a request:
   who is the subject (the reader, us, or a fraudster being warned about), and whether a
   negation scopes over it ("we never ask for passwords, but confirm your PIN" is refused
   because "but" closes the scope of "never").
"""

from __future__ import annotations

import re
from functools import lru_cache

from . import gate
from . import lexicon as L
from . import phrasing as P
from .clauses import COLON, MAX_CLAUSE, STRONG, WEAK, WORD, Analysis, Obj, maybe_directive
from .findings import Hit
from .normalize import normalize

_FORM_BLANK = re.compile(r"[ \t]*(?:[_.…]{3,}|\[[ \t]*\]|\([ \t]*\)|<[ \t]*>|\{\{[ \t]*\}\})")

_WINDOW = 12
_BANKID_VERBS = re.compile(
    r"confirm|verify|validate|update|renew|reactivate|activate|unlock|send|give|provide|share|"
    r"enter|submit|oppgi|oppgje|bekreft|bekrefte|stadfest|stadfeste|verifiser|verifisere|"
    r"oppdater|oppdatere|oppdatera|forny|fornye|fornya|reaktiver|reaktivere|aktiver|aktivere|"
    r"valider|validere|send|sende|senda|gi|gje|del|dele|dela|tast|taste|registrer|registrere|"
    r"need|needs|require|want|trenger|treng|krever|ber|be|spør|ønsker|mangler|manglar|"
    r"tell|fortell|oppgir|sender|bekrefter")
_BANKID_RENEW = {"renew", "reactivate", "update", "verify", "confirm", "unlock", "validate",
                 "forny", "fornye", "fornya", "oppdater", "oppdatere", "reaktiver", "verifiser",
                 "bekreft", "bekrefte", "stadfest", "aktiver", "activate"}


def _rule(cat: str) -> str:
    return f"request.{cat}"


def might_ask(text: str) -> bool:
    """False only when find_requests(text) is certainly empty: the normalised text names no
    confidential object (gate.py). The fast path for ordinary text."""
    return prepared(text) is not None


def prepared(text: str) -> str | None:
    """normalize(text)[0], or None when it names no confidential object (see might_ask)."""
    norm = normalize(text)[0]
    return norm if gate.may_name_object(norm) else None


def find_requests(text: str, *, normalized: bool = False) -> list[Hit]:
    """Request hits in ``text`` (offsets refer to the normalised text when normalized=False)."""
    if not normalized:
        text = normalize(text)[0]
    # Most ordinary text (invoices, reminders) names no confidential object: then nothing to do.
    if not gate.may_name_object(text):
        return []
    return analyse(text)


def analyse(text: str) -> list[Hit]:
    """find_requests on a normalised text, without the gate: the whole text is analysed. (An older
    stem prefilter in front of it missed a stem split inside a word, "p-assordet"; the gate in
    find_requests, built from the lexicon's own patterns, keeps ordinary text fast instead.)"""
    return _find_requests(text)[0]


def analyse_with_objects(text: str) -> tuple[list[Hit], bool]:
    """analyse(text), and (when it finds nothing) whether the text both names or describes a
    confidential object and has the form of an ask somewhere: the only texts the second opinion
    looks at."""
    return _find_requests(text, want_cue=True)


def _find_requests(text: str, want_cue: bool = False) -> tuple[list[Hit], bool]:
    a = Analysis(text)
    if not a.objs:
        return [], False
    hits: list[Hit] = []
    seen: set[tuple[str, int]] = set()

    def add(obj: Obj, lo_tok: int, hi_tok: int) -> None:
        if (obj.cat, obj.i) in seen:
            return
        seen.add((obj.cat, obj.i))
        s = a.toks[min(lo_tok, obj.i)].start
        e = a.toks[max(hi_tok, obj.j)].end
        hits.append(Hit(_rule(obj.cat), s, e, key=f"{obj.cat}:{text[a.toks[obj.i].start:a.toks[obj.j].end]}"))

    pending: list[int] = []  # directives that found no object in their clause
    for i, tok in enumerate(a.toks):
        if tok.kind != WORD:
            continue
        kind = a.directive_kind(i) if maybe_directive(tok.key) else None
        if kind:
            before = len(hits)
            if _check_directive(a, i, kind, add) and len(hits) == before:
                pending.append(i)
        elif _passive(tok.key) or (L.is_participle(tok.key) and a.word(i - 1) in L.BE_FORMS):
            _check_passive(a, i, add)
        elif tok.key in L.QUESTION_WORDS:
            _check_question(a, i, add)
    _check_form_fields(a, add)
    _check_suffices(a, add)
    _check_object_first(a, add)
    _check_have_condition(a, add)
    _check_across_sentences(a, pending, add)
    hits = _drop_quoted_warnings(a, hits)
    return hits, want_cue and not hits and _has_ask_cue(a)


def _has_ask_cue(a: Analysis) -> bool:
    """Something in the text has the form of an ask (a directive or request verb, a demanding
    passive, a question): the second opinion looks only at such texts, never at statements
    ("Vi bruker fødselsnummeret ditt bare til å identifisere deg")."""
    if "?" in a.text:
        return True
    for i, t in enumerate(a.toks):
        if t.kind == WORD and maybe_directive(t.key) and a.directive_kind(i) is not None:
            return True
        if t.kind == WORD and (_passive(t.key) or t.key in _NEEDED):
            return True
    return False


@lru_cache(maxsize=65536)
def _passive(key: str) -> bool:
    """Listed passives, and the s-passive of any provide verb ("leses", "fyllast", "oppgis")."""
    if L.is_passive(key):
        return True
    if len(key) < 5:
        return False
    if key.endswith("ast") and (L.is_provide(key[:-3] + "a") or L.is_provide(key[:-3] + "e")):
        return True
    return key.endswith("s") and L.is_provide(key[:-1]) and not key.endswith("ss")


def _valid_object(a: Analysis, obj: Obj, verb: str, between: list[str]) -> bool:
    if _bare_bankid(a, obj):
        if set(between) & L.INSTRUMENT or not _BANKID_VERBS.fullmatch(verb):
            return False
    if obj.cat == "card_expiry":
        return a.sentence_id[obj.i] in a.card_sentences()
    return True


_ASK_VERBS = {"ask", "be", "bed", "spør", "spørre", "spørja", "request", "contact", "kontakt",
              "kontakte", "ring", "call", "check", "sjekk", "hør", "høyr", "get", "få", "hent", "hente"}
_WISH = {"vil", "want", "wants", "ønsker", "ønskjer", "like", "prefer", "foretrekker", "gjerne",
         "need", "trenger", "treng", "planning", "planlegger", "wish"}
_OTHERS = {"andre", "others", "anyone", "anybody", "noen", "nokon", "someone", "somebody",
           "strangers", "fremmede", "framande", "ukjente", "third", "tredjepart", "them", "dei", "de"}
_SELF_SERVICE = re.compile(r"\b(?:(?:på|i|on|in|via|at) (?:min side|mi side|minside|the portal|portalen|"
                           r"appen vår|our app)|"
                           r"self[- ]?service|selvbetjening|sjølvbetening|yourself|selv|sjølv|"
                           r"on (?:the|our) (?:website|site)|på (?:nettsida|nettsiden|nettstaden) vår)\b")
# The reader changing their own data where they manage it ("Du kan selv oppdatere kontonummeret
# på Min side") is what we want them to do instead of sending it.
_SELF_VERBS = {"oppdater", "oppdatere", "oppdatera", "update", "updating", "endre", "endra", "change",
               "registrer", "registrere", "registrera", "register", "legg", "legge", "leggje", "add",
               "fyll", "fylle", "fylla", "enter"}


def _third_party_asked(a: Analysis, i: int) -> bool:
    """'Be elektrikeren om ...', 'Ask your bank for the IBAN': the reader asks someone else."""
    if a.keys[i] not in _ASK_VERBS:
        return False
    for k in range(i + 1, min(len(a.toks), i + 4)):
        w = a.word(k)
        if w in ("us", "oss", "me", "meg", "we", "vi"):
            return False
        if w and P.THIRD_PARTY.fullmatch(w):
            return True
    return False


def _reader_gives(a: Analysis, lo: int, i: int) -> bool:
    """A condition in which the reader hands the data over to us ('if you attach your card
    number, ...'), not a wish of the reader's own ('if you want to update ...') nor a warning
    about giving it to others ('if you give your password to others, ...')."""
    hi = a.clause_end(i)
    words = {a.keys[k] for k in range(lo, hi) if a.toks[k].kind == WORD}
    if words & _WISH or words & _OTHERS:
        return False
    return not _SELF_SERVICE.search(_clause_text(a, lo, hi))


def _check_directive(a: Analysis, i: int, kind: str, add) -> bool:
    verb = a.keys[i]
    lo = a.clause_start(i)
    subj = a.subject(lo, i)
    if subj == "warn" or _third_party_asked(a, i):
        return False
    if kind == "request":
        if subj == "second":
            # "you need BankID" is the reader's own need; "ask you for" is still a request.
            if verb not in ("ask", "asks", "asking", "ber", "be", "bed", "spør", "request", "requests"):
                return False
        if _law_subject(a, lo, i):
            return False  # "som forskriften krever", "as the law requires": a statement
    elif subj in ("first", "statement"):
        return False
    if a.conditional(lo) and not a.negated(lo, i):
        if not _threat_condition(a, lo, i) and not _polite_condition(a, lo, i) and not (
                kind == "provide" and _reader_gives(a, lo, i)):
            return False
    if a.negated(lo, i) and not _except_us(a, lo, _sentence_end_tok(a, i)):
        _check_only_instead(a, i, add)
        return False
    if a.keys[i] in _SELF_VERBS and _SELF_SERVICE.search(_clause_text(a, lo, a.clause_end(i))):
        return False
    if _negated_after(a, i) and not _except_us(a, i, _sentence_end_tok(a, i)):
        _check_only_instead(a, i, add)
        return False  # "del det ikke med noen", "share it with no one"
    found = _objects_after(a, i, kind)
    for obj, between in found:
        if not _valid_object(a, obj, verb, between):
            continue
        add(obj, i, obj.j)
    if not found and kind in ("provide", "request"):
        _check_anaphora(a, i, lo, add)
    if not found and a.negated(i + 1, a.clause_end(i)):
        _check_only_instead(a, i, add)
    return kind in ("provide", "request") and not found


def _clause_text(a: Analysis, lo: int, hi: int) -> str:
    if hi <= lo or lo >= len(a.toks):
        return ""
    return a.text[a.toks[lo].start:a.toks[min(hi, len(a.toks)) - 1].end]


def _law_subject(a: Analysis, lo: int, i: int) -> bool:
    return any(a.toks[k].kind == WORD and P.LAW_SUBJECT.fullmatch(a.keys[k]) for k in range(lo, i))


_POST_NEG = {"ikke", "ikkje", "aldri", "never", "not", "nobody", "ingen", "noone"}


def _negated_after(a: Analysis, i: int) -> bool:
    """Norwegian puts the negation after the verb ("del det ikke", "gi den aldri til noen")."""
    for k in range(i + 1, min(len(a.toks), i + 4)):
        t = a.toks[k]
        if t.kind != WORD:
            return False
        if a.objs_at[k] is not None:
            return False
        if a.keys[k] in _POST_NEG and not (set(a.next_words(k, 2)) & L.DOUBLE_NEG):
            return True
    return False


_ONLY_INSTEAD = {"only", "just", "bare", "berre", "kun", "but", "men", "instead", "heller",
                 "isteden", "istedenfor", "istaden", "rather", "except", "unntatt"}


def _check_only_instead(a: Analysis, i: int, add) -> None:
    """'We never ask for your password, only your PIN' still asks for the PIN."""
    end = _sentence_end_tok(a, i)
    for k in range(i + 1, end):
        if a.toks[k].kind == WORD and a.keys[k] in _ONLY_INSTEAD:
            for j in range(k + 1, min(end, k + 5)):
                obj = a.objs_at[j]
                if obj is not None and not _bare_bankid(a, obj):
                    if not a.negated(k + 1, j) and not any(
                            a.directive_kind(x) for x in range(k + 1, j)):
                        add(obj, k, obj.j)
                    return


def _sentence_end_tok(a: Analysis, i: int) -> int:
    k = i
    while k < min(len(a.toks), i + MAX_CLAUSE) and a.toks[k].kind != STRONG:
        k += 1
    return k


def _polite_condition(a: Analysis, lo: int, i: int) -> bool:
    """'We would appreciate it if you could share ...' is a request dressed as a condition."""
    words = {a.keys[k] for k in range(lo, i) if a.toks[k].kind == WORD}
    return bool(words & {"could", "would", "kunne", "kan", "can", "vil", "ville", "might"}) and bool(
        words & {"you", "du", "dere", "dykk"})


def _threat_condition(a: Analysis, lo: int, i: int) -> bool:
    """'If you do not ...' and 'unless you ...' are conditions that still demand."""
    return any(a.keys[k] in L.NEGATIONS or a.keys[k] in ("unless", "mindre")
               for k in range(lo, i) if a.toks[k].kind == WORD)


_EXCEPT = {"but", "except", "unntatt", "bortsett", "enn", "than", "untatt", "utanom", "utenom"}
_US = {"us", "oss", "me", "meg", "kundeservice", "kundesenteret", "company", "selskapet"}


def _except_us(a: Analysis, lo: int, hi: int) -> bool:
    """'Never share your code with anyone but us' still asks for the code."""
    for k in range(lo, hi):
        if a.toks[k].kind == WORD and a.keys[k] in _EXCEPT:
            if {a.word(k + 1), a.word(k + 2), a.word(k + 3)} & _US:
                return True
    return False


def _objects_after(a: Analysis, i: int, kind: str) -> list[tuple[Obj, list[str]]]:
    out: list[tuple[Obj, list[str]]] = []
    between: list[str] = []
    verb = a.keys[i]
    reply = L.is_reply(verb)
    k = i + 1
    steps = 0
    while k < len(a.toks) and steps < _WINDOW:
        t = a.toks[k]
        if t.kind == STRONG:
            break
        if t.kind == WEAK:
            if a.is_clause_start(k + 1):
                break
            k += 1
            continue
        if t.kind == COLON:
            k += 1
            continue
        steps += 1
        obj = a.objs_at[k]
        if obj is not None:
            if a.negated(i + 1, k) and not _except_us(a, i, _sentence_end_tok(a, i)):
                break
            if kind == "login" and not (set(between) & {"with", "med", "using", "via", "by"}):
                k = obj.j + 1
                continue
            out.append((obj, list(between)))
            k = obj.j + 1
            continue
        key = t.key
        if key in L.CONTRAST_CONJ:
            break
        if key in L.OBJECT_STOP:
            early = k == i + 1 or all(w in L.SECOND_PERSON | L.FIRST_PERSON | {"me", "meg", "til", "to"} for w in between)
            particle = key in ("for", "om", "etter", "about", "after", "til", "to")
            if not ((reply and key in ("to", "til")) or (early and particle)):
                break
        if steps > 1 and a.directive_kind(k) is not None and key not in ("in", "inn", "opp", "ut"):
            break
        between.append(key)
        k += 1
    return out


def _check_anaphora(a: Analysis, i: int, lo: int, add) -> None:
    nxt = a.next_words(i, 3)
    if not nxt or not (set(nxt[:3]) & L.ANAPHORA):
        return
    if set(a.next_words(i, 4)) & _POST_NEG or _third_party_asked(a, i):
        return
    hi = a.clause_end(i)
    words = {a.keys[k] for k in range(lo, hi) if a.toks[k].kind == WORD}
    if words & L.ONLY and not words & {"us", "oss", "me", "meg", "we", "vi"}:
        return
    sid = a.sentence_id[i]
    for k in range(i - 1, max(-1, i - 3 * MAX_CLAUSE), -1):
        obj = a.objs_at[k]
        if obj is None:
            continue
        if sid - a.sentence_id[obj.i] > 2:
            return
        if not _bare_bankid(a, obj) or a.keys[i] in _BANKID_RENEW:
            add(obj, i, i)
            return


def _objects_between(a: Analysis, lo: int, hi: int) -> list[Obj]:
    out: list[Obj] = []
    for k in range(max(0, lo), min(hi, len(a.toks))):
        obj = a.objs_at[k]
        if obj is not None and obj.i == k:
            out.append(obj)
    return out


def _bare_bankid(a: Analysis, obj: Obj) -> bool:
    return obj.cat == "bankid" and "".join(a.keys[obj.i:obj.j + 1]) in _BARE_BANKID


_BARE_BANKID = {"bankid", "bankiden", "bankids", "mobilbankid", "bankidappen", "bankidapp",
                "bankidpåmobil", "bankidpamobil", "bankidappa"}


def _check_passive(a: Analysis, i: int, add) -> None:
    key = a.keys[i]
    lo, hi = a.clause_start(i), a.clause_end(i)
    if key in L.PASSIVE_NEEDS_MODAL or L.is_participle(key) or not L.is_passive(key):
        prev = {a.word(i - 1), a.word(i - 2), a.word(i - 3)}
        if not (prev & L.DEMAND_MODALS):
            return
    if a.negated(lo, hi) or a.subject(lo, i) == "warn":
        return
    for obj in _objects_between(a, max(lo, i - 12), min(hi, i + 9)):
        if _bare_bankid(a, obj):
            continue
        if _valid_object(a, obj, key, []):
            add(obj, i, i)


# "is" and "was called": "Hva er PIN-koden din?", "Kva heitte det fyrste kjæledyret ditt?"
_COPULA = {"is", "are", "er", "was", "var", "s", "het", "heter", "heitte", "heiter", "hette", "called",
           "named", "were"}
_INDEFINITE = {"a", "an", "en", "et", "ei", "ein", "eit", "any", "noen", "nokon", "slik", "such"}


def _check_question(a: Analysis, i: int, add) -> None:
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
    for obj in _objects_between(a, i + 1, min(hi, i + 8)):
        if _bare_bankid(a, obj):
            continue
        before = a.word(obj.i - 1)
        if key in ("which", "hvilket", "hvilken", "hvilke", "kva", "kvart", "kven") and obj.i <= i + 2 \
                and (question or second) and not (nxt and nxt[0] in ("er", "is", "are")):
            add(obj, i, obj.j)
        elif (nxt and (nxt[0] in _COPULA or key == "whats")):
            if before in _INDEFINITE:
                continue
            between = {a.keys[k] for k in range(i + 1, obj.i) if a.toks[k].kind == WORD}
            if second or (question and not between & _INDEFINITE):
                add(obj, i, obj.j)


def _check_form_fields(a: Analysis, add) -> None:
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


def _check_suffices(a: Analysis, add) -> None:
    """'Your national ID number will do' / 'fødselsnummeret ditt holder' offers the value as
    what we want."""
    for obj in a.objs:
        after = [a.word(obj.j + k) for k in (1, 2, 3)]
        if after[0] in L.POSSESSIVE:
            after = after[1:]
        if (after[0],) in _SUFFICES or tuple(after[:2]) in _SUFFICES:
            lo, hi = a.clause_start(obj.i), a.clause_end(obj.i)
            if not a.negated(lo, hi) and not _bare_bankid(a, obj):
                add(obj, obj.i, obj.j + 2)


_FIRST = {"vi", "me", "we", "jeg", "eg", "i"}
_OBJ_FIRST_MODALS = L.DEMAND_MODALS | {"vil", "will", "would", "kan", "can", "skal", "må"}
_NEEDED = {"needed", "required", "requested", "necessary", "mandatory", "essential", "compulsory"}
_INF_PROVIDE = {"oppgi", "oppgje", "sende", "senda", "gi", "gje", "lese", "lesa", "legge", "leggje",
                "skrive", "skriva", "taste", "fylle", "fylla", "bekrefte", "stadfeste", "dele", "dela"}
_HAVE_AFTER_MODAL = {"ha", "få", "have", "get", "receive", "motta", "see", "se", "sjå"}


def _check_object_first(a: Analysis, add) -> None:
    """The object before the verb: "Kortnummeret trenger vi før fredag", "Passordet ditt må vi
    ha", "Your PIN we need today"."""
    for obj in a.objs:
        keys = []
        for k in range(obj.j + 1, min(len(a.toks), obj.j + 11)):
            if a.toks[k].kind == STRONG:
                break
            if a.toks[k].kind == WORD:
                keys.append(a.keys[k])
        hit = False
        for n, w in enumerate(keys[:8]):
            nxt = keys[n + 1] if n + 1 < len(keys) else ""
            nxt2 = keys[n + 2] if n + 2 < len(keys) else ""
            if L.is_request(w) and (nxt in _FIRST or (n and keys[n - 1] in _FIRST)):
                hit = True  # "Kortnummeret trenger vi", "Your PIN we need"
            elif w in _OBJ_FIRST_MODALS and nxt in _FIRST and nxt2 in _HAVE_AFTER_MODAL:
                hit = True  # "Passordet ditt må vi ha"
            elif w in _OBJ_FIRST_MODALS and nxt in L.SECOND_SUBJECT and (L.is_provide(nxt2) or nxt2 in _INF_PROVIDE):
                hit = True  # "Kontonummeret skal du oppgi i skjemaet"
            elif w in ("is", "are") and nxt in _NEEDED:
                hit = True  # "Your password is needed to restore access"
            elif w in ("needs", "need", "has", "have", "must", "should") and nxt in ("to", "be") and (
                    nxt2 == "be" or L.is_participle(nxt2) or nxt2 in _NEEDED):
                hit = True  # "Your PIN needs to be read out"
            if hit:
                break
        if not hit:
            continue
        lo, hi = a.clause_start(obj.i), a.clause_end(obj.j)
        if a.negated(lo, hi) or a.subject(lo, obj.i) == "warn" or _bare_bankid(a, obj):
            continue
        if _valid_object(a, obj, "", []):
            add(obj, obj.i, obj.j)


_SOON = {"once", "when", "as", "after", "straks", "når", "etter", "så", "snart", "idet", "immediately", "moment",
         "gang", "soon",
         "whenever", "before", "før", "until", "inntil", "til", "if", "hvis", "dersom", "viss", "om"}
_RECEIVE = {"have", "has", "got", "get", "receive", "received", "har", "får", "fått", "mottar",
            "mottek", "mottatt", "motteke", "fatt", "hear", "hører", "høyrer"}


def _check_have_condition(a: Analysis, add) -> None:
    """Conditions that wait for the data: "Once we have your card number", "så snart vi har
    personnummeret ditt", "Straks vi får kontonummeret ditt"."""
    for k, t in enumerate(a.toks):
        if t.kind != WORD:
            continue
        if L.is_participle(a.keys[k]) and a.keys[k] not in ("fått", "got", "received") and (
                (a.word(k - 1) in ("har", "have", "has", "hev") and a.word(k - 2) in ("du", "you", "dere", "dykk"))
                or a.word(k - 1) in ("youve", "uve")):
            _have_condition_objects(a, k, add)  # "så snart du har sendt oss D-nummeret"
            continue
        if a.keys[k] not in _RECEIVE or a.word(k - 1) not in _FIRST | {"you", "du"}:
            continue
        if a.word(k - 1) in ("you", "du"):
            continue  # "when you have your card ready" is the reader's own
        _have_condition_objects(a, k, add)


def _have_condition_objects(a: Analysis, k: int, add) -> None:
    lo, hi = a.clause_start(k), a.clause_end(k)
    if not any(a.keys[x] in _SOON for x in range(lo, k) if a.toks[x].kind == WORD):
        return
    if a.negated(lo, hi) or a.subject(lo, k) == "warn" or not _reader_gives(a, lo, k):
        return
    for obj in _objects_between(a, k + 1, min(hi, k + 10)):
        if not _bare_bankid(a, obj) and _valid_object(a, obj, a.keys[k], []):
            add(obj, k, obj.j)


def _sentences(a: Analysis) -> list[tuple[int, int]]:
    out, start = [], 0
    for k, t in enumerate(a.toks):
        if t.kind == STRONG:
            out.append((start, k))
            start = k + 1
    out.append((start, len(a.toks)))
    return out


def _check_across_sentences(a: Analysis, pending: list[int], add) -> None:
    """A need in one sentence, its object in the next: "En ting til før vi kan fullføre. Det er
    koden du fikk på SMS." The message is judged as a whole."""
    sents = _sentences(a)
    needs: dict[int, int] = {a.sentence_id[i]: i + 1 for i in pending}
    if not needs and not any(o for o in a.objs):
        return
    for m in P.need_markers(a.text):
        k = next((x for x, t in enumerate(a.toks) if t.start >= m.end()), len(a.toks))
        if k == 0:
            continue
        if not a.negated(a.clause_start(k - 1), a.clause_end(k - 1)):
            needs.setdefault(a.sentence_id[k - 1], k)
    for sid, after in sorted(needs.items()):
        for nxt in (sid, sid + 1, sid + 2):
            if nxt >= len(sents):
                break
            lo, hi = sents[nxt]
            if nxt == sid:
                # The rest of the need's own sentence, after a colon ("Before we can finish: ...").
                colon = next((x for x in range(after, hi) if a.toks[x].kind == COLON), None)
                if colon is None and not (after > lo and a.toks[after - 1].kind == COLON):
                    continue
                lo = colon + 1 if colon is not None else after
            objs = _objects_between(a, lo, hi)
            if not objs:
                continue
            if a.negated(lo, hi) or a.subject(lo, objs[0].i) == "warn":
                break
            words = [a.keys[x] for x in range(lo, hi) if a.toks[x].kind == WORD]
            lead = a.text[a.toks[lo].start:a.toks[hi - 1].end] if hi > lo else ""
            if len(words) <= 12 or P.FOLLOW_UP.match(lead) or set(words) & L.POSSESSIVE:
                for obj in objs:
                    if not _bare_bankid(a, obj):
                        add(obj, obj.i, obj.j)
            break


def _drop_quoted_warnings(a: Analysis, hits: list[Hit]) -> list[Hit]:
    """A scam phrase quoted inside a warning ('Får du en SMS der det står «Bekreft BankID-koden
    din her», er det svindel.') reports the scam; it does not ask."""
    if not hits or not any(q in a.text for q in P.QUOTE_OPEN):
        return hits
    spans = P.quoted_spans(a.text)
    if not spans:
        return hits
    out = []
    for h in hits:
        inside = next(((s, e) for s, e in spans if s <= h.start and h.end <= e + 1), None)
        if inside is not None:
            around = a.text[max(0, inside[0] - 200):inside[0]] + " " + a.text[inside[1]:inside[1] + 200]
            if P.WARNING_WORDS.search(around):
                continue
        out.append(h)
    return out
