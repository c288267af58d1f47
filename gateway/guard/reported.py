"""Asks that are reported, not made (fifth round): the subject of the request verb is a message,
a caller or a pronoun standing for one ("Den ber om «fødselsnummer og kontonummer»", "sms-ar som
ber om fødselsnummer", "Svindlarar ringjer … og spør etter talet", "a text from us asking for your
D-number"), and a provide verb is the content of such a message ("e-post … som ber deg stadfeste
CVC-koden", "ei melding om å oppgje kontonummer", "a chat message asks you to upload …"). The
reader is warned about the ask; nothing is asked of the reader. Our own asks keep "we" as
subject ("Det er vi som ber om …", "Den trenger vi") and stay refused."""

from __future__ import annotations

import re

from . import lexicon as L
from . import phrasing as P
from .clauses import WORD, Analysis

_REQUEST = frozenset({"ber", "spør", "spørre", "krev", "krever", "asks", "ask", "asking", "asked",
                      "requests", "requesting", "demands", "demanding", "prompts"})
# Our own forms and app ask through us ("Skjemaet ber om fødselsnummeret ditt"): not a report.
_OURS = frozenset({"form", "forms", "skjema", "skjemaet", "skjemaer", "app", "apps", "appen",
                   "side", "sida", "siden", "sider", "site", "sites", "website", "websites"})
_PRONOUN = frozenset({"den", "han", "ho", "dei", "de", "it", "they", "he", "she", "this"})
_RELATIVE = frozenset({"som", "that", "which", "who", "der", "where", "kor", "hvor"})
_ADVERBS = frozenset({"ofte", "gjerne", "også", "òg", "often", "also", "just", "bare", "berre",
                      "kanskje", "maybe", "plutselig", "brått", "suddenly", "typisk", "typically",
                      "alltid", "always", "normally", "vanligvis", "vanlegvis", "usually"})
_US = frozenset({"vi", "we", "me", "oss", "us", "jeg", "eg", "kundeservice", "selskapet"})
_FROM = frozenset({"from", "fra", "frå"})  # "a text from us asking for …": the text asks
_WHETHER = frozenset({"om", "whether", "if", "hvorvidt"})
_ASKED = frozenset({"spurte", "spurde", "spurt", "spurd", "asked", "lurte", "lurer", "wondered",
                    "wonders", "wondering", "undrar", "undra", "sjekka", "sjekket", "checked"})
_NEEDS = frozenset({"trenger", "treng", "need", "needs", "krever", "krev", "require", "requires"})
_GOVERN = frozenset({"deg", "you", "u", "dykk", "dere", "om", "å", "to", "og", "about", "for"})


def _media(w: str) -> bool:
    if w in _OURS:
        return False
    return w in L.MEDIA or w in L.THIRD_WARN or bool(L.THIRD_WARN_RX.search(w)) or w.startswith(
        ("sms", "epost", "e-post", "melding", "message", "mail", "text", "chat", "lenk", "link"))


def _words_back(a: Analysis, i: int, n: int) -> list[tuple[int, str]]:
    """Up to n words before token i in the same sentence, nearest first."""
    out: list[tuple[int, str]] = []
    sid = a.sentence_id[i]
    k = i - 1
    while k >= 0 and len(out) < n and a.sentence_id[k] == sid:
        if a.toks[k].kind == WORD:
            out.append((k, a.keys[k]))
        k -= 1
    return out


