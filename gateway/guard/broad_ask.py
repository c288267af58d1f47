"""The broad ask (issue 11, third round): the last request rule, tried only when no precise rule
found a request in the text.

Fresh phrasings slipped past the precise grammar because it needs a known directive verb with its
object in one clause. The promise is wider: nothing outbound asks for confidential data. So a
sentence that names or describes a confidential object is refused when the sentence also has the
*form* of an ask, whatever the verb:

* it is addressed to the reader: an imperative at a clause start (any common verb: "Sørg for at vi
  har mottatt …", "Make sure we receive …", "Pop your card no. in …"), "you/du" with a modal
  ("kunne du …", "would you mind …", "du må …"), a question;
* it states a need of ours: "vi trenger/treng/mangler/er avhengige av/har behov for", "we need/
  require/rely on", or a "please/takk/vennligst" with a bare object ("Personnummer, takk").

unless a benign frame covers the sentence: a negation (the precise rules handle negation scope),
a warning or third party ("svindel", "someone", "ask your bank"), the customer's own page
("på Min side"), a law, our own data ("kontonummeret vårt"), information about the data ("finner",
"vises", "lagret"), the customer's own management of it ("endre", "glemt", "lag et nytt"),
protecting it ("hold hemmelig", "keep safe"), logging in, something we send the reader, or a
definition ("Hva er en engangskode?"). Precision comes from those frames, recall from the cues.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from . import lexicon as L
from . import phrasing as P
from .ask_words import IMPERATIVES, PARTICIPLES, provide_form
from .benign_frames import (
    NOT_RECEIVED,
    OURS,
    SOON,
    WE,
    WHAT_IS,
    YET,
    YOU,
    benign,
    requirement,
    words_of,
)
from .clauses import COLON, STRONG, WEAK, WORD, Analysis, Obj
from .objects import bare_bankid, passive
from .reported import AGO

Add = Callable[[Obj, int, int], None]

# Words that may precede an imperative at the start of a clause.
_LEAD = frozenset({"og", "and", "så", "then", "deretter", "da", "bare", "berre", "just", "also",
                   "også", "òg", "please", "pls", "plz", "kindly", "vennligst", "venligst",
                   "vennlegst", "venlegst", "hei", "hi", "hello", "hey", "ok", "okay", "now", "nå",
                   "no", "først", "first", "gjerne", "straks", "quickly", "raskt", "simply",
                   "enkelt", "kjapt", "fort", "snarest", "umiddelbart", "immediately", "dear", "kjære",
                   "takk", "thanks", "you", "du"})
_MODALS = frozenset({"kan", "kunne", "må", "bør", "skal", "vil", "ville", "burde", "can", "could",
                     "would", "must", "should", "need", "needs", "will", "mind", "have", "got"})
_NEED = frozenset({
    "trenger", "treng", "trengs", "trengst", "mangler", "manglar", "behov", "bruk", "avhengig",
    "avhengige", "venter", "ventar", "krever", "krev", "må", "need", "needs", "require",
    "requires", "rely", "relying", "depend", "depending", "dependent", "waiting", "missing",
    "want", "ønsker", "ønskjer", "like", "trengde", "needed", "required",
})
_THANKS = frozenset({"takk", "thanks", "thx", "tak", "please", "pls", "plz", "vennligst",
                     "venligst", "vennlegst", "venlegst", "kindly", "gjerne", "asap", "snarest"})
# Where the reader is to put the data: "skal stå i emnefeltet", "go into the fields below".
_PLACES = frozenset({
    "emnefeltet", "emnefelt", "emnelinja", "emnelinjen", "emnefelet", "subject", "feltet", "felta",
    "feltene", "felt", "field", "fields", "boksen", "box", "boxes", "chatten", "chat", "svaret",
    "reply", "skjemaet", "form", "blank", "blanks", "nedenfor", "nedanfor", "below",
})
_BE = frozenset({"vert", "blir", "bli", "verte", "vorte", "blitt", "må", "skal", "bør", "be", "is",
                 "are", "must", "should", "been", "gets", "get"})
_NEEDED = frozenset({"nødvendig", "nødvendige", "naudsynt", "naudsynte", "naudsynleg", "påkrevd",
                     "påkravd", "obligatorisk", "obligatoriske", "required", "needed", "necessary",
                     "mandatory", "essential", "compulsory", "krevd", "kravd", "påbudt",
                     "hende"})  # "må vere oss i hende innan fredag"
_RECEIVE_PRESENT = frozenset({"får", "få", "mottar", "motta", "receive", "get", "gets"})
RECEIVE_PAST = frozenset({"fått", "mottatt", "motteke", "motteken", "mottekne", "received", "got", "had"})
# "once we've verified your CVC": we check the data, so the reader must give it first.
_CHECKED_PAST = RECEIVE_PAST | {"innsendt", "submitted", "verified", "verifisert", "confirmed", "bekreftet", "stadfesta",
                                "checked", "sjekket", "registered", "registrert", "validated"}
_HAVE = frozenset({"har", "have", "has", "hev", "ve", "youve"})
_COORD = frozenset({"and", "og", "men", "but", "or", "eller", "så", "so", "while", "mens"})
# A bare question about trouble with the data is a help heading, not an ask ("Problemer med
# passordet?").
# The reader having the data ready for us: "for hand", "klar", "ready".
_READY = frozenset({"hand", "handa", "hånden", "klar", "klart", "klare", "ready", "handy",
                    "tilgjengeleg", "tilgjengelig", "framme", "fremme", "nearby"})
_HAVE_READY = frozenset({"ha", "have", "hold", "keep", "finn", "find"})
# The data reaching us: "kjem fram til oss", "når oss", "reaches us".
_REACHES_US = re.compile(r"\b(?:(?:fram|frem|inn) til oss|(?:reaches|reach|gets to|arrives with) us|"
                         r"(?:når|naar) oss (?:innen|innan|før|by)|"
                         # the data arriving or registered with us ("kjem hit", "er sendt oss", "is on file with us")
                         r"(?:kjem|kommer|comes|arrives) (?:hit|here|inn\b)|(?:er|is|are|blir|vert) (?:\w+ (?:og|and) )?(?:sendt|sent|registrert|"
                         r"registered|mottatt|motteke|received|levert|delivered) (?:til |to |hos |with )?(?:oss|us)|"
                         r"(?:is|are) on file with us|"
                         # a place of ours: "added at the bottom of this email", "må liggje i saka"
                         r"(?:at the bottom of|nederst i|in|into|i) (?:this|denne) (?:e ?mail|email|message|e ?posten|eposten|"
                         r"e ?posten|meldinga|meldingen)|(?:ligge|liggje|ligga|foreligge|føreligge) (?:i saken|i saka|hos oss)"
                         r"|(?:være|vere) oss i hende)\b")
_TROUBLE = frozenset({"problem", "problemer", "problema", "problemar", "trouble", "issue", "issues",
                      "hjelp", "help", "trøbbel", "feil", "error", "spørsmål", "question", "questions",
                      "how", "hvordan", "korleis", "why", "hvorfor", "kvifor", "where", "hvor", "kvar"})


def check_broad_ask(a: Analysis, add: Add) -> None:
    """Add a hit for each object whose sentence has the form of an ask and no benign frame. A
    sentence with an ask and a pronoun but no object ("Den les du opp for meg.") asks for the
    objects of the sentence before it."""
    done: set[int] = set()
    for obj in a.objs:
        sid = a.sentence_id[obj.i]
        if sid in done or not _candidate(a, obj):
            continue
        lo, hi = _sentence_bounds(a, obj.i)
        # Frames first (a negated warning ends here cheaply); a negation after the object may
        # belong to a later clause than the ask, so then the frames are judged again with the cue.
        cue = None
        if not benign(a, lo, hi, obj):
            cue = _ask_cue(a, lo, hi, obj)
        elif _negation_after(a, obj, hi):
            cue = _ask_cue(a, lo, hi, obj)
            if cue is not None and benign(a, lo, hi, obj, cue=cue):
                cue = None
        if cue is None and hi + 2 < len(a.toks) and not benign(a, lo, hi, obj, receive=False):
            cue = _pronoun_ask(a, hi + 2, obj)  # judged by its own sentence's frames
        if cue is None:
            continue
        done.add(sid)
        add(obj, min(cue, obj.i), obj.j)


def _negation_after(a: Analysis, obj: Obj, hi: int) -> bool:
    """A negation after the object, behind a clause boundary: the only negation whose scope
    depends on where the ask is (benign_frames._later_clause)."""
    boundary = False
    for k in range(obj.j + 1, hi + 1):
        kind = a.toks[k].kind
        if kind in (WEAK, COLON):
            boundary = True
        elif boundary and kind == WORD and a.keys[k] in L.NEGATIONS:
            return True
    return False


def covered_by_benign_frame(a: Analysis) -> bool:
    """Every sentence that names confidential data has a benign frame: the second opinion, which
    cannot see frames, is not asked ("Glemt passordet? Trykk på «Glemt passord» …")."""
    objs = [o for o in a.objs if _candidate(a, o)]
    return bool(objs) and all(benign(a, *_sentence_bounds(a, o.i), o) for o in objs)


def _candidate(a: Analysis, obj: Obj) -> bool:
    if bare_bankid(a, obj):
        return False
    return obj.cat != "card_expiry" or a.sentence_id[obj.i] in a.card_sentences()


def _pronoun_ask(a: Analysis, k: int, obj: Obj) -> int | None:
    """The next sentence (starting at token k) asks with a pronoun and names no object."""
    while k < len(a.toks) and a.toks[k].kind == STRONG:
        k += 1  # "… på SMS.\n\nDen leser du opp …": a paragraph break between them
    if k >= len(a.toks):
        return None
    lo, hi = _sentence_bounds(a, k)
    words = words_of(a, lo, hi)
    if any(a.objs_at[j] is not None for j, _ in words) or not {w for _, w in words} & L.ANAPHORA:
        return None
    cue = _ask_cue(a, lo, hi, obj)
    return None if cue is None or benign(a, lo, hi, obj, pronoun=True) else cue


def _sentence_bounds(a: Analysis, i: int) -> tuple[int, int]:
    """First and last token of the sentence holding token i (sentence ids are precomputed)."""
    sid, ids = a.sentence_id[i], a.sentence_id
    lo = i
    while lo > 0 and ids[lo - 1] == sid:
        lo -= 1
    hi = i
    while hi + 1 < len(ids) and ids[hi + 1] == sid and a.toks[hi + 1].kind != STRONG:
        hi += 1
    return lo, hi


def sentence_words(a: Analysis, k: int) -> list[str]:
    """The words of the sentence holding token k."""
    lo, hi = _sentence_bounds(a, k)
    return [w for _, w in words_of(a, lo, hi)]


def _ask_cue(a: Analysis, lo: int, hi: int, obj: Obj) -> int | None:
    """The token that gives the sentence the form of an ask, or None."""
    words = words_of(a, lo, hi)
    keys = [w for _, w in words]
    for n, (k, _w) in enumerate(words):
        if _cue_at(a, keys, n, k, lo, obj):
            return k
    if _label_fragment(a, lo, obj):
        return lo  # "Til slutt: personnummeret ditt, så er saka ferdig"
    if _with_in_hand(a, lo, obj):
        return lo  # "Med personnummeret ditt på plass er saka gjort": a precondition on the data
    end = a.toks[hi + 1].key if hi + 1 < len(a.toks) else ""
    if "?" in end and _quoted_at(a, hi + 1):
        end = ""  # a question inside a quotation ("Sikkerhetsspørsmål som «Hva het …?»") is quoted, not asked
    if set(keys) & _PLACES and not _past_act(keys):
        return lo  # where the reader is to put it
    if "?" in end and set(keys) & (YOU | L.POSSESSIVE | WHAT_IS | {"hvilket", "hvilken", "which", "kva"}) and not (
            keys[:1] in (["need"], ["want"]) and keys[1:2] in (["a"], ["an"], ["new"], ["another"], ["to"])):
        return lo  # a question to the reader about the data; not "Need a new PIN for your card?", their wish
    if set(keys) & _READY and (_v1_have(keys) or set(keys) & _HAVE_READY):
        return lo  # "Har du kortnummeret for hand, kan eg …", "ha dem klare"
    text = a.text[a.toks[lo].start:a.toks[hi].end]
    if _REACHES_US.search(text):
        return lo  # "Kjem tala … fram til oss", "As long as your IBAN reaches us"
    if "?" in end and len(keys) <= 5 and not set(keys) & _TROUBLE:
        return lo  # a bare question: "Kortnummer?", "Kontonr. til utbetaling?"
    for k, w in words:
        if w in L.WITHOUT and 0 < obj.i - k <= 4 and requirement(a, words, 0, obj):
            return k  # "We can't proceed without your account number"
    return None


_IN_HAND = (("på", "plass"), ("in", "hand"), ("in", "place"), ("on", "hand"), ("i", "hende"), ("for", "hand"))


def _with_in_hand(a: Analysis, lo: int, obj: Obj) -> bool:
    """'Med personnummeret ditt på plass er kredittsjekken gjort', 'With your PIN in hand, we can …':
    a sentence that opens with the data as a precondition (the reader's, by a possessive)."""
    first = [a.keys[k] for k in range(lo, obj.i) if a.toks[k].kind == WORD]
    if not first or first[0] not in ("med", "with") or len(first) > 3 or (
            not set(first) & L.POSSESSIVE and a.word(obj.j + 1) not in L.POSSESSIVE):
        return False
    nxt = a.next_words(obj.j, 3)
    if nxt[:1] and nxt[0] in L.POSSESSIVE:
        nxt = nxt[1:]
    return tuple(nxt[:2]) in _IN_HAND


def _quoted_at(a: Analysis, k: int) -> bool:
    if not any(q in a.text for q in P.QUOTE_OPEN):
        return False
    pos = a.toks[k].start
    return any(s <= pos < e for s, e in P.quoted_spans(a.text))


def _v1_have(keys: list[str]) -> bool:
    """'Har du …', 'Have you got …', 'Do you have …' at the start of the sentence."""
    head = keys[:3]
    return (head[:1] in (["har"], ["have"], ["got"]) and len(head) > 1 and head[1] in YOU) or (
        head[:1] == ["do"] and len(head) > 2 and head[1] in YOU and head[2] == "have")


def _label_fragment(a: Analysis, lo: int, obj: Obj) -> bool:
    """A short lead, a colon, then the object with no value after it: 'Finally: your PIN'."""
    c = obj.i - 1
    while c > lo and a.toks[c].kind == WORD and a.keys[c] in L.POSSESSIVE | {"the", "og", "and"}:
        c -= 1
    if c <= lo or a.toks[c].kind != COLON:
        return False
    start = c - 1
    while start > lo and a.toks[start - 1].kind == WORD and a.keys[start] not in _COORD:
        start -= 1
    if c - start > 3:
        return False  # a short lead of its own clause: "…, og så: pinkoden"
    if any(a.keys[x] in _ADVICE_LEAD for x in range(start, c)):
        return False  # also "This year's reminder: your account number, PIN and passwords are …"  # "Remember: your password is yours alone", "Tips: …": advice, not a label
    nxt = a.toks[obj.j + 1: obj.j + 3]
    return not any(t.key[:1].isdigit() or t.key in ("_", "•", "*") for t in nxt)


_BECAUSE = frozenset({"fordi", "because", "since", "ettersom", "sidan", "sia", "cause"})
_OUR_SYSTEM = frozenset({"system", "systemet", "systemene", "systema", "agent", "rådgiveren", "rådgjevaren",
                         "saksbehandleren", "sakshandsamaren", "kundebehandleren"})
_ADVICE_LEAD = frozenset({"husk", "hugs", "remember", "tip", "tips", "råd", "advice", "obs", "merk", "nb",
                          "viktig", "important", "warning", "advarsel", "åtvaring", "reminder", "påminnelse"})
_REMIND = frozenset({"husk", "hugs", "remember", "note", "merk", "noter", "vit", "know"})


def _cue_at(a: Analysis, keys: list[str], n: int, k: int, lo: int, obj: Obj) -> bool:
    w = keys[n]
    prev, nxt = keys[max(0, n - 3):n], keys[n + 1:n + 5]
    if w in IMPERATIVES and _clause_start(a, k, lo) and _particle_ok(keys, n) and not list_item(a, k) and not (
            w in _REMIND and nxt[:1] and nxt[0] in ("at", "that")):
        return True  # not "Hugs at PIN-koda og koda til ladeboksen er to ulike ting": a fact recalled
    if w in _MODALS and nxt[:1] and nxt[0] in YOU and _modal_asks(a, k + 2, obj):
        return True  # "kan du sende", "would you give", "vil du oppgi"
    if w in YOU and nxt[:1] and nxt[0] in _MODALS and _modal_asks(a, k + 2, obj):
        return True  # "du må sende", "you need to provide", "you could give"
    if w in WE and any(x in _NEED for x in nxt[:2 if w == "i" else 4]) and not (prev[-1:] and prev[-1] in _BECAUSE):
        return True  # "vi trenger", "we'll need", "vi er avhengige av"; not "…, fordi vi trenger det"
    if w in _NEED and prev[-1:] and prev[-1] in WE | {"er", "are", "am", "har", "have"} and not (
            prev[-2:-1] and prev[-2] in _BECAUSE):
        return True
    if w in _NEED and nxt[:1] and nxt[0] in WE and (n == 0 or keys[n - 1] in L.ANAPHORA):
        return True  # "Den trenger vi for å bekrefte" (V2: the pronoun first)
    if w in _HAVE and prev[-1:] and prev[-1] in WE and (prev[-3:-1] == ["i", "det"] or prev[-2:-1] == ["idet"]):
        return True  # "I det vi har fnr. ditt, kan vi …"
    if w in _HAVE and nxt[:1] and nxt[0] in WE and (n == 0 or keys[n - 1] in ("i", "det", "idet")):
        return True  # "Har vi CVC og utløpsdato, kan …", "I det vi har fnr. ditt, kan vi …"
    if w in {"gotta", "gonna"} and nxt[:1] and nxt[0] in {"have", "get", "see"}:
        return True  # "Gotta have ur pin to confirm"
    if w in _NEED and (set(prev) & OURS or set(prev[-2:]) & _OUR_SYSTEM):
        return True  # "what our agent needs", "the last thing the system needs"
    if (w in _NEEDED or ((w in PARTICIPLES or passive(w) or w in _REQUIRED_PL) and any(x in _BE for x in prev[-2:])
                         and not _generic_passive(a, prev, obj))) and _same_clause(a, k, obj):
        return True  # "er nødvendig", "is required", "vert skrivne inn", "må vedlegges"
    if (passive(w) or w in PARTICIPLES or w in IMPERATIVES) and _to_us(nxt) and _same_clause(a, k, obj):
        return True  # "Koden leses opp til meg", "will be read out to me", "skal gjevast til oss"
    if w in _NEED_PASSIVE and k > obj.j and _same_clause(a, k, obj):
        return True  # "Engangskoden trengs for å …", "IBAN bes oppgitt …", "Koden forventes returnert …"
    if w in NOT_RECEIVED and set(prev) & L.NEGATIONS and set(keys) & YET and (set(keys) & WE or prev[-1:] in (["been"], ["blitt"])):
        return True  # "Personnummeret ditt har vi derimot ikke fått", "has not been received yet": missing
    if w in _MISSING or (w == "står" and set(nxt) & {"att", "igjen"}):
        return True  # "that's all that's missing", "Då står berre personnummeret att"
    if w in _RECEIVE_PRESENT and ((prev[-1:] and prev[-1] in WE) or (
            nxt[:1] and nxt[0] in WE and _clause_start(a, k, lo))):
        return True  # "får vi …" (V1: if we get)  # "får vi …", "once we receive", "med ein gong vi får"
    if (w in _CHECKED_PAST or (w in _SENT and nxt[:1] in (["inn"], ["in"]))) and prev[-1:] and prev[-1] in _IS_BEEN \
            and set(keys[:n]) & (SOON | _AS_SOON) and k > obj.j:  # also "når kontonummeret er sendt inn" (not "sendt på SMS": ours)
        return True  # "når CVC og utløpsdato er verifisert av oss", "once your PIN has been confirmed"
    if w in _CHECKED_PAST and prev[-2:] and set(prev) & WE and set(keys[:n]) & SOON:
        return True  # "når vi har mottatt …"
    if w in {"youve", "uve", "youd"} and nxt[:1] and provide_form(nxt[0]):
        return True  # "when you've replied with"
    if w in YOU and nxt[:1] and (provide_form(nxt[0]) or (nxt[0] in _HAVE and provide_form(
            nxt[1] if len(nxt) > 1 else ""))) and not _reported_past(keys, n, nxt):
        return True  # "du sender", "du har svart med", "you've replied with"
    if provide_form(w) and nxt[:1] and nxt[0] in {"du", "dere", "dykk"} and not (w in _PAST and set(prev) & AGO):
        return True  # "Den videresender du", "Den les du opp"
    if w in {"med", "with"} and {"kan", "can"} & set(keys[n + 1:n + 12]) and set(keys[n + 1:n + 13]) & WE:
        return True  # "Med kopi av bankkortet ditt kan vi …"
    return w in _THANKS and not (nxt[:1] and nxt[0] in {"for", "you"})  # "Personnummer, takk"


# Verbs the reader may do with data that hand nothing over ("du kan se", "you can change it").
_NOT_PROVIDE = frozenset({
    "se", "sjå", "sjekk", "bruk", "ta", "gå", "følg", "fylg", "husk", "hugs", "la", "lat", "ring",
    "kontakt", "klikk", "trykk", "hent", "sett", "logg", "velg", "vel", "lag", "endr", "endre",
    "bytt", "sperr", "go", "follow", "remember", "make", "let", "call", "contact", "click", "tap",
    "press", "check", "bring", "leave", "pass", "see", "view", "use", "change", "choose", "set",
    "reset", "block", "log", "sign", "create", "keep", "find", "look", "correct", "approve",
    "godkjenn", "vær", "ver", "være", "vere", "be", "fint", "også", "òg", "gjerne", "selv", "sjølv",
})
_STEMS = ("er", "ar", "r", "e", "a", "es", "s", "t", "et", "te")


def _asking_verb(w: str) -> bool:
    """A provide verb in any form, not one of the reader's own harmless acts."""
    if w in _NOT_PROVIDE or any(w.endswith(e) and w[:-len(e)] in _NOT_PROVIDE for e in _STEMS):
        return False
    return provide_form(w) or (w[-1:] in ("e", "a") and w[:-1] in IMPERATIVES)  # "lese", "betala"


_OWN_REQUEST = frozenset({"request", "be", "bed", "kreve", "krevje", "demand", "claim"})


def _modal_asks(a: Analysis, k: int, obj: Obj) -> bool:
    """A modal with "you" asks only when it governs a provide verb or the data itself ("du kan
    sende oss kortnummeret", "you need your PIN"), not "du kan fint være kunde", "you can change
    it in the app", "Det må du ta med Vipps"."""
    for j in range(k, min(len(a.toks), k + 5)):
        if j >= obj.i and j <= obj.j:
            return True
        t = a.toks[j]
        if t.kind != WORD:
            return False
        w = a.keys[j]
        if w in _NOT_PROVIDE or w in _OWN_REQUEST:
            return False  # "You can request a copy of the data we hold, including …": the reader's own request
        if _asking_verb(w) or w in ("ha", "have", "hatt", "get", "få"):
            return True
    return False


# Simple past forms of provide verbs: the reader's own act reported ("du tasta feil kode", "u
# entered the wrong code", "i fjor sende du"), not asked — unless in a condition ("når du sende").
_PAST = frozenset({"gave", "sent", "gav", "ga", "sendte", "sende", "skrev", "skreiv", "oppga",
                   "oppgav", "wrote", "told", "got", "fekk", "fikk", "tasta", "tastet", "typed",
                   "entered", "updated", "changed", "logged", "confirmed", "bekreftet", "stadfesta",
                   "godkjente", "approved", "shared", "delte", "delt", "oppdaterte",
                   "oppdatert", "endret", "endra", "requested", "replied", "svarte", "svara"})


def _reported_past(keys: list[str], n: int, nxt: list[str]) -> bool:
    """'du tasta', 'du har tasta', 'u gave', 'you updated': a report, when no condition or time
    clause ('når/if/once/after') comes before it in the sentence."""
    verb = nxt[1] if nxt[0] in _HAVE and len(nxt) > 1 else nxt[0]
    if verb not in _PAST and not (verb.endswith("ed") and nxt[0] not in _HAVE):
        return False
    if nxt[0] in _HAVE and n > 0 and keys[n - 1] in _HAVE:
        return False  # "Har du sendt …?" is V1: a question or condition
    if set(nxt[1:5]) & {"oss", "us", "meg", "me"}:
        return False  # "Du sendte oss et bilde av kortet, men det var uskarpt": to us, asked again
    return not set(keys[:n]) & (SOON | L.CONDITIONAL | {"before", "før", "until"})


def _past_act(keys: list[str]) -> bool:
    """'i fjor sende du kontonummeret via skjemaet': the place is where the reader put it then."""
    return any((w in YOU and keys[n + 1:n + 2] and _reported_past(keys, n, keys[n + 1:n + 5])) or (
        w in _PAST and keys[n + 1:n + 2] and keys[n + 1] in YOU and set(keys[:n]) & AGO)
        for n, w in enumerate(keys))


# Passive needs after the object: "trengs", "ønskes oppgitt", "bes oppgitt", "forventes returnert".
_NEED_PASSIVE = frozenset({"trengs", "trengst", "ønskes", "ønskjast", "bes", "forventes", "forventast",
                           "kreves", "krevst", "behøves", "etterspørres", "etterspørjast"})


# plural participles of "kreve/krevje" after vert/blir: "Påloggingsdetaljane vert kravde for å …"
_REQUIRED_PL = frozenset({"kravde", "krevde", "krevet", "kravt", "krevja", "kravd", "krevd"})


_PLAIN_BE = frozenset({"blir", "vert", "is", "are", "gets", "get"})


def _generic_passive(a: Analysis, prev: list[str], obj: Obj) -> bool:
    """'Eit kontonummer … blir skrive i grupper', 'Kontonummer i Noreg blir skrive som 4-2-5': a
    plain present passive about data in general (no possessive, no modal) describes it."""
    if not set(prev[-2:]) & _PLAIN_BE or set(prev) & _MODALS:
        return False
    if a.keys[obj.j + 1:obj.j + 12] and set(a.keys[obj.j + 1:obj.j + 12]) & _REQUESTED:
        return False  # "… vert etterspurde", "… are requested": someone asks for it
    near = {a.keys[k] for k in range(max(0, obj.i - 2), min(len(a.toks), obj.j + 3))}
    return not near & (L.POSSESSIVE | {"the", "dette", "denne"}) and not a.keys[obj.i].endswith(("et", "en"))


_SENT = frozenset({"sendt", "sent", "levert", "delivered", "send"})
# "med en gang …", "med ein gong …", "forutsatt at …": a condition that waits for the data
_AS_SOON = frozenset({"gang", "gong", "forutsatt", "føresett", "straks", "immediately"})
_REQUESTED = frozenset({"etterspurd", "etterspurde", "etterspurt", "etterspurte", "requested", "krevd", "kravd"})
_IS_BEEN = frozenset({"er", "is", "are", "been", "blitt", "vorte", "blir", "vert", "was", "were"})
_MISSING = frozenset({"mangler", "manglar", "gjenstår", "missing", "remains", "outstanding", "utestående"})


def _to_us(nxt: list[str]) -> bool:
    """'… opp til meg', '… out to us', 'til oss på telefon', 'for sakshandsamaren'."""
    for j, x in enumerate(nxt[:3]):
        if x in ("til", "to", "for") and j + 1 < len(nxt) and nxt[j + 1] in _OUR_SYSTEM | {"meg", "oss", "me", "us"}:
            return True
    return False


def _same_clause(a: Analysis, k: int, obj: Obj) -> bool:
    """No new coordinated clause between the cue and the object ('X is on the invoice, and
    the KID number must be included'); a comma alone does not part them ('Koden du får, skal
    sendes tilbake', 'Nothing else is required, only your PIN')."""
    lo, hi = (k, obj.i) if k < obj.i else (obj.j, k)
    return not any(a.toks[j].kind in (WEAK, COLON) and a.word(j + 1) in _COORD for j in range(lo + 1, hi))


def list_item(a: Analysis, k: int) -> bool:
    """A bare word between commas, or last in a list ("name, address, phone, email, customer
    number and …"): a noun in a list, not an imperative ("email")."""
    if k + 1 >= len(a.toks) or a.toks[k - 1].kind != WEAK:
        return False
    nxt = a.toks[k + 1]
    return nxt.kind == WEAK or (nxt.kind == WORD and nxt.key in ("og", "and", "eller", "or") and k > 2
                                and a.toks[k - 3].kind == WEAK)


def _particle_ok(keys: list[str], n: int) -> bool:
    """'last' and 'les' ask only with their particle ('last opp', 'les opp'); 'last' is also
    'the last four digits'."""
    if keys[n] in ("last", "les"):
        return "opp" in keys[n + 1:n + 4]
    if keys[n] == "pass":
        return bool({"on", "along"} & set(keys[n + 1:n + 4]))  # not "pass" (passport), "pass på"
    return True


def _clause_start(a: Analysis, k: int, lo: int) -> bool:
    j = k - 1
    while j >= lo and a.toks[j].kind == WORD and a.keys[j] in _LEAD:
        j -= 1
    return j < lo or a.toks[j].kind in (WEAK, COLON, STRONG)


