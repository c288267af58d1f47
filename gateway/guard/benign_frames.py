"""Benign frames for the broad ask (broad_ask.py): what makes a sentence that names
confidential data *not* an ask — a negation whose grammatical scope covers the object, a warning
or third party, a law, the customer's own page, our own data, information about the data, the
customer's own management of it, protecting it, logging in with it, something we send the reader,
a definition. Split from broad_ask.py."""

from __future__ import annotations

import re
from functools import lru_cache

from . import lexicon as L
from . import phrasing as P
from .askers import other_asker
from .clauses import COLON, WEAK, WORD, Analysis, Obj
from .objects import SELF_SERVICE, by_post, harmless_code, harmless_digits
from .reported import own_typing, reported_object

YOU = frozenset({"du", "dere", "dykk", "de", "you", "u", "dokker", "ya"})

WE = frozenset({"vi", "me", "we", "jeg", "eg", "i", "vi'll", "well", "were", "weve", "ill", "ive"})

# Benign frames: any of these words in the sentence covers it.
_BENIGN = frozenset({
    "glemt", "gløymt", "gleymt", "forgot", "forgotten", "lost", "mistet", "mista",
    # given away to someone else ("Har du gitt bort passordet ditt, må du endre det")
    "bort", "vekk", "away",
    # something we send the reader, or a status
    "already", "allerede", "allereie", "alt", "tilsendt", "posted", "arrive", "deleted", "slettet", "sletta", "expired", "utløpt", "utgått",
    # talking about the data, not asking for it
    "brukes", "brukast", "used", "lurer", "wonder", "wondering", "spørsmål", "questions", "question",
    # a definition: "Kva er forskjellen på BankID-passord og PIN-kode?"
    "forskjellen", "forskjell", "skilnaden", "skilnad", "difference", "differences",
    "forklarer", "forklarar", "explains", "explain", "personvernerklæringen", "personvernerklæringa",
    "notat", "internnotat", "saksnotat", "spurd", "spurt",
    "behandler", "handsamar", "handle", "handles",
    # what we store (privacy information): "Vi lagrer bare de fire siste sifrene av kortnummeret"
    "lagrer", "lagrar", "oppbevarer", "oppbevarar", "store", "stores", "storing",
    # already compromised: advice follows ("think ur card number's been leaked? block the card")
    "leaked", "lekket", "lekka", "dodgy", "strange", "weird", "merkelig", "merkeleg", "hacked", "hacket", "hacka", "compromised", "kompromittert",
})

# Benign only near the object (four words either side): the customer's own management of the
# data ("endre kontonummeret", "lag et nytt passord") and protecting it ("keep your PIN safe").
_BENIGN_NEAR = frozenset({
    # our own documents carry our account number
    "fakturaen", "faktura", "invoice", "giro", "giroen",
    # information about the data ("Du finner kontonummeret vårt …", "is stored encrypted")
    "finner", "finn", "find", "found", "står", "vises", "visast", "viste", "shown", "displayed",
    "lagret", "lagra", "stored", "saved", "kryptert", "encrypted",
    "masked", "maskert", "skjult", "hidden", "printed", "trykt", "appears", "listed",
    "endre", "endra", "endrer", "change", "changed", "changing", "reset", "tilbakestill",
    "tilbakestille", "nullstill", "nullstille", "sperr", "sperre", "sperra", "block", "lag",
    "lage", "laga", "create", "choose", "velg", "vel", "velje", "velge", "velja", "new", "ny", "nytt", "nye", "bytte", "byte", "byttet", "bytta", "byta", "skiftet", "skifta",
    "switch", "switched", "replaced", "erstattet", "erstatta",
    "bytt", "hemmelig", "hemmeleg", "secret", "safe", "trygt", "trygg", "secure", "sikkert", "keep",
    "hold", "behold", "oppbevar", "protect", "beskytt", "beskytte", "cover", "dekk", "gjem",
    "strong", "sterkt", "sterk", "unikt", "unique", "godt", "ulike", "ulikt", "forskjellige",
    "different", "separate", "passordbehandler", "passordbehandlar", "passordhandsamar", "manager",
    # logging in with it (a login method, judged by the precise rules)
    "logg", "logge", "logga", "login", "log", "sign", "signin",
    # it reaches us without the reader ("Vi får fødselsnummeret ditt automatisk fra …")
    "automatisk", "automatically", "automatic",
})