def _reported_request(a: Analysis, v: int) -> bool:
    """The request verb at v has a message, caller or pronoun for one as its subject."""
    if a.word(v + 1) in _US:
        return False  # V2 with us as subject: "Den ber vi om", "Det spør me etter"
    back3 = [w for _, w in _words_back(a, v, 4)]
    if any(w in _WHETHER and back3[n + 1:n + 2] and back3[n + 1] in _ASKED for n, w in enumerate(back3)):
        return True  # "kunden spurde om me treng …", "you asked whether we need …": their question
    back = [(k, w) for k, w in _words_back(a, v, 12) if w not in _ADVERBS
            and not (w in _US and a.word(k - 1) in _FROM) and not (w in _FROM and a.word(k + 1) in _US)]
    if not back:
        return False
    k, w = back[0]
    if w in _US:
        return False
    if _media(w):
        return True  # "e-posten ber om …", "a text asking for …"
    if w in _PRONOUN and w != "de":
        # "Den ber om …", "It asks for …": the pronoun stands for a message named just before
        # (not for our installer: "Montøren kjem tysdag. Han spør etter …")
        return any(a.toks[j].kind == WORD and _media(a.keys[j]) for j in range(max(0, k - 25), k))
    if w in _RELATIVE or w in ("og", "and"):
        # the antecedent or the shared subject: a message or caller before it, not us
        for _k, x in back[1:8]:
            if x in _US:
                return False
            if _media(x):
                return True
    return False


def reported_ask(a: Analysis, i: int) -> bool:
    """The directive at i is a reported ask: its own request verb, or the request verb that
    governs it ("ber deg stadfeste", "asks you to upload", "melding om å oppgje"), has a reported
    subject."""
    if a.keys[i] in _REQUEST:
        return _reported_request(a, i)
    if a.keys[i] in _NEEDS:  # "kunden spurte om vi trenger …": their question, not our need
        words = [w for _, w in _words_back(a, i, 4)]
        return any(w in _WHETHER and words[n + 1:n + 2] and words[n + 1] in _ASKED for n, w in enumerate(words))
    if _message_says(a, i):
        return True  # "Genuine e-mails from us always include your name and account number"
    back = _words_back(a, i, 4)
    for n, (k, w) in enumerate(back):
        if w in _REQUEST:
            return all(x in _GOVERN for _, x in back[:n]) and _reported_request(a, k)
        if w not in _GOVERN:
            if _media(w) and all(x in _GOVERN for _, x in back[:n]) and any(x in ("å", "to") for _, x in back[:n]):
                return True  # "ei melding om å oppgje …", "a text to confirm …"
            return False
    return False


def _message_says(a: Analysis, i: int) -> bool:
    """A present-tense verb whose subject is a message noun right before it ("e-mails from us
    always include …", "Ekte e-postar frå oss inneheld alltid …"): what the message contains, not
    an imperative. Not a message as a place or channel ("I e-posten skriv du …")."""
    if a.word(i + 1) in ("du", "you", "dere", "dykk", "u"):
        return False
    back = [(k, w) for k, w in _words_back(a, i, 6) if w not in _ADVERBS]
    if not back or a.toks[i - 1].kind != WORD:
        return False
    k, w = back[0]
    if w in _US and a.word(k - 1) in _FROM and len(back) > 2:
        k, w = back[2]  # "e-mails from us include": the noun before "from us"
    return _media(w) and w not in L.THIRD_WARN and a.word(k - 1) not in _CHANNEL


def reported_object(a: Analysis, obj_i: int) -> bool:
    """The object is what a reported ask asks for: a reported request verb or a provide verb it
    governs stands at most five words before it ("sms-ar som ber om bankid-passordet ditt"), or
    it is in someone's question reported ("Kunden spurte om vi trenger fødselsnummeret")."""
    back = [w for _, w in _words_back(a, obj_i, 8)]
    if any(w in _WHETHER and back[n + 1:n + 2] and back[n + 1] in _ASKED for n, w in enumerate(back)):
        return True
    for k, w in _words_back(a, obj_i, 5):
        if w in _REQUEST or w in _PROVIDE_NEAR:
            return reported_ask(a, k)
    return False


_PROVIDE_NEAR = frozenset({"oppgi", "oppgje", "send", "sende", "senda", "stadfeste", "stadfest",
                           "bekrefte", "bekreft", "upload", "confirm", "enter", "provide",
                           "give", "gje", "gi", "skrive", "skriv", "taste", "tast", "share", "dele"})


