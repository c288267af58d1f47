"""The second-round request forms (issue 11): the object before its verb, conditions that wait
for the data, a need in one sentence and its object in the next, quoted scams inside warnings,
and the form of an ask that lets the statistical second opinion look at a text."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from . import lexicon as L
from . import phrasing as P
from .benign_frames import benign
from .clauses import COLON, STRONG, WORD, Analysis, Obj, maybe_directive
from .findings import Hit
from .objects import NEEDED, bare_bankid, objects_between, passive, reader_gives, valid_object
from .reported import compromised

Add = Callable[[Obj, int, int], None]


def has_ask_cue(a: Analysis) -> bool:
    """Something in the text has the form of an ask (a directive or request verb, a demanding
    passive, a question): the second opinion looks only at such texts, never at statements
    ("Vi bruker fødselsnummeret ditt bare til å identifisere deg")."""
    if "?" in a.text:
        return True
    for i, t in enumerate(a.toks):
        if t.kind == WORD and maybe_directive(t.key) and a.directive_kind(i) is not None:
            return True
        if t.kind == WORD and (passive(t.key) or t.key in NEEDED):
            return True
    return False


_FIRST = {"vi", "me", "we", "jeg", "eg", "i"}
_BECAUSE = {"fordi", "because", "since", "ettersom", "sidan", "siden", "sia", "as", "cause"}
_WHAT = {"hva", "kva", "what", "whats", "wat", "wats"}


_OBJ_FIRST_MODALS = L.DEMAND_MODALS | {"vil", "will", "would", "kan", "can", "skal", "må"}


_INF_PROVIDE = {"oppgi", "oppgje", "sende", "senda", "gi", "gje", "lese", "lesa", "legge", "leggje",
                "skrive", "skriva", "taste", "fylle", "fylla", "bekrefte", "stadfeste", "dele", "dela"}


_HAVE_AFTER_MODAL = {"ha", "få", "have", "get", "receive", "motta", "see", "se", "sjå"}


_OBJ_FIRST_OTHER = frozenset({"is", "are", "needs", "need", "has", "have", "must", "should"})


@lru_cache(maxsize=65536)
def _obj_first_word(w: str) -> bool:
    """Can a form of check_object_first begin at w (a request verb, a modal, or one of the
    words its other forms test first)? When not, none of them matches there."""
    return L.is_request(w) or w in _OBJ_FIRST_MODALS or w in _OBJ_FIRST_OTHER


def check_object_first(a: Analysis, add) -> None:
    """The object before the verb: "Kortnummeret trenger vi før fredag", "Passordet ditt må vi
    ha", "Your PIN we need today"."""
    for obj in a.objs:
        keys = []
        comma_at = None  # how many words come before the first clause boundary after the object
        for k in range(obj.j + 1, min(len(a.toks), obj.j + 11)):
            if a.toks[k].kind == STRONG:
                break
            if a.toks[k].kind == WORD:
                keys.append(a.keys[k])
            elif comma_at is None:
                comma_at = len(keys)
        hit = False
        reason = next((n for n, w in enumerate(keys) if w in _BECAUSE), len(keys))
        for n, w in enumerate(keys[:min(8, reason)]):  # a reason clause is its own ("… because it is needed")
            if not _obj_first_word(w):
                continue  # none of the forms below begins with this word
            nxt = keys[n + 1] if n + 1 < len(keys) else ""
            nxt2 = keys[n + 2] if n + 2 < len(keys) else ""
            if L.is_request(w) and (nxt in _FIRST or (n and keys[n - 1] in _FIRST)) and not (
                    n > 1 and keys[n - 1] in _FIRST and keys[n - 2] in _BECAUSE) and not (
                    set(keys[max(0, n - 2):n + 3]) & L.NEGATIONS - {"no"}):  # "men vi ber aldri om det på e-post"
                hit = True  # "Kortnummeret trenger vi", "Your PIN we need"; not "…, fordi vi trenger det"
            elif w in _OBJ_FIRST_MODALS and nxt in _FIRST and nxt2 in _HAVE_AFTER_MODAL:
                hit = True  # "Passordet ditt må vi ha"
            elif w in _OBJ_FIRST_MODALS and nxt in L.SECOND_SUBJECT and (L.is_provide(nxt2) or nxt2 in _INF_PROVIDE):
                # "Kontonummeret skal du oppgi i skjemaet"; not "Har du mista kodebrikka, må du ta
                # kontakt med banken din": the reader is sent to a third party
                hit = not _contacts_third_party(keys[n + 2:n + 7]) and not (
                    nxt2 in _LOG_IN and comma_at is not None and comma_at <= n)
                # nor "Med ein gong koda er send til mobilen din, kan du logge inn": a login in the
                # main clause after the object's own clause
            elif w in ("is", "are") and nxt in NEEDED:
                hit = True  # "Your password is needed to restore access"
            elif w in ("needs", "need", "has", "have", "must", "should") and nxt in ("to", "be") and (
                    nxt2 == "be" or L.is_participle(nxt2) or nxt2 in NEEDED):
                hit = True  # "Your PIN needs to be read out"
            if hit:
                break
        if not hit:
            continue
        if a.word(obj.i - 1) in ("om", "about") and a.word(obj.i - 2) in _QUESTIONS:
            continue  # "Spørsmål om fødselsnummer må du ta med Skatteetaten": the topic of questions
        lo, hi = a.clause_start(obj.i), a.clause_end(obj.j)
        if a.negated(lo, hi) or a.subject(lo, obj.i) == "warn" or bare_bankid(a, obj):
            continue
        if valid_object(a, obj, "", []):
            add(obj, obj.i, obj.j)


