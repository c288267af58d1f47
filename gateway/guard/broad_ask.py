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

from collections.abc import Callable

from . import lexicon as L
from . import phrasing as P
from .clauses import COLON, STRONG, WEAK, WORD, Analysis, Obj
from .findings import Hit
from .objects import SELF_SERVICE, bare_bankid

Add = Callable[[Obj, int, int], None]

# Imperatives that open an ask in support and phishing text (nb, nn, en). Not "finn"/"find",
# "les"/"read" alone is fine: "les opp", "read out" are asks.
IMPERATIVES = frozenset({
    # bokmål / nynorsk
    "send", "gi", "gje", "oppgi", "oppgje", "skriv", "tast", "fyll", "legg", "last", "les", "si",
    "sei", "fortell", "svar", "bekreft", "stadfest", "verifiser", "oppdater", "del", "vis", "ta",
    "knips", "fotografer", "skann", "ring", "kontakt", "klikk", "trykk", "gå", "følg", "fylg",
    "husk", "hugs", "sørg", "sjå", "se", "la", "lat", "meld", "registrer", "videresend", "sett",
    "noter", "hent", "returner", "legg", "inkluder", "tekst", "sms", "mail",
    "kopier", "lim", "bruk", "godkjenn", "godkjenn", "aktiver", "signer", "lever", "oppgjev",
    # English
    "give", "provide", "enter", "type", "fill", "put", "pop", "drop", "add", "include", "attach",
    "upload", "read", "say", "tell", "reply", "respond", "answer", "confirm", "verify", "update",
    "share", "show", "take", "snap", "scan", "call", "ring", "contact", "click", "tap", "press",
    "go", "follow", "remember", "make", "ensure", "let", "note", "write", "forward", "text",
    "email", "mail", "submit", "paste", "copy", "key", "punch", "list", "spell", "hand",
    "bring", "grab", "check", "input", "insert", "supply", "state", "specify", "fill",
    "complete", "send", "message", "dm", "whatsapp", "post", "approve", "authorise", "authorize",
    "validate", "register", "re-enter", "reenter", "retype", "resend", "drop", "jot", "leave",
})
# Words that may precede an imperative at the start of a clause.
_LEAD = frozenset({"og", "and", "så", "then", "deretter", "da", "bare", "berre", "just", "also",
                   "også", "òg", "please", "pls", "plz", "kindly", "vennligst", "venligst",
                   "vennlegst", "venlegst", "hei", "hi", "hello", "hey", "ok", "okay", "now", "nå",
                   "no", "først", "first", "gjerne", "straks", "quickly", "raskt", "simply",
                   "enkelt", "kjapt", "fort", "snarest", "umiddelbart", "immediately", "dear", "kjære",
                   "takk", "thanks", "you", "du"})
_MODALS = frozenset({"kan", "kunne", "må", "bør", "skal", "vil", "ville", "burde", "can", "could",
                     "would", "must", "should", "need", "needs", "will", "mind", "have", "got"})
_YOU = frozenset({"du", "dere", "dykk", "de", "you", "u", "dokker", "ya"})
_WE = frozenset({"vi", "me", "we", "jeg", "eg", "i", "vi'll", "well", "were", "weve"})
_NEED = frozenset({
    "trenger", "treng", "trengs", "trengst", "mangler", "manglar", "behov", "bruk", "avhengig",
    "avhengige", "avhengig", "venter", "ventar", "krever", "krev", "må", "need", "needs", "require",
    "requires", "rely", "relying", "depend", "depending", "dependent", "waiting", "missing",
    "want", "ønsker", "ønskjer", "like", "trengde", "needed", "required",
})
_THANKS = frozenset({"takk", "thanks", "thx", "tak", "please", "pls", "plz", "vennligst",
                     "venligst", "vennlegst", "venlegst", "kindly", "gjerne", "asap", "snarest"})