def nearer_antecedent(a: Analysis, k: int) -> bool:
    """A noun at k that a later pronoun refers to before any confidential object further back:
    a message ("a text … Forward it to …") or harmless data (meter reading, invoice, order)."""
    if a.toks[k].kind != WORD or a.objs_at[k] is not None:
        return False
    w = a.keys[k]
    if P.BENIGN_CODE_CONTEXT.fullmatch(w):
        return True
    # a message as subject or object, not as the channel ("på e-post", "by SMS", "i lenken")
    return _media(w) and w not in L.THIRD_WARN and w not in _PRONOUN and a.word(k - 1) not in _CHANNEL


_CHANNEL = frozenset({"på", "by", "via", "i", "per", "on", "in", "with", "med", "over", "through",
                      "gjennom", "pr", "into", "inn", "til", "to"})


_LOGIN = frozenset({"logg", "logge", "logga", "log", "logging", "sign", "signing", "innlogging", "login"})
_PORTAL_VERBS = frozenset({"se", "sjå", "see", "view", "endre", "endra", "change", "correct", "rett",
                           "rette", "oppdater", "oppdatere", "update", "including", "inkludert"})
_DOWN = frozenset({"ned", "down"})
_WRITE = frozenset({"skriv", "skrive", "skriva", "noter", "notere", "write", "jot", "note"})
_PAST_DIRECTIVE = frozenset({"sende", "sendte", "sent", "ga", "gav", "gave", "oppga", "oppgav", "logga",
                             "logget", "logged", "tasta", "tastet", "typed", "entered", "skreiv", "skrev",
                             "wrote", "delte", "shared", "stadfesta", "bekreftet", "confirmed"})
_FIRST = frozenset({"i", "we", "jeg", "eg", "vi", "me", "us", "oss", "meg"})
_V1 = frozenset({"får", "få", "fekk", "fikk", "har", "have", "has", "hadde", "had", "got"})
AGO = frozenset({"fjor", "går", "sist", "yesterday", "last", "tidlegare", "tidligere", "earlier",
                  "førre", "forrige", "ago", "sidan", "siden", "since", "nettopp", "just"})
_NOT_PAST_BEFORE = frozenset({"kan", "må", "skal", "vil", "bør", "kunne", "ville", "å", "to", "can",
                              "must", "will", "should", "could", "would", "hvis", "viss", "dersom",
                              "når", "if", "when", "om", "once", "straks"})


def own_act(a: Analysis, i: int) -> bool:
    """The directive at i is the reader's own act, not handing the data to us: looking at or
    changing it after logging in to the portal ("Logg inn på Min strømside med BankID for å se
    … og endre kontonummer"), writing it down ("Skriv PIN-koden ned et trygt sted"), or a past
    act reported ("i fjor sende du kontonummeret via skjemaet", "du logga inn med kodebrikke")."""
    w = a.keys[i]
    if _compromised(a, i) or _into_login_window(a, i):
        return True  # "Har du skrive kortet på ei falsk nettside, …", "skriv koden i BankID-vinduet"
    rest = {a.keys[k] for k in range(i + 1, min(len(a.toks), i + 30)) if a.sentence_id[k] == a.sentence_id[i]}
    if w in _WRITE and _DOWN & set(a.next_words(i, 4)) and not rest & _FIRST:
        return True  # not "Write down your username …, then I can hook up eFaktura"
    if w in _PORTAL_VERBS or w in ("se", "see"):
        back = [x for _, x in _words_back(a, i, 14)]
        if _LOGIN & (set(back) | rest):
            return True  # "… for å se og endre kontonummeret", "… under My profile after logging in"
    if w in _PAST_DIRECTIVE:
        before = [x for _, x in _words_back(a, i, 8)]
        you_next = a.word(i + 1) in ("du", "you", "u", "dere", "de")
        you_before = before[:1] and before[0] in ("du", "you", "u", "dere")
        if set(before) & (_NOT_PAST_BEFORE | _V1):
            return False  # "Får du stadfesta …", "kan du sende …"
        if you_next:  # V2 after a time adverbial: "i fjor sende du …" (not V1 "Sende du fnr, så …")
            return bool(set(before) & AGO)
        return bool(you_before) and w != "sende"  # "du logga inn med …"; "du sende" is not past
    return False