SOON = frozenset({"når", "etter", "snart", "straks", "once", "when", "after", "soon", "provided",
                   "if", "hvis", "dersom", "viss", "om", "berre", "bare", "as"})

LOGIN = frozenset({"logg", "logge", "logga", "login", "log", "sign", "signin"})

_MODIFIERS = ("banking", "nettbank", "bankid", "online")

_RELATIVE_WIDE = frozenset({"der", "where", "hvor", "kor", "som", "that", "which", "showing", "viser"})

_RELATIVE = frozenset({"som", "that", "which", "der"})

_UNTIL = frozenset({"until", "unless", "before", "før", "inntil", "till"})

_OUR_DOCUMENTS = frozenset({"fakturaen", "faktura", "fakturane", "fakturaene", "invoice", "invoices",
                            "giro", "giroen", "kid", "kidnummer", "kidnummeret", "kidnumber"})

_NOBODY = frozenset({"ingen", "nobody", "noone", "none", "nokon", "noen", "anyone"})

AVOID = frozenset({"unngå", "unngår", "unngje", "avoid", "uten", "utan", "without", "slippe", "sleppe"})

_NO_NOUNS = frozenset({"card", "acct", "acc", "account", "personal", "pers", "kort", "konto", "ref",
                       "phone", "customer", "order", "invoice", "id", "sort", "routing"})

_THREAT = frozenset({"ellers", "elles", "otherwise"})

_ONLY_MORE = frozenset({"men", "but", "except", "unntatt", "only", "bare", "berre", "kun"})

_NN_AFTER_NO = frozenset({"må", "kan", "skal", "er", "har", "vil", "bør", "får", "treng", "du",
                          "me", "vi", "eg", "de", "dei", "det", "den", "i", "på", "med", "til",
                          "så", "og", "berre", "straks", "send", "skriv", "les", "gje"})

_TO_YOU = re.compile(r"\b(?:sendt|sendes|sendast|sender vi|sent|send you|sends you|texted)\b"
                     r"(?: [\w]+){0,4} (?:til deg|to you|deg)\b|\b(?:we ll send you|we will send you|"
                     r"vi sender deg|me sender deg|vi sender|me sender|"
                     # "Your login code is sent by text each time you sign in"
                     r"(?:is|are|blir|vert) (?:sent|sendt|texted) (?:by|via|per|på|as a) (?:text|sms|e ?mail|e ?post|post))\b")

RECEIVE = frozenset({"receive", "mottar", "motta", "får", "få", "fått", "get", "gets", "got",
                      "fekk", "fikk"})

OURS = frozenset({"vårt", "vår", "våre", "our", "ours", "vårs", "selskapets", "company's"})

_INDEFINITE = frozenset({"en", "ein", "ei", "et", "eit", "a", "an", "any", "noen", "nokon"})

WHAT_IS = frozenset({"hva", "kva", "ka", "what", "whats", "wat", "wats", "hvas", "kvas", "hvordan", "korleis", "how", "hvorfor", "kvifor", "why"})


def words_of(a: Analysis, lo: int, hi: int) -> list[tuple[int, str]]:
    return [(k, a.keys[k]) for k in range(lo, hi + 1) if a.toks[k].kind == WORD]


def _you_receive(words: list[tuple[int, str]], obj: Obj) -> bool:
    """'du får en ny PIN-kode', 'you will receive a code': something we send the reader (not
    'Engangskoden du mottar, skal sendes tilbake', where the receiving describes the object)."""
    keys = [w for _, w in words]
    return any(w in RECEIVE and k < obj.i and any(x in YOU for x in keys[max(0, n - 3):n])
               for n, (k, w) in enumerate(words))


@lru_cache(maxsize=8192)
def _outside_party(w: str) -> bool:
    """A warning word, a third party or a law ('svindlere', 'elektrikeren', 'forskriften'); not a
    compound whose head is an agreement ('borettslagsavtalen' is a document, not the co-op)."""
    if w.endswith(_AGREEMENT) and not w.startswith(_AGREEMENT):
        return False
    return bool(L.THIRD_WARN_RX.search(w) or P.THIRD_PARTY.fullmatch(w) or P.LAW_SUBJECT.fullmatch(w))