# Benign frames: any of these words in the sentence covers it.
_BENIGN = frozenset({
    # information about the data
    "finner", "finn", "find", "found", "står", "vises", "visast", "viste", "shown", "displayed",
    "registrert", "registered", "lagret", "lagra", "stored", "saved", "kryptert", "encrypted",
    "masked", "maskert", "skjult", "hidden", "printed", "trykt", "appears", "listed",
    "glemt", "gløymt", "gleymt", "forgot", "forgotten", "lost", "mistet", "mista",
    # something we send the reader
    "tilsendt", "posted", "arrive",
    # logging in (a login method, judged by the precise rules)
    "logg", "logge", "logga", "login", "log", "sign", "signin",
    # talking about the data, not asking for it
    "brukes", "brukast", "used", "lurer", "wonder", "wondering", "spørsmål", "questions", "question",
})
# Benign only near the object (four words either side): the customer's own management of the
# data ("endre kontonummeret", "lag et nytt passord") and protecting it ("keep your PIN safe").
_BENIGN_NEAR = frozenset({
    "endre", "endra", "endrer", "change", "changed", "changing", "reset", "tilbakestill",
    "tilbakestille", "nullstill", "nullstille", "sperr", "sperre", "sperra", "block", "lag",
    "lage", "laga", "create", "choose", "velg", "vel", "new", "ny", "nytt", "nye", "bytte", "byte",
    "bytt", "hemmelig", "hemmeleg", "secret", "safe", "trygt", "trygg", "secure", "sikkert", "keep",
    "hold", "behold", "oppbevar", "protect", "beskytt", "beskytte", "cover", "dekk", "gjem",
    "strong", "sterkt", "sterk", "unikt", "unique", "personlig", "personleg", "personal", "godt",
})
# Where the reader is to put the data: "skal stå i emnefeltet", "go into the fields below".
_PLACES = frozenset({
    "emnefeltet", "emnefelt", "emnelinja", "emnelinjen", "emnefelet", "subject", "feltet", "felta",
    "feltene", "felt", "field", "fields", "boksen", "box", "boxes", "chatten", "chat", "svaret",
    "reply", "skjemaet", "form", "blank", "blanks", "nedenfor", "nedanfor", "below",
})
# Participles of provide verbs after "vert/blir/må/skal" ("vert skrivne inn", "må leveres").
_PARTICIPLES = frozenset({
    "skrivne", "skriven", "skrive", "skrevet", "skrivi", "oppgjeve", "oppgjevne", "oppgitt",
    "oppgitte", "oppgjevast", "sendt", "sende", "sendte", "gjeve", "gjevne", "gitt", "lagt",
    "tasta", "tastet", "fylt", "fylte", "fyllt", "stadfesta", "bekreftet", "bekrefta", "lest",
    "lesne", "levert", "levert", "delt", "lasta", "lastet", "innsendt", "innsend", "vedlagt",
    "oppdatert", "verifisert", "provided", "entered", "sent", "given", "typed", "filled",
    "supplied", "submitted", "attached", "uploaded", "shared", "included", "written", "stated",
})
_BE = frozenset({"vert", "blir", "bli", "verte", "vorte", "blitt", "må", "skal", "bør", "be", "is",
                 "are", "must", "should", "been", "gets", "get"})
_RECEIVE = frozenset({"receive", "mottar", "motta", "får", "få", "fått", "get", "gets", "got",
                      "fekk", "fikk"})
_OURS = frozenset({"vårt", "vår", "våre", "our", "ours", "vårs", "selskapets", "company's"})
_INDEFINITE = frozenset({"en", "ein", "ei", "et", "eit", "a", "an", "any", "noen", "nokon"})
_WHAT_IS = frozenset({"hva", "kva", "what", "hvordan", "korleis", "how", "hvorfor", "kvifor", "why"})


def check_broad_ask(a: Analysis, add: Add) -> None:
    """Add a hit for each object whose sentence has the form of an ask and no benign frame."""
    done: set[int] = set()
    for obj in a.objs:
        sid = a.sentence_id[obj.i]
        if sid in done or bare_bankid(a, obj):
            continue
        if obj.cat == "card_expiry" and sid not in a.card_sentences():
            continue
        lo, hi = _sentence_bounds(a, obj.i)
        cue = _ask_cue(a, lo, hi, obj)
        if cue is None or _benign(a, lo, hi, obj):
            continue
        done.add(sid)
        add(obj, min(cue, obj.i), obj.j)


def _sentence_bounds(a: Analysis, i: int) -> tuple[int, int]:
    lo = i
    while lo > 0 and a.toks[lo - 1].kind != STRONG:
        lo -= 1
    hi = i
    while hi + 1 < len(a.toks) and a.toks[hi + 1].kind != STRONG:
        hi += 1
    return lo, hi


def _words(a: Analysis, lo: int, hi: int) -> list[tuple[int, str]]:
    return [(k, a.keys[k]) for k in range(lo, hi + 1) if a.toks[k].kind == WORD]