# The data already handed to a fake: advice follows ("Har du skrive kortopplysingane dine på ei
# falsk nettside, sperr kortet", "hvis du har oppgitt kortnummer og CVC på en falsk side").
_HAVE = frozenset({"har", "have", "has", "had", "hadde", "hev", "youve", "uve", "ive", "youd"})


def compromised(a: Analysis, i: int) -> bool:
    return _compromised(a, i)


def _compromised(a: Analysis, i: int) -> bool:
    back = [x for _, x in _words_back(a, i, 3)]
    if not set(back) & _HAVE:
        return False
    sid = a.sentence_id[i]
    words = [a.keys[k] for k in range(i + 1, min(len(a.toks), i + 12))
             if a.sentence_id[k] == sid and a.toks[k].kind == WORD]
    return any(L.THIRD_WARN_RX.search(x) or x in _DODGY for x in words)


_DODGY = frozenset({"strange", "weird", "odd", "rar", "rart", "merkelig", "merkeleg", "mistake", "accident", "accidentally", "uhell", "feiltakelse", "feiltak", "dodgy", "suspicious", "mistenkelig", "mistenkjeleg", "ukjent", "unknown",
                    "leaked", "lekket", "lekka", "hacked", "hacka", "hacket", "compromised"})
# Typing the code into the login window or an app is logging in, not handing it over ("skriver
# du engangskoden i BankID-vinduet", "type it only into the BankID window", "i lade-appen").
_INTO = frozenset({"i", "in", "into", "på", "on"})
_WINDOW = re.compile(r"\w*vindu\w*|\w*vindauge\w*|window|\w+appen|login|innlogging\w*|"
                     r"pålogging\w*|innloggingssid\w*|loginpage")
_TYPE = frozenset({"tast", "taste", "taster", "tastar", "skriv", "skrive", "skriver", "type", "types",
                   "enter", "enters", "key", "input", "punch", "legg", "legger"})


# Our own app, or the page the reader is on: typing, adding or updating data there is the
# customer acting in our system ("Skriv koden inn i appen", "Legg inn det nye kortet på
# betalingssida i appen", "Update your card in the app", "på nettsida der du endra e-postadressa").
_APP = frozenset({"app", "appen", "appa", "apps"})
_PAGE = frozenset({"nettsida", "nettsiden", "sida", "siden", "page", "webpage", "website", "site", "skjermen",
                   "screen", "nettstaden"})
_ENTER = _TYPE | frozenset({"oppdater", "oppdatere", "oppdatera", "update", "add", "legg", "leggje", "registrer",
                            "registrere", "register", "scan", "skann", "skanne", "fyll", "fylle", "fylla",
                            "enter", "input", "lagre", "save", "aktiver", "activate", "skriva", "tastar", "skrivar",
                            "logg", "logge", "logga", "log", "login", "sign", "signin", "replace", "erstatt",
                            "bytt", "byt", "change", "endre", "endra",
                            # the passive: "skal bare tastes inn i appen", "is only meant to be typed into our app"
                            "tastes", "tastast", "skrives", "skrivast", "legges", "leggjast", "typed", "entered",
                            "keyed", "lim", "lime", "limer", "limar", "limes", "limast", "paste", "pasted"})


_OUR_PAGE = re.compile(r"(?:innloggings|påloggings|registrerings|betalings|kasse)(?:sid(?:e|en|a)|vindu\w*|vindauge\w*)|"
                       r"\w*vindu(?:et)?|\w*vindauget|loginpage|signuppage|checkout")
_OPEN = frozenset({"åpne", "åpn", "opne", "open", "start", "gå", "go"})
_PAGE_KIND = frozenset({"signup", "login", "registration", "payment", "checkout", "signin", "logon"})


def _sentence_start(a: Analysis, i: int) -> int:
    sid = a.sentence_id[i]
    k = i - 1
    while k >= 0 and a.sentence_id[k] == sid:
        k -= 1
    return k + 1