def _sentence_frame(a: Analysis, lo: int, hi: int) -> tuple[list[tuple[int, str]], set[str], list[str]]:
    """The words of a sentence, its frame words (not objects, not in a relative clause, not a
    label) and its non-object words that could name a third party: the same for every object of
    the sentence, so computed once per sentence."""
    cache: dict = a.__dict__.setdefault("_frames", {})
    got = cache.get((lo, hi))
    if got is None:
        words = words_of(a, lo, hi)
        keys = {w for k, w in words if a.objs_at[k] is None and not (
            (w in _BENIGN and a.word(k - 1) in _RELATIVE) or (w in _ALREADY and a.word(k + 1) in _TIME)
            or (w in _QUESTION and k + 1 < len(a.toks) and a.toks[k + 1].kind == COLON))}  # "Løynd spørsmål: …"
        others = [w for k, w in words if a.objs_at[k] is None and not _modifier(a, k) and not determiner(a, k)]
        got = cache[(lo, hi)] = (words, keys, others)
    return got


def benign(a: Analysis, lo: int, hi: int, obj: Obj, receive: bool = True, cue: int | None = None,
           pronoun: bool = False) -> bool:
    """Does a benign frame cover the object in the sentence lo..hi? ``receive``: also count
    something the reader receives from us. Both answers are worked out in one pass and kept on
    the analysis (the broad ask asks for both about the same object): a pure function of the
    analysis, which does not change after it is built."""
    cache: dict = a.__dict__.setdefault("_benign", {})
    key = (lo, hi, obj.cat, obj.i, obj.j, cue, pronoun)
    got = cache.get(key)
    if got is None:
        got = cache[key] = _benign_both(a, lo, hi, obj, cue, pronoun)
    return got[0] if receive else got[1]


def _sentence_facts(a: Analysis, lo: int, hi: int, words: list[tuple[int, str]]) -> tuple[bool, bool]:
    """Per sentence, the same for each of its objects: does it hold a "without" word (else
    _spared_by_without is False), and _use_to_log_in (which reads only the words)."""
    cache: dict = a.__dict__.setdefault("_sentence_facts", {})
    got = cache.get((lo, hi))
    if got is None:
        got = cache[(lo, hi)] = (any(w in _WITHOUT for _, w in words), _use_to_log_in(a, words, None))
    return got