_LOG_IN = {"logge", "logg", "logga", "log", "sign", "loggar", "logger"}
_QUESTIONS = {"spørsmål", "spørsmålet", "spørsmåla", "spørsmålene", "questions", "question", "queries", "query",
              "henvendelser", "førespurnader"}
_CONTACT = {"kontakt", "kontakte", "kontakta", "ring", "ringe", "ringja", "contact", "call", "ringer"}


def _contacts_third_party(words: list[str]) -> bool:
    """'ta kontakt med banken din', 'kontakte banken', 'call your bank': a third party, not us."""
    for n, w in enumerate(words):
        if w in ("med", "with", "up") and n > 0 and words[n - 1] in ("ta", "take", "it", "det", "up"):
            nxt = [x for x in words[n + 1:n + 3] if x not in ("med", "with", "din", "di", "your", "the")]
            if nxt and P.THIRD_PARTY.fullmatch(nxt[0]):
                return True  # "… må du ta med Skatteetaten", "take it up with your bank"
        if w in _CONTACT:
            nxt = [x for x in words[n + 1:n + 4] if x not in ("med", "with", "din", "di", "your", "the", "ditt")]
            return bool(nxt) and bool(P.THIRD_PARTY.fullmatch(nxt[0])) and nxt[0] not in _FIRST
    return False


_SOON = {"once", "when", "as", "after", "straks", "når", "etter", "så", "snart", "idet", "immediately", "moment",
         "gang", "soon",
         "whenever", "before", "før", "until", "inntil", "til", "if", "hvis", "dersom", "viss", "om"}


_RECEIVE = {"have", "has", "got", "get", "receive", "received", "har", "får", "fått", "mottar",
            "mottek", "mottatt", "motteke", "fatt", "hear", "hører", "høyrer", "see", "sees", "ser",
            "sjå", "seen", "sett"}


def check_have_condition(a: Analysis, add) -> None:
    """Conditions that wait for the data: "Once we have your card number", "så snart vi har
    personnummeret ditt", "Straks vi får kontonummeret ditt"."""
    is_participle = L.is_participle
    for k, key in enumerate(a.keys):
        if not key:
            continue  # not a word (a.keys holds "" for the other tokens)
        if is_participle(key) and key not in ("fått", "got", "received") and (
                (a.word(k - 1) in ("har", "have", "has", "hev") and a.word(k - 2) in ("du", "you", "dere", "dykk"))
                or a.word(k - 1) in ("youve", "uve")):
            _have_condition_objects(a, k, add)  # "så snart du har sendt oss D-nummeret"
            continue
        if key in ("fått", "mottatt", "motteke", "received", "got") and a.word(k - 1) in ("har", "have", "has", "hev") \
                and a.word(k - 2) in _FIRST:
            _have_condition_objects(a, k, add)  # "Når eg har fått passordet ditt, …"
            continue
        if key not in _RECEIVE or a.word(k - 1) not in _FIRST | {"you", "du"}:
            continue
        if a.word(k - 1) in ("you", "du"):
            continue  # "when you have your card ready" is the reader's own
        _have_condition_objects(a, k, add)