def _in_app(words: list[str]) -> bool:
    """'i appen', 'in the app', 'in our app', 'under Innstillingar', 'på Min side'."""
    for n, w in enumerate(words[:-1]):
        if w in _INTO | {"under"}:
            rest = [x for x in words[n + 1:n + 4] if x not in ("the", "our", "vår")]
            if rest and (rest[0] in _APP or rest[0] in _SETTINGS or rest[:2] in (["min", "side"], ["mi", "side"])
                         or rest[0] in ("minside", "portal", "portalen")):
                return True
    return False


_SETTINGS = frozenset({"settings", "innstillinger", "innstillingar", "innstillingene", "innstillingane"})
_OUR_WAY = frozenset({"us", "oss", "me", "meg", "svar", "svaret", "reply", "e-post", "epost", "email", "mail",
                      "chat", "chatten", "telefon", "phone", "sms", "her", "here", "lenke", "lenka", "lenken",
                      "link", "below", "nedenfor", "nedanfor"})


_OWNER = re.compile(r"banks?|bankens|(?:payment )?providers|betalingsleverandør(?:ens|ens|en)|betalingsleverandøren|"
                    r"betalingstenestas|betalingstjenestens|payment")
_OWN_ADJ = frozenset({"own", "eget", "eige", "egne", "eigne", "secure", "sikre", "trygge", "payment", "provider",
                      "providers", "egen", "eiga", "eigen"})
_WINDOW_NOUN = re.compile(r"page|side|sida|siden|window|vindu(?:et)?|vindauge(?:t)?|nettside(?:n)?|nettsida")


def _providers_page(words: list[str]) -> bool:
    """'the bank's own window', 'our payment provider's secure page', 'bankens eget vindu': the
    page of the bank or payment provider where the reader pays or logs in (not "this page")."""
    owner = False
    for w in words:
        if _OWNER.fullmatch(w):
            owner = True
        elif w in _OWN_ADJ:
            continue
        else:
            return owner and bool(_WINDOW_NOUN.fullmatch(w))
    return False


def _goes_our_way(a: Analysis, i: int) -> bool:
    """The sentence of the verb at i, up to the end of its clause, sends something to us, to the
    reply, the chat or a link ("Open the app and type your password in the reply")."""
    hi = min(len(a.toks), a.clause_end(i) + 1, i + 16)
    return any(_our_way_word(a, k) for k in range(_sentence_start(a, i), hi)) or _address_in_sentence(a, i)


# A web address or link in the sentence: somewhere else to type it ("at pay-secure.com", "www.…").
_ADDRESS = re.compile(r"https?:|www\.|\w\.(?:no|com|net|org|io|info|site|app|eu|se|dk|xyz|online)\b|\w\.\w+/")


def _address_in_sentence(a: Analysis, i: int) -> bool:
    sid = a.sentence_id[i]
    lo = _sentence_start(a, i)
    hi = lo
    while hi + 1 < len(a.toks) and a.sentence_id[hi + 1] == sid:
        hi += 1
    return bool(_ADDRESS.search(a.text, a.toks[lo].start, a.toks[hi].end))


def _our_way_word(a: Analysis, k: int) -> bool:
    """A word that sends data our way: us, the reply, a link, here; the phone only as a channel
    ("by phone", "på telefon"), not "a request to your phone"."""
    if a.toks[k].kind != WORD:
        return False
    w = a.keys[k]
    below = w == "under" and (k + 1 >= len(a.toks) or a.toks[k + 1].kind != WORD)
    if w.startswith(("svar", "reply")) or below:
        return True  # "i svarfeltet", "the reply box", "i feltet under" (below, at the end of the clause)
    if w not in _OUR_WAY:
        return False
    return a.keys[k] not in ("phone", "telefon", "sms") or a.word(k - 1) in ("by", "over", "på", "per", "via", "on", "the")