def _benign_both(a: Analysis, lo: int, hi: int, obj: Obj, cue: int | None,
                 pronoun: bool) -> tuple[bool, bool]:
    """(benign with receive=True, benign with receive=False), as the two evaluations of the
    checks below in order: a check that does not read ``receive`` decides both at once; the two
    that do (something sent to the reader) decide only the first, and the second goes on."""
    received = False  # True once a receive-only check has fired: the first answer is True
    words, keys, others = _sentence_frame(a, lo, hi)
    if a.word(obj.i - 1) in ("feil", "wrong", "incorrect", "ugyldig", "invalid"):
        return True, True  # "du har skrive inn feil passord": a failed attempt reported
    if a.word(obj.j + 1) in ("letter", "letters", "envelope", "mailer", "brev", "brevet", "konvolutt", "konvolutten"):
        return True, True  # "Once the PIN letter is sent": the letter we post, not the PIN asked for
    back3 = [a.word(obj.i - 3), a.word(obj.i - 2), a.word(obj.i - 1)]
    if back3[1:] in (["staden", "for"], ["stedet", "for"], ["instead", "of"], ["rather", "than"]) or \
            back3[2] in ("istadenfor", "istedenfor", "istedetfor"):
        return True, True  # "Bruk BankID på mobil i staden for kodebrikke": what not to use
    if obj.cat == "card_number" and _CARD_ITSELF.fullmatch(a.keys[obj.j]) and any(
            w in _PAY and a.word(k + 1) in ("med", "with", "by", "using") for k, w in words if k < obj.i):
        return True, True  # "kan du betale med Vipps eller bankkort": the card as a means of payment
    has_without, used_to_log_in = _sentence_facts(a, lo, hi, words)
    if has_without and _spared_by_without(a, words, obj):
        return True, True  # "Kundeservice kan hjelpe deg utan at du oppgjev personnummer": no need for it
    if used_to_log_in:
        return True, True  # "Bruk PIN-koden for å aktivere portalen": the reader's own login
    if obj.cat in ("password", "pin") and set(a.next_words(obj.j, 6)) & _RULES_OF_A_SECRET:
        return True, True  # "Passordet må ha minst 10 tegn og en stor bokstav": the rules a secret must meet
    if _own_choice(a, words, obj):
        return True, True  # "Bruk et eget passord til Min side", "så vel du ein PIN-kode på fire siffer"
    if keys & _BENIGN or _negation_covers(a, words, obj, cue):
        return True, True
    received = received or _you_receive(words, obj)
    if keys & _USED and not any(w in _TO_US_WORDS and not _nn_we(a, k) for k, w in words):
        return True, True  # "Kontonummeret … vert berre brukt til utbetalingar"; not "… brukt av oss, så det må vere med i svaret"
    if pronoun:  # in a sentence that asks with a pronoun ("Dei skal du skrive inn her"), "dei" is the data
        others = [w for w in others if w not in L.ANAPHORA]
    if (set(others) & L.THIRD_WARN and any(w in L.THIRD_WARN and not _source(a, k) for k, w in words
                                           if a.objs_at[k] is None)) or reported_object(a, obj.i):
        return True, True
    if any(a.keys[k] in _ASKS and other_asker(a, max(lo, a.clause_start(k)), k) for k in range(max(lo, obj.i - 5), obj.i)):
        return True, True  # "If a web page asks for your BankID password, check the address first"
    if (obj.cat in ("pin", "one_time_code") and (any(
            P.BENIGN_CODE_CONTEXT.fullmatch(a.word(k)) and not by_post(a, k) for k in range(obj.j + 1, min(hi + 1, obj.j + 6)))
            or harmless_digits(a, obj))) or harmless_code(a, obj):
        return True, True  # "The PIN for your EV charger", "koden til ladeboksen", "the Wi-Fi password"
    described = bool(set(a.keys[max(lo, obj.i - 4):obj.i]) & _RELATIVE_WIDE)
    sid = a.sentence_id[obj.i]
    asked = any(w in WHAT_IS for _, w in words) and hi + 1 < len(a.toks) and "?" in a.toks[hi + 1].key
    near = {w for k, w in words if obj.i - 3 <= k <= obj.j + 3 and a.objs_at[k] is None and (
        w not in LOGIN or _login_with(a.next_words(k, 2))) and not (described and k > obj.j)
        and a.sentence_id[k] == sid  # a pronoun sentence is judged by its own frames
        and not (asked and w in _SAYS)  # "Hva står det i displayet?" asks what it says
        and not (w in _SAYS and set(a.next_words(k, 3)) & _REMAINS)  # "står berre … att"
        and not (w in _PROBABLY and a.word(k - 1) in _FINITE_BEFORE)}  # "Du har sikkert fått …": probably
    if near & _BENIGN_NEAR and not (near & _BENIGN_NEAR <= _NEW and not {a.word(obj.i - 1), a.word(obj.i - 2)} & _NEW):
        return True, True  # "new" only before the object itself: not "Fødselsnummeret til den nye eigaren"
    if any(_outside_party(w) for w in others) and any(
            _outside_party(w) and not _source(a, k) for k, w in words
            if a.objs_at[k] is None and not _modifier(a, k) and not determiner(a, k)):
        return True, True  # not "brikka frå banken", "the otp you got from the bank": where it comes from
    text = a.text[a.toks[lo].start:a.toks[hi].end]
    if SELF_SERVICE.search(text):
        return True, True
    received = received or bool(_TO_YOU.search(text))
    if any(own_typing(a, k) for k, _ in words):
        return True, True  # "Koda skriv du inn i appen": typed into our app, not sent to us
    if NOT_OURS.search(text) or _FROM_SOURCE.search(text):
        return True, True
    before = [a.keys[k] for k in range(max(lo, obj.i - 3), obj.i) if a.toks[k].kind == WORD]
    after = [a.keys[k] for k in range(obj.j + 1, min(hi, obj.j + 2) + 1) if a.toks[k].kind == WORD]
    if set(before) & OURS or set(after) & OURS:
        return True, True
    if obj.cat == "account_number" and keys & _OUR_DOCUMENTS and not (set(before) | set(after)) & L.POSSESSIVE:
        return True, True  # "bruk kontonummeret og KID-nummeret som står på fakturaen": ours
    last = bool(before and before[-1] in _INDEFINITE and keys & WHAT_IS)
    return received or last, last