def _ask_cue(a: Analysis, lo: int, hi: int, obj: Obj) -> int | None:
    """The token that gives the sentence the form of an ask, or None."""
    words = _words(a, lo, hi)
    keys = [w for _, w in words]
    for n, (k, w) in enumerate(words):
        if w in IMPERATIVES and _clause_start(a, k, lo) and _particle_ok(keys, n):
            return k
        if w in _MODALS and n + 1 < len(keys) and keys[n + 1] in _YOU:
            return k  # "kan du", "would you", "vil du"
        if w in _YOU and n + 1 < len(keys) and keys[n + 1] in _MODALS:
            return k  # "du må", "you need to", "you could"
        if w in _WE and any(x in _NEED for x in keys[n + 1:n + (3 if w == "i" else 5)]):
            return k  # "vi trenger", "we'll need", "vi er avhengige av"
        if w in _NEED and n and keys[n - 1] in _WE | {"er", "are", "am", "har", "have"}:
            return k
        if w in _PARTICIPLES and any(x in _BE for x in keys[max(0, n - 2):n]):
            return k  # "vert skrivne inn", "must be provided"
        if w in _THANKS and not (n + 1 < len(keys) and keys[n + 1] in {"for", "you"}):
            return k  # "Personnummer og kontonummer, takk"
    end = a.toks[hi + 1].key if hi + 1 < len(a.toks) else ""
    if set(keys) & _PLACES:
        return lo  # where the reader is to put it
    if "?" in end and set(keys) & (_YOU | L.POSSESSIVE | _WHAT_IS | {"hvilket", "hvilken", "which", "kva"}):
        return lo  # a question to the reader about the data
    return None


def _you_receive(words: list[tuple[int, str]]) -> bool:
    """'du får en ny PIN-kode', 'you will receive a code': something we send the reader."""
    keys = [w for _, w in words]
    return any(w in _RECEIVE and any(x in _YOU for x in keys[max(0, n - 3):n])
               for n, w in enumerate(keys))


def _particle_ok(keys: list[str], n: int) -> bool:
    """'last' and 'les' ask only with their particle ('last opp', 'les opp'); 'last' is also
    'the last four digits'."""
    if keys[n] in ("last", "les"):
        return n + 1 < len(keys) and keys[n + 1] == "opp"
    return True


def _clause_start(a: Analysis, k: int, lo: int) -> bool:
    j = k - 1
    while j >= lo and a.toks[j].kind == WORD and a.keys[j] in _LEAD:
        j -= 1
    return j < lo or a.toks[j].kind in (WEAK, COLON, STRONG)


def _benign(a: Analysis, lo: int, hi: int, obj: Obj) -> bool:
    words = _words(a, lo, hi)
    keys = {w for _, w in words}
    others = [w for k, w in words if a.objs_at[k] is None]
    if keys & (L.NEGATIONS | _BENIGN) or set(others) & L.THIRD_WARN or _you_receive(words):
        return True
    near = {w for k, w in words if obj.i - 4 <= k <= obj.j + 4}
    if near & _BENIGN_NEAR:
        return True
    if any(L.THIRD_WARN_RX.search(w) or P.THIRD_PARTY.fullmatch(w) or P.LAW_SUBJECT.fullmatch(w)
           for w in others):
        return True
    if SELF_SERVICE.search(a.text[a.toks[lo].start:a.toks[hi].end]):
        return True
    before = [a.keys[k] for k in range(max(lo, obj.i - 3), obj.i) if a.toks[k].kind == WORD]
    after = [a.keys[k] for k in range(obj.j + 1, min(hi, obj.j + 2) + 1) if a.toks[k].kind == WORD]
    if set(before) & _OURS or set(after) & _OURS:
        return True
    return bool(before and before[-1] in _INDEFINITE and keys & _WHAT_IS)


_WHY = frozenset({"hvorfor", "kvifor", "korfor", "why", "wherefore"})


def drop_explanations(a: Analysis, hits: list[Hit]) -> list[Hit]:
    """'Lurer du på hvorfor vi trenger fødselsnummeret ditt?', 'why we need your ID number':
    an embedded why-question explains a need, it does not state one to the reader."""
    if not hits or not any(w in a.text for w in ("hvorfor", "kvifor", "korfor", "why")):
        return hits
    out = []
    for h in hits:
        k = next((n for n, t in enumerate(a.toks) if t.start >= h.start), 0)
        back = [a.keys[j] for j in range(max(0, k - 3), k) if a.toks[j].kind == WORD]
        if not (set(back) & _WHY and set(back) & _WE):
            out.append(h)
    return out


def explains_need(a: Analysis) -> bool:
    """The text explains why we need something ("hvorfor vi trenger …"): the second opinion,
    which cannot see that frame, is not asked."""
    keys = a.keys
    return any(w in _WHY and (set(keys[k + 1:k + 3]) & _WE) for k, w in enumerate(keys))