def _steps_in_app(a: Analysis, i: int) -> bool:
    """Self-service in steps: the sentence before the typing verb sends the reader into our app
    or settings ("To change your password, open Settings in the app. You'll need to enter your
    current password first."), or the verb is coordinated with such a step ("Gå til Betaling i
    appen og legg inn det nye kortet der"). Not when the typing goes our way ("Gå til appen.
    Send oss så …", "… og skriv koden her")."""
    start = _sentence_start(a, i)
    if _goes_our_way(a, i):
        return False
    here = [a.keys[x] for x in range(start, i) if a.toks[x].kind == WORD]
    if here and here[0] in _OPEN and _in_app(here):
        return True  # "Gå til Betaling i appen og legg inn …", "Go to Payment in the app and add …"
    if here in (["to"], ["for", "å"]):  # a purpose first: "To update your password, open Settings in the app."
        sid = a.sentence_id[i]
        rest = [a.keys[x] for x in range(i + 1, min(len(a.toks), i + 30)) if a.sentence_id[x] == sid and a.toks[x].kind == WORD]
        if any(w in _OPEN and _in_app(rest[n:]) for n, w in enumerate(rest)) and not any(
                _our_way_word(a, x) for x in range(i, min(len(a.toks), i + 30)) if a.sentence_id[x] == sid):
            return True
    if start < 2 or (here[:1] and here[0] in L.CONDITIONAL):
        return False
    prev_start = _sentence_start(a, start - 2)
    prev = [a.keys[x] for x in range(prev_start, start) if a.toks[x].kind == WORD]
    if here[:1] and here[0] in ("der", "there", "deretter") and _in_app(prev):
        return True  # "Du bytter passord i appen under Innstillinger. Der taster du først inn det gamle."
    return any(w in _OPEN and _in_app(prev[n:]) for n, w in enumerate(prev))


def _app_opens_sentence(a: Analysis, i: int) -> bool:
    """'In the app, go to Payment > Card to add …', 'I appen går du til …': the place first."""
    k = _sentence_start(a, i) - 1
    words = [a.keys[x] for x in range(k + 1, min(i, k + 6)) if a.toks[x].kind == WORD]
    if len(words) >= 2 and words[0] in _OPEN and (words[1] in _APP or (
            words[1] in ("the", "our", "to", "til") and len(words) > 2 and words[2] in _APP)):
        return True  # "Åpne appen, trykk på Profil og skriv inn …", "Open the app and add …"
    return len(words) >= 2 and words[0] in ("in", "i", "på", "on") and (
        words[1] in _APP or (words[1] in ("the", "our") and len(words) > 2 and words[2] in _APP))


def into_our_app(a: Analysis, i: int) -> bool:
    """The verb at i puts the data into our app or into the page the reader is using."""
    if a.keys[i] not in _ENTER:
        return False
    if (_app_opens_sentence(a, i) and not _goes_our_way(a, i)) or _steps_in_app(a, i):
        return True
    hi = min(len(a.toks), a.clause_end(i) + 1, i + 16)
    for k in range(i + 1, hi):
        if a.toks[k].kind != WORD:
            break  # the verb's own clause: not "Skriv passordet i chatten, så logger jeg inn i appen"
        if a.keys[k] not in _INTO | {"to", "til"}:
            continue
        m = k + 1
        while m < hi and a.toks[m].kind == WORD and a.keys[m] in ("the", "our", "den", "vår", "din", "your", "web", "this"):
            m += 1
        if _providers_page(a.next_words(m - 1, 5)) and not _goes_our_way(a, i):
            return True  # "on our payment provider's secure page", "i bankens eget vindu"
        nxt = a.next_words(m - 1, 3)
        if nxt and (nxt[0] in _APP or _OUR_PAGE.fullmatch(nxt[0]) or (
                nxt[0] in _PAGE_KIND and len(nxt) > 1 and nxt[1] in ("page", "side", "sida", "siden", "window"))):
            return True
        if nxt and "-app" in a.text[a.toks[m].start:a.toks[m].end] and not nxt[0].startswith("bankid"):
            return True  # "i lade-appen"
        if nxt and nxt[0] in _PAGE and len(nxt) > 2 and nxt[1] in ("der", "where", "som", "that") \
                and nxt[2] in ("du", "you"):
            return True  # the page the reader is on
    return False