# A statement of use in the participle ("vert brukt til", "blir brukt"): information, unless the
# sentence also sends the data our way or has us use it (a secret used by us must reach us first).
_ASKS = frozenset({"ask", "asks", "asking", "ber", "spør", "requests", "krever", "krev", "requires"})
_USED = frozenset({"brukt", "nytta", "nyttet", "benyttet", "benytta"})
_TO_US_WORDS = frozenset({"oss", "us", "meg", "me", "svar", "svaret", "reply", "send", "sende", "sendast", "sendes"})
_AGREEMENT = ("avtale", "avtalen", "avtala", "avtaler", "avtalar", "kontrakt", "kontrakten", "kontrakta",
              "agreement", "contract")
_CARD_ITSELF = re.compile(r"(?:bank|betalings|kreditt|debet|visa)?kort(?:et|a)?|cards?|(?:bank|credit|debit)cards?")
_PAY = frozenset({"betale", "betal", "betaler", "betalar", "betala", "pay", "pays", "paying", "handle", "handler"})
_USE = frozenset({"bruk", "bruke", "brukar", "bruker", "use", "uses", "nytt", "nytte"})
_LOGIN_GOAL = frozenset({"aktivere", "aktivera", "activate", "logge", "logga", "log", "sign", "låse", "unlock",
                         "loggar", "logger", "logs", "signs", "signerer", "signerar",
                         "opne", "åpne", "open", "kople", "koble", "connect", "link", "pair", "signere"})


_WITHOUT = frozenset({"uten", "utan", "without"})


def _spared_by_without(a: Analysis, words: list[tuple[int, str]], obj: Obj) -> bool:
    """'uten at du oppgir …', 'without giving …' after a main clause with no negation: the reader is
    spared the data ("Vi kan ikke … uten at du oppgir …" is a requirement, judged elsewhere)."""
    for k, w in words:
        if k >= obj.i:
            return False
        if w in _WITHOUT and not any(x in L.NEGATIONS and x not in _WITHOUT for _, x in words) and \
                not a.clause_break_between(k, obj.i):
            return True
    return False


_OWN_USE = frozenset({"bankid", "kortet", "card", "innlogging", "innloggingen", "innlogginga", "login", "logging",
                      "appen", "app", "nettbanken", "betaling", "payment", "payments", "minibanken", "atm"})


def _use_to_log_in(a: Analysis, words: list[tuple[int, str]], obj: Obj | None) -> bool:
    """'Bruk PIN-koden for å aktivere portalen', 'Use the code to log in': used by the reader."""
    keys = [w for _, w in words]
    for n, (_k, w) in enumerate(words):
        if w in _USE:
            rest = keys[n + 1:]
            if rest[:1] in (["du"], ["you"]):
                rest = rest[1:]
            if len(rest) > 1 and rest[0] in ("til", "for", "to", "with", "med") and rest[1] in _OWN_USE:
                return True  # "Passordet brukar du til BankID, PIN-koden til kortet"
            for m in range(len(rest) - 1):
                if rest[m:m + 2] in (["for", "å"], ["til", "å"]) or rest[m] == "to":
                    goal = rest[m + 2] if rest[m] != "to" and m + 2 < len(rest) else rest[m + 1]
                    if goal in _LOGIN_GOAL:
                        return True
                if rest[m] in ("når", "when") and rest[m + 1] in YOU and set(rest[m + 2:m + 4]) & (_LOGIN_GOAL | LOGIN):
                    return True  # "Kodebrikka brukar du berre når du loggar inn i nettbanken"
    return False


# The reader chooses or makes a secret of their own: "Velg en PIN-kode på fire sifre", "Bruk et
# eget passord til Min side", "You choose your own password when you create your account".
_CHOOSE = frozenset({"velg", "velge", "velger", "vel", "velje", "veljer", "choose", "chooses", "pick", "picks",
                     "lag", "lage", "lager", "laga", "lagar", "create", "creates", "make", "set", "sets", "opprett",
                     "opprette", "oppretter", "opprettar"})
_OWN = frozenset({"eget", "eige", "egen", "eigen", "own", "unikt", "unique", "sterkt", "strong", "langt", "long",
                  "separate", "different", "anna", "annet", "nytt", "new", "ny"})
_SECRET_CATS = frozenset({"password", "pin", "one_time_code"})