def _have_condition_objects(a: Analysis, k: int, add) -> None:
    lo, hi = a.clause_start(k), a.clause_end(k)
    # The subordinator introduces the clause whose subject receives ("så snart vi har", "once we
    # have", "til vi har fått"): it stands within three words before that subject. Further back it
    # belongs to another phrase ("rett til innsyn i hvilke opplysninger vi har om deg": GDPR).
    subj = k - 1 if a.word(k - 1) in _FIRST | {"you", "du"} else k - 2
    if not any(a.keys[x] in _SOON for x in range(max(lo, subj - 3), k) if a.toks[x].kind == WORD):
        return
    if a.negated(lo, hi) or a.subject(lo, k) == "warn" or not reader_gives(a, lo, k):
        return
    if compromised(a, k):
        return  # "Hvis du har oppgitt kortnummeret ditt til svindlere, ring banken": advice follows
    for obj in objects_between(a, k + 1, min(hi, k + 10)):
        if not bare_bankid(a, obj) and valid_object(a, obj, a.keys[k], []):
            add(obj, k, obj.j)


def _sentences(a: Analysis) -> list[tuple[int, int]]:
    out, start = [], 0
    for k, t in enumerate(a.toks):
        if t.kind == STRONG:
            out.append((start, k))
            start = k + 1
    out.append((start, len(a.toks)))
    return out


def check_across_sentences(a: Analysis, pending: list[int], add) -> None:
    """A need in one sentence, its object in the next: "En ting til før vi kan fullføre. Det er
    koden du fikk på SMS." The message is judged as a whole."""
    sents = _sentences(a)
    needs: dict[int, int] = {a.sentence_id[i]: i + 1 for i in pending}
    for sid, (lo, hi) in enumerate(sents):
        # "Kva stod i SMS-en vi sende deg? Dei seks tala, altså.": a what-question with no
        # object, answered in the next sentence by naming it
        if hi < len(a.toks) and "?" in a.toks[hi].key and a.word(lo) in _WHAT and not objects_between(a, lo, hi):
            needs.setdefault(sid, hi)
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
            objs = objects_between(a, lo, hi)
            if not objs:
                continue
            if a.negated(lo, hi) or a.subject(lo, objs[0].i) == "warn":
                break
            words = [a.keys[x] for x in range(lo, hi) if a.toks[x].kind == WORD]
            lead = a.text[a.toks[lo].start:a.toks[hi - 1].end] if hi > lo else ""
            if len(words) <= 12 or P.FOLLOW_UP.match(lead) or set(words) & L.POSSESSIVE:
                for obj in objs:
                    # "Si fra … Da kan du bytte passord på Min side": a benign frame still covers it
                    if not bare_bankid(a, obj) and not benign(a, lo, hi - 1, obj):
                        add(obj, obj.i, obj.j)
            break


def drop_quoted_warnings(a: Analysis, hits: list[Hit]) -> list[Hit]:
    """A scam phrase quoted inside a warning ('Får du en SMS der det står «Bekreft BankID-koden
    din her», er det svindel.') reports the scam; it does not ask."""
    if not hits or not any(q in a.text for q in P.QUOTE_OPEN):
        return hits
    spans = P.quoted_spans(a.text)
    if not spans:
        return hits
    out = []
    for h in hits:
        # the object inside the quotation (the cue may stand before it: "Got a message telling
        # you to "verify … card number"? It wasn't from us.")
        inside = next(((s, e) for s, e in spans if s <= h.end - 1 and h.end <= e + 1), None)
        if inside is not None:
            around = a.text[max(0, inside[0] - 200):inside[0]] + " " + a.text[inside[1]:inside[1] + 200]
            if P.WARNING_WORDS.search(around):
                continue
        out.append(h)
    return out