_CONFIRM = frozenset({"oppgi", "oppgir", "oppgje", "oppgjev", "provide",
                      "bekreft", "bekrefter", "bekrefte", "stadfest", "stadfestar", "stadfeste", "confirm",
                      "confirms", "godkjenn", "godkjenner", "approve", "approves", "signer", "signerer", "sign"})
_WHEN = frozenset({"before", "før", "when", "når", "while", "mens", "whenever", "every", "kvar", "hver"})
_TO_US = frozenset({"us", "oss", "me", "meg", "svar", "svaret", "reply", "e-post", "epost", "email", "chat",
                    "chatten", "telefon", "phone", "sms"})


def _typing_in_time_clause(a: Analysis, i: int) -> bool:
    """'Check the address bar before you enter your password', 'Før du taster inn PIN-koden, …':
    the reader typing somewhere at a time, not handing it to us (unless "to us", "in the reply")."""
    if a.keys[i] not in _TYPE | {"logg", "logge", "log", "sign"}:
        return False
    back = [x for _, x in _words_back(a, i, 3)]
    if not (back[:1] and back[0] in ("du", "you", "dere", "dykk") and len(back) > 1 and back[1] in _WHEN):
        return False
    if back[1] in ("før", "before") and any(w in L.NEGATIONS for _, w in _words_back(a, i, 14)):
        return False  # "Vi kan ikkje betale ut før du tastar inn …": not until, a requirement
    hi = min(len(a.toks), a.clause_end(i))
    return not any(a.toks[k].kind == WORD and a.keys[k] in _TO_US for k in range(i + 1, hi))


def own_typing(a: Analysis, i: int) -> bool:
    """The reader types the data into our app, the page they are on, or at a time of their own."""
    return _into_login_window(a, i)


_WORKS = frozenset({"fungerer", "fungerar", "funker", "funkar", "virker", "verkar", "works", "work", "går", "foregår", "føregår"})
_THIS_WAY = frozenset({"slik", "sånn", "soleis", "like", "follows", "this", "by", "ved"})
_LOGIN_THING = re.compile(r"bankid\w*|innlogg\w*|pålogg\w*|login\w*|logging|signing|kodebrikk\w*|"
                          r"\w*autentisering\w*|authentication|verification|verifisering\w*")


def _how_login_works(a: Analysis, i: int) -> bool:
    """'BankID med kodebrikke fungerer slik: du taster fødselsnummeret, deretter …', 'Slik fungerer
    innlogginga: …', 'BankID works like this: you enter …': the reader's steps in the login,
    described in the present with "du/you" (not an imperative), going nowhere of ours."""
    you = ("du", "you", "dere", "dykk")
    if not (a.word(i - 1) in you or (a.word(i + 1) in you and a.word(i - 1) in ("først", "first", "så", "then",
                                                                             "deretter", "etterpå", "da"))) \
            or a.keys[i] not in _TYPE | _CONFIRM | {"skriv", "legg"}:
        return False
    start = _sentence_start(a, i)
    head = [a.keys[x] for x in range(start, i) if a.toks[x].kind == WORD]
    works = any(w in _WORKS and (set(head[n - 1:n]) | set(head[n + 1:n + 2])) & _THIS_WAY for n, w in enumerate(head))
    if not works or not any(_LOGIN_THING.fullmatch(w) for w in head) or _goes_our_way(a, i):
        return False
    sid = a.sentence_id[i]
    return not any(_our_way_word(a, k) or a.keys[k] in _FORMS for k in range(i, min(len(a.toks), i + 40))
                   if a.sentence_id[k] == sid)


_CONFIRM_ONLY = frozenset({"bekreft", "bekrefter", "bekrefte", "stadfest", "stadfestar", "stadfester", "stadfeste",
                           "confirm", "confirms", "godkjenn", "godkjenner", "approve", "approves",
                           "signer", "signerer", "signerar", "sign", "signs"})