def _own_choice(a: Analysis, words: list[tuple[int, str]], obj: Obj) -> bool:
    if obj.cat not in _SECRET_CATS:
        return False
    lo = words[0][0] if words else obj.i
    keys = a.keys
    for k in range(max(lo, obj.i - 6), obj.i):  # the six tokens before the object, in its sentence
        w = keys[k]
        if (w in _CHOOSE and a.word(k - 1) not in L.NEGATIONS) or (
                w in _USE and any(keys[x] in _OWN for x in range(k + 1, obj.i))):
            if not a.clause_break_between(k, obj.i):
                return not any(x in _TO_US_WORDS or x in ("her", "here", "below", "nedenfor") for _, x in words)
    return False


# "sikkert" after a finite verb or its subject is "probably" ("Du har sikkert fått ein PIN"), not "safely"
_PROBABLY = frozenset({"sikkert", "sikkart"})
_FINITE_BEFORE = frozenset({"har", "hev", "er", "vil", "kan", "du", "dere", "de", "dykk", "fekk", "fikk", "veit", "vet"})
_RULES_OF_A_SECRET = frozenset({"minst", "least", "tegn", "teikn", "characters", "bokstav", "bokstavar", "bokstaver",
                                "letters", "uppercase", "lowercase", "store", "stor", "capital", "spesialtegn",
                                "spesialteikn", "symbol", "symbols"})
_NN_FINITE = frozenset({"skal", "kan", "vil", "må", "har", "treng", "får", "bør", "er", "var", "betalar", "sender",
                        "brukar", "trong", "fekk", "gjer", "betaler"})


def _nn_we(a: Analysis, k: int) -> bool:
    """Nynorsk "me" (we) as a subject before its verb ("når me skal betale tilbake"), not "me" the
    English object ("send it to me")."""
    return a.keys[k] == "me" and a.word(k + 1) in _NN_FINITE


def _source(a: Analysis, k: int) -> bool:
    """The party at k is where the data comes from ("frå banken", "from your bank")."""
    back = [a.word(k - 1), a.word(k - 2)]
    return back[0] in ("fra", "frå", "from") or (back[0] in ("your", "din", "di", "the", "ur") and back[1] in ("fra", "frå", "from"))


_NEW = frozenset({"new", "ny", "nytt", "nye"})
_QUESTION = frozenset({"spørsmål", "question", "questions"})
_SAYS = frozenset({"står", "stod", "says", "viser", "shows", "vises", "visast"})
_REMAINS = frozenset({"att", "igjen", "tilbake", "left", "remaining", "outstanding"})
_ALREADY = frozenset({"already", "allerede", "allereie", "alt"})
_TIME = frozenset({"i", "today", "tomorrow", "now", "nå", "no", "this", "innen", "innan", "by", "before", "før"})
_DETERMINED = frozenset({"siste", "første", "fyrste", "nye", "gamle", "andre", "same", "samme", "to", "tre",
                         "fire", "fem", "seks", "elleve"})
# A sentence that says the ask is not ours: "er den ikke fra oss", "never with us", "berre for deg".
NOT_OURS = re.compile(
    r"\b(?:(?:er|is|are) (?:den |det |han |ho |it |they )?(?:ikke|ikkje|not|never|aldri) (?:fra|frå|from) "
    r"(?:oss|us)|(?:isn t|aren t|wasn t) from us|not from us|ikke fra oss|ikkje frå oss|"
    r"(?:aldri|ikke|ikkje|never|not) (?:hos|with|til|to) (?:oss|us)\b|"
    r"(?:berre|bare|kun|only|just) (?:for|til) (?:deg|you)\b|(?:yours|din|ditt) (?:alone|only|aleine|alene)\b|"
    r"(?:berre|bare|kun) (?:din|ditt|di)\b|(?:berre|bare|kun|only) (?:du|you) (?:som|who|that|kjenner|know|knows|should know|"
    # "Only you have your password and code device": a statement of who holds it
    r"(?:har|have|has|hold|holds) (?:din|ditt|di|dine|your|the|den|det|dei|de|it|them)|veit|vet|"
    r"(?:ha|have|kjenne|know)(?= ?[.!;]| ?$))\b|"
    r"ta (?:godt )?vare på(?= ?[,.;!?]| ?$| (?:den|det|han|ho|dei|dem|din|di|ditt|dine)\b)|"
    r"take (?:good )?care of (?:it|them|your)\b)")
# Data that reaches us from a source other than the reader ("fødselsnummeret vi får fra BankID").
_FROM_SOURCE = re.compile(
    r"\b(?:(?:vi|me|we) (?:får|mottar|mottek|henter|hentar|receive|get|fetch|obtain)|(?:får|mottar|henter) (?:vi|me)|"
    r"henta|hentet|innhenta|innhentet|fetched|retrieved|obtained)\b[^.!?\n]{0,50}?"
    r"\b(?:fra|frå|from) (?:bankid|folkeregister\w*|skatteetaten|the population register|the national registry|nav)\b")


def determiner(a: Analysis, k: int) -> bool:
    """'blir de 842 kronene overført': "de/dei" before a number or noun is 'the', not 'they'."""
    if a.keys[k] not in ("de", "dei"):
        return False
    nxt = a.word(k + 1)
    return bool(nxt) and (nxt[0].isdigit() or nxt in _DETERMINED or nxt.endswith(("ene", "ane")))


def _login_with(nxt: list[str]) -> bool:
    """'logg inn med', 'log in with', 'login using': the data as a login method."""
    if nxt and nxt[0] in ("in", "inn", "on", "på"):
        nxt = nxt[1:]
    return bool(nxt) and nxt[0] in ("med", "with", "using", "via")


def _modifier(a: Analysis, k: int) -> bool:
    """'your bank's login page', 'our agent', 'online banking': a word that qualifies another
    is not a third party or warning subject."""
    t = a.toks[k]
    return a.text[t.end - 2:t.end] in ("'s", "’s") or a.word(k - 1) in OURS or a.keys[k].startswith(_MODIFIERS)


def _later_clause(a: Analysis, k: int, obj: Obj, cue: int | None) -> bool:
    """'Koden skal gjevast til oss på telefon, ikkje skrivast nokon stad': the negation is in a
    later clause than both the ask and the object, so it does not cover them."""
    if cue is None or k <= max(cue, obj.j):
        return False
    lo, hi = min(cue, obj.i), max(cue, obj.j)
    if any(a.toks[j].kind in (WEAK, COLON) for j in range(lo, hi)):
        return False  # the ask and the object are in different clauses
    if not any(a.toks[j].kind in (WEAK, COLON) for j in range(hi + 1, k)):
        return False
    # its own verb, not an elliptical continuation ("…, aldri i en e-post eller på telefon")
    nxt = a.next_words(k, 4)
    if set(nxt) & L.ANAPHORA:
        return False  # "…, never give it out over the phone" protects the object
    return any(L.is_passive(w) or L.is_provide(w) or L.is_participle(w) for w in nxt[:3])


_BECAUSE = frozenset({"since", "because", "as", "fordi", "siden", "sidan", "ettersom", "sia"})


def _reason_clause(words: list[tuple[int, str]], n: int, k: int, obj: Obj) -> bool:
    """'Since you don't have BankID to hand we can use your security question': the negation
    is inside a reason clause; a new subject (we) before the object starts the main clause."""
    keys = [w for _, w in words]
    if not set(keys[max(0, n - 4):n]) & _BECAUSE:
        return False
    return any(w in WE for k2, w in words if k < k2 < obj.i)


def _negation_covers(a: Analysis, words: list[tuple[int, str]], obj: Obj, cue: int | None = None) -> bool:
    """A negation covers the sentence unless it sits in an 'ellers/otherwise' threat or an
    'only/but' separates it from a later object ('Nothing else is required, only your PIN')."""
    # Each negation of the sentence covers the object unless one of the checks below skips it.
    # The checks are pure, so their order does not matter; those that do not read the object
    # are made once per sentence (_negations), the rest here.
    negations, conditional, until, has_without = _negations(a, words)
    if not negations:
        return False
    # "not … without X" requires X (the same for every negation of the sentence)
    required = has_without and requirement(a, words, 0, obj)
    for n, k, w in negations:
        if required:
            continue
        if (k < obj.i and a.clause_break_between(k, obj.i)) or _later_clause(a, k, obj, cue) \
                or _reason_clause(words, n, k, obj):
            continue  # grammatical scope: a negation in another clause ("Don't worry, …, send …")
        if until and k < obj.i and any(w2 in _UNTIL for k2, w2 in words if k < k2 < obj.i):
            continue  # "we can't release it until we see …": the precondition asks
        if conditional and any(a.toks[j].kind in (WEAK, COLON) for j in range(min(k, obj.j) + 1, max(k, obj.i))):
            continue  # the other side of a condition: "Provided we receive X, no fee will be charged"
        if w in AVOID and not 0 < obj.i - k <= 3:
            continue  # "unngå/avoid/uten" govern only their own object
        if k < obj.i and {w2 for k2, w2 in words if k < k2 < obj.i} & (L.ONLY | L.CONTRAST_CONJ | _ONLY_MORE):
            continue
        return True
    return False