_MODAL_BEFORE = frozenset({"må", "skal", "bør", "must", "should", "need", "needs", "have", "has", "required",
                           "trenger", "treng", "bes", "please", "vennligst", "ver", "vær", "kindly"})


_THREAT_WORDS = frozenset({"mindre", "unless", "otherwise", "ellers", "elles", "innen", "innan", "within", "frist",
                           "fristen", "deadline", "lukkes", "lukkast", "lukka", "stenges", "stengast", "stengd",
                           "stengt", "sperres", "sperrast", "sperra", "sperret", "closed", "blocked", "suspended",
                           "deactivated", "deaktivert", "avsluttes", "avsluttast", "terminated", "slettes", "deleted"})


def _confirms_with(a: Analysis, i: int) -> bool:
    """'… before you confirm with your PIN', 'bekrefter du med ditt eget passord i BankID-appen', 'you
    type … and confirm in the BankID app with your own PIN': the reader confirms WITH the secret
    (the means of their own login), told as a statement with "du/you" or in a time clause — not an
    imperative ("Bekreft med PIN-koden din"), not a modal ("you must confirm with …") and not sent
    our way (us, the reply, a link, here, an address, a form)."""
    if a.keys[i] not in _CONFIRM_ONLY:
        return False
    sid = a.sentence_id[i]
    nxt = [k for k in range(i + 1, min(len(a.toks), i + 7)) if a.sentence_id[k] == sid and a.toks[k].kind == WORD]
    if not any(a.keys[k] in ("med", "with") and any(a.objs_at[x] is not None for x in range(k + 1, min(len(a.toks), k + 5)))
               for k in nxt):
        return False
    back = [x for _, x in _words_back(a, i, 12)]
    you_after = a.word(i + 1) in ("du", "you", "dere", "dykk")
    you_before = back[:1] and back[0] in ("du", "you", "dere", "dykk")
    coordinated = back[:1] and back[0] in ("og", "and") and any(w in ("du", "you", "dere", "dykk") for w in back[1:])
    if not (you_after or you_before or coordinated) or set(back) & _MODAL_BEFORE:
        return False
    if any(a.keys[k] in _THREAT_WORDS for k in range(max(0, i - 30), min(len(a.toks), i + 30)) if a.sentence_id[k] == sid):
        return False  # "Saka vert lukka … med mindre du stadfestar med BankID-koden": a threat, a deadline
    if _goes_our_way(a, i):
        return False
    return not any(_our_way_word(a, k) or a.keys[k] in _FORMS for k in range(i, min(len(a.toks), i + 30))
                   if a.sentence_id[k] == sid)


# A form or field in the message itself: "i skjemaet under", "in the fields below"
_FORMS = frozenset({"skjema", "skjemaet", "form", "felt", "feltet", "felta", "feltene", "field", "fields", "boksen", "box"})


def _into_login_window(a: Analysis, i: int) -> bool:
    if into_our_app(a, i) or _typing_in_time_clause(a, i) or _how_login_works(a, i) or _confirms_with(a, i):
        return True
    if a.keys[i] not in _TYPE | _CONFIRM:
        return False  # typing, or confirming with it, in the login window ("stadfestar du med passordet i BankID-vindauget")
    sid = a.sentence_id[i]
    ks = [k for k in range(i + 1, min(len(a.toks), i + 12)) if a.sentence_id[k] == sid and a.toks[k].kind == WORD]
    if any(a.keys[k] in ("us", "oss", "meg", "svar", "svaret", "reply") for k in ks):
        return False  # "Oppgi fødselsnummeret i svaret, ikke i BankID-vinduet": to us after all
    return any(a.keys[k] in _INTO and a.word(k - 1) not in L.NEGATIONS and any((a.objs_at[x] is None or "vindu" in a.keys[x] or "window" in a.keys[x])
                                          and _WINDOW.fullmatch(a.keys[x])
                                          for x in ks[n + 1:n + 3]) for n, k in enumerate(ks))