def _negations(a: Analysis, words: list[tuple[int, str]]) -> tuple[list[tuple[int, int, str]], bool, bool, bool]:
    """For a sentence's words (kept per sentence by _sentence_frame): the negations
    that pass the checks of _negation_covers that do not depend on the object, as (n, k, w),
    and whether it opens with a condition, holds an until-word, holds a without-word."""
    cache: dict = a.__dict__.setdefault("_negations", {})
    got = cache.get(id(words))
    if got is not None and got[0] is words:
        return got[1]
    keys = [w for _, w in words]
    negations: list[tuple[int, int, str]] = []
    if not L.NEGATIONS.isdisjoint(keys):
        for n, (k, w) in enumerate(words):
            if w not in L.NEGATIONS or (w == "no" and not _english_no(keys, n)):
                continue
            if _not_yet_received(keys, n):
                continue
            if any(x in _THREAT or (x in {"or", "eller"} and keys[j + 1] in WE | {"else"})
                   for j, x in enumerate(keys[:n])):
                continue  # "… or we can't register you", "ellers får vi ikke …"
            if set(keys[n + 1:n + 3]) & L.DOUBLE_NEG:
                continue
            negations.append((n, k, w))
    facts = (negations, bool(keys) and keys[0] in SOON | L.CONDITIONAL,
             not _UNTIL.isdisjoint(keys), not L.WITHOUT.isdisjoint(keys))
    cache[id(words)] = (words, facts)  # the list itself is kept, so its id is not reused
    return facts


YET = frozenset({"yet", "ennå", "enno", "endå", "enda", "derimot", "however", "still", "fortsatt", "framleis"})
NOT_RECEIVED = frozenset({"received", "mottatt", "motteke", "motteken", "fått", "got", "had", "mottok", "fekk", "fikk"})


def _not_yet_received(keys: list[str], n: int) -> bool:
    """'har vi derimot ikke fått', 'has not been received yet': the negation says the data is
    missing (an ask, with "yet/ennå/derimot/however" in the sentence), it protects nothing."""
    if not (set(keys[n + 1:n + 4]) & NOT_RECEIVED and set(keys) & YET):
        return False
    # we are the ones who have not received it (not "Har du fortsatt ikke mottatt engangskoden")
    return bool(set(keys[max(0, n - 3):n + 1]) & WE) or bool(set(keys[n + 1:n + 3]) & {"been", "blitt"})


def requirement(a: Analysis, words: list[tuple[int, str]], n: int, obj: Obj) -> bool:
    """'Saka kan ikkje avsluttast utan at vi får …', 'Uten kontonummeret kommer vi ikke videre',
    'We can't proceed without your account number': a negation and a 'without' together state
    that the data is required. Not when the negated subject is everyone else ('Ingen kan logge
    inn uten passordet ditt')."""
    keys = [w for _, w in words]
    negs = [(k, w) for k, w in words if w in L.NEGATIONS and w not in AVOID]
    withouts = [k for k, w in words if w in L.WITHOUT and k < obj.i]
    if not negs or not withouts or any(w in _NOBODY for _, w in negs):
        return False
    return bool(set(keys) & WE or not set(keys) & (YOU | LOGIN))


def _english_no(keys: list[str], n: int) -> bool:
    """Nynorsk 'no' means 'now' ('men no må du', 'akkurat no')."""
    nxt = keys[n + 1] if n + 1 < len(keys) else ""
    if n and keys[n - 1] in _NO_NOUNS:
        return False  # "card no.", "acct no"
    return bool(nxt) and nxt not in _NN_AFTER_NO and (n == 0 or keys[n - 1] not in {"akkurat", "og", "men", "så", "berre"})
