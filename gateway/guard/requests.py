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

from . import gate
from . import lexicon as L
from . import phrasing as P
from .ask_filters import (
    drop_answered_no,
    drop_customer_voice,
    drop_explanations,
    drop_own_actions,
    drop_reported_asks,
    drop_staff_notes,
    explains_need,
)
from .askers import LISTING, asked_before, asked_by_other, check_the_number, other_asker, reason_need, told_to_others
from .benign_frames import determiner
from .broad_ask import check_broad_ask, covered_by_benign_frame, list_item
from .clauses import COLON, MAX_CLAUSE, STRONG, WEAK, WORD, Analysis, Obj, maybe_directive
from .findings import Hit
from .normalize import normalize
from .objects import (
    SELF_SERVICE,
    SELF_VERBS,
    bare_bankid,
    clause_text,
    passive,
    reader_gives,
    valid_object,
)
from .reported import nearer_antecedent, own_act, reported_ask
from .request_forms import (
    check_across_sentences,
    check_have_condition,
    check_object_first,
    drop_quoted_warnings,
    has_ask_cue,
)
from .value_asks import check_form_fields, check_handed_over, check_passive, check_question, check_suffices

_WINDOW = 12
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
        if obj.cat == "card_expiry" and a.sentence_id[obj.i] in a.voucher_sentences():
            return  # a voucher's or gift card's validity, not a bank card's expiry date
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
        elif passive(tok.key) or (L.is_participle(tok.key) and a.word(i - 1) in L.BE_FORMS):
            check_passive(a, i, add)
        elif tok.key in L.QUESTION_WORDS:
            check_question(a, i, add)
    check_form_fields(a, add)
    check_suffices(a, add)
    check_handed_over(a, add)
    check_object_first(a, add)
    check_have_condition(a, add)
    check_across_sentences(a, pending, add)
    if not hits:
        check_broad_ask(a, add)  # the last resort: the form of an ask, no benign frame
    hits = drop_reported_asks(a, drop_explanations(a, drop_quoted_warnings(a, hits)))
    hits = drop_staff_notes(a, drop_answered_no(a, drop_own_actions(a, hits)))
    hits = drop_customer_voice(a, hits)
    return hits, (want_cue and not hits and has_ask_cue(a) and not explains_need(a)
                  and not covered_by_benign_frame(a))


_ASK_VERBS = {"ask", "be", "bed", "spør", "spørre", "spørja", "request", "contact", "kontakt",
              "kontakte", "ring", "call", "check", "sjekk", "hør", "høyr", "get", "få", "hent", "hente"}


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
    if a.word(i + 1) in ("them", "dei", "dem", "de", "it"):
        # "D-numbers are issued by the Tax Administration. Ask them about yours.": the pronoun
        # stands for the third party of this or the sentence before (not for us)
        sid = a.sentence_id[i]
        for k in range(i - 1, max(-1, i - 40), -1):
            if sid - a.sentence_id[k] > 1:
                break
            if a.toks[k].kind == WORD and a.objs_at[k] is None and (P.THIRD_PARTY.fullmatch(a.keys[k]) or (
                    a.keys[k] == "tax" and a.word(k + 1) in ("administration", "office", "authorities", "agency"))):
                return True
    return False


def _check_directive(a: Analysis, i: int, kind: str, add) -> bool:
    verb = a.keys[i]
    lo = a.clause_start(i)
    subj = a.subject(lo, i)
    if subj == "warn" or _third_party_asked(a, i) or _spared(a, i) or reported_ask(a, i):
        return False
    if list_item(a, i):
        return False  # "name, address, phone, email and your national ID number": a noun in a list
    if _heading_noun(a, i):
        return False  # "App update: you can now change your password in Settings": a heading
    if kind == "request" and (a.word(i + 1) == "man" or a.word(i - 1) == "man"):
        return False  # "så trenger man både passord og kode": anyone's need, generic "man"
    if _infinitive_subject(a, i):
        return False  # "Å gje frå seg passordet er det same som …", "To share your PIN is …": a subject
    if a.word(i - 1) in ("by", "via", "per") and a.toks[i - 1].kind == WORD and verb in L.MEDIA:
        return False  # "we don't collect it by email": a channel, a noun, not the imperative "email"
    if kind == "provide" and asked_by_other(a, i):
        return False  # "Under innloggingen vil BankID be deg taste passordet ditt"
    if kind == "request" and _wish_heading(a, i):
        return False  # "Want to switch payment cards? Go to Payment in the app …": the reader's wish
    if verb in LISTING and not asked_before(a, i):
        return False  # "what we hold about you, including your account number": a list, no ask
    if kind == "request":
        if subj == "second":
            # "you need BankID" is the reader's own need; "ask you for" is still a request, but
            # "you" before the verb is its subject ("If you didn't request it, …").
            if verb not in ("ask", "asks", "asking", "ber", "be", "bed", "spør", "request", "requests") \
                    or a.word(i + 1) not in ("you", "u", "deg", "dykk", "dere"):
                return False
        if other_asker(a, lo, i):
            return False  # "Our app will ask for a code", "ber banken din deg om passord"
        if _conceded(a, i):
            return False  # "Det stemmer at vi trenger …, men vi samler det ikke inn på e-post"
        if reason_need(a, lo, i):
            return False  # "Vi lagrer det, fordi vi trenger det for å …": a reason, not an ask
        if _law_subject(a, lo, i):
            return False  # "som forskriften krever", "as the law requires": a statement
    elif subj in ("first", "statement"):
        return False
    if a.conditional(lo) and not a.negated(lo, i):
        if not _threat_condition(a, lo, i) and not _polite_condition(a, lo, i) and not (
                kind == "provide" and reader_gives(a, lo, i)):
            return False
    if a.negated(lo, i) and not _except_us(a, lo, _sentence_end_tok(a, i)):
        _check_only_instead(a, i, add)
        return False
    if a.keys[i] in SELF_VERBS and SELF_SERVICE.search(clause_text(a, lo, a.clause_end(i))):
        return False
    if own_act(a, i):
        return False  # "Logg inn på Min side for å endre …", "skriv koden ned", "du logga inn med …"
    if _at_third_party(a, i):
        return False  # "Da må du aktivere BankID på nytt hos banken din": done at the bank
    if _negated_after(a, i) and not _except_us(a, i, _sentence_end_tok(a, i)):
        _check_only_instead(a, i, add)
        return False  # "del det ikke med noen", "share it with no one"
    found = _objects_after(a, i, kind)
    if kind == "login" and _login_methods(a, i, found):
        return False  # "må du logge inn på nytt med passordet ditt eller BankID": our own login
    for obj, between in found:
        if not valid_object(a, obj, verb, between):
            continue
        if verb in ("ha", "have", "hatt") and a.word(obj.i - 1) in _QUALITY:
            continue  # "gjer det lett å ha unike passord": the reader's own practice
        add(obj, i, obj.j)
    if not found and kind in ("provide", "request"):
        _check_anaphora(a, i, lo, add)
        check_the_number(a, i, add)
    if not found and a.negated(i + 1, a.clause_end(i)):
        _check_only_instead(a, i, add)
    return kind in ("provide", "request") and not found


def _infinitive_subject(a: Analysis, i: int) -> bool:
    """'Å gje frå seg passordet er det same som å gje frå seg nøkkelen': an infinitive that opens
    the sentence and is the subject of a copula ("er/is") is talked about, not asked for."""
    if a.word(i - 1) not in ("å", "to") or i < 1:
        return False
    k = i - 2
    if k >= 0 and a.toks[k].kind == WORD:
        return False
    hi = min(len(a.toks), i + 12)
    return any(a.toks[x].kind == WORD and a.keys[x] in ("er", "is", "var", "was", "blir", "vert")
               for x in range(i + 1, hi) if a.sentence_id[x] == a.sentence_id[i])


def _heading_noun(a: Analysis, i: int) -> bool:
    """A verb form right before a colon, after one or two words that open the text or a line ("App
    update:", "Viktig oppdatering:" is a noun already): a heading, not an imperative. Not after
    "please", "and", "now" ("Please confirm: your PIN")."""
    if i + 1 >= len(a.toks) or a.toks[i + 1].kind != COLON or i == 0:
        return False
    k, words = i - 1, []
    while k >= 0 and a.toks[k].kind == WORD:
        words.append(a.keys[k])
        k -= 1
    if not 1 <= len(words) <= 2 or (k >= 0 and a.toks[k].kind != STRONG):
        return False
    return not set(words) & _NOT_HEADING


# after "Need a new PIN?": not when what follows sends anything our way ("Send us the old one first")
_TO_US_AFTER = frozenset({"us", "oss", "me", "meg", "reply", "svar", "here", "her", "send", "tell", "give", "provide"})
_NOT_HEADING = frozenset({"please", "pls", "plz", "kindly", "vennligst", "venligst", "and", "og", "now", "nå", "no",
                          "just", "bare", "berre", "then", "så", "deretter", "du", "you", "må", "must"})


# qualities of the reader's own secrets ("ha unike passord", "have strong passwords"): their practice
_QUALITY = frozenset({"unike", "unikt", "unique", "sterke", "sterkt", "strong", "ulike", "ulikt", "forskjellige",
                      "different", "separate", "egne", "eigne", "own", "gode", "good", "lange", "long"})
_WISH = frozenset({"want", "wanna", "wish", "need"})
_GIVE_OR_GET = frozenset({"receive", "get", "have", "see", "hear", "know", "check"})


_ADDRESS = re.compile(r"https?|www|\w\.(?:no|com|net|org|io|info|site|app|eu|se|dk)\b|\w+\.\w+/")
_LINK = frozenset({"her", "here", "lenke", "lenka", "lenken", "link", "linken", "below", "nedenfor", "nedanfor",
                   "oss", "us", "svar", "svaret", "reply", "url", "adressa", "adressen", "address"})


def _login_methods(a: Analysis, i: int, found: list[tuple[Obj, list[str]]]) -> bool:
    """Logging in with the password or BankID: the login methods of our own service offered as
    alternatives ("eller BankID", "or BankID"), with no link, address or reply to log in at."""
    def bankid_after(o: Obj) -> bool:
        k = o.j + 1
        while a.word(k) in ("ditt", "din", "di", "your"):
            k += 1
        nxt = a.objs_at[k + 1] if a.word(k) in ("eller", "or") and k + 1 < len(a.toks) else None
        return nxt is not None and bare_bankid(a, nxt)
    def existing(o: Obj) -> bool:  # "med passordet du allerede har", "with the password you already use"
        nxt = a.next_words(o.j, 4)
        return nxt[:1] in (["du"], ["you"]) and bool(set(nxt[1:]) & {"allerede", "allereie", "alt", "already", "har", "have", "bruker", "brukar", "use"})
    if not found or not any(bankid_after(o) or existing(o) for o, _ in found):
        return False
    lo, end = a.clause_start(i), _sentence_end_tok(a, i)
    if _ADDRESS.search(a.text[a.toks[lo].start:a.toks[min(end, len(a.toks) - 1)].end]):
        return False  # "… at secure-login.com", "på www.…": an address to log in at
    return not any(a.toks[k].kind == WORD and a.keys[k] in _LINK for k in range(lo, end))


_TRUE = frozenset({"stemmer", "riktig", "rett", "sant", "true", "correct", "right"})


def _conceded(a: Analysis, i: int) -> bool:
    """A need of ours conceded in an answer and then limited: "It's true that we ask for your
    fødselsnummer when you sign up, but we don't collect it by email", "Det stemmer at vi trenger
    …, men vi samler det ikke inn på e-post". Only with "that" after a truth word before "we", and
    "but we/men vi" with a negation after it in the same sentence (our own limit on it)."""
    back = [a.word(i - 1), a.word(i - 2), a.word(i - 3)]
    if back[0] not in ("vi", "me", "we") or back[1] not in ("at", "that") or back[2] not in _TRUE:
        return False
    end = _sentence_end_tok(a, i)
    keys = [a.keys[k] for k in range(i + 1, end) if a.toks[k].kind == WORD]
    return any(w in ("men", "but") and keys[n + 1:n + 2] in (["vi"], ["me"], ["we"])
               and set(keys[n + 2:n + 5]) & (_POST_NEG | L.NEGATIONS) for n, w in enumerate(keys))


def _wish_heading(a: Analysis, i: int) -> bool:
    """A question with "you" left out that opens the sentence, "Want to switch payment cards?",
    "Need to change your PIN?": the reader's own wish, answered by what follows. Not with a
    provide verb after it ("Want to send us your PIN?") or one that hands it to us ("… to get")."""
    if a.keys[i] not in _WISH or a.clause_start(i) != i:
        return False
    if i > 0 and a.toks[i - 1].kind == WORD:
        return False
    if a.word(i + 1) in ("a", "an", "new", "another") and a.word(i + 2) in ("new", "replacement", "pin", "password", "code"):
        end = _sentence_end_tok(a, i)  # "Need a new PIN for your debit card?": the reader's own wish
        return end < len(a.toks) and "?" in a.toks[end].key and not any(
            a.keys[k] in _TO_US_AFTER for k in range(end + 1, min(len(a.toks), end + 40)))
    if a.word(i + 1) != "to":
        return False
    verb = a.word(i + 2)
    if not verb or L.is_provide(verb) or verb in _GIVE_OR_GET or a.directive_kind(i + 2) in ("provide", "request"):
        return False
    end = _sentence_end_tok(a, i)
    return end < len(a.toks) and "?" in a.toks[end].key


def _at_third_party(a: Analysis, i: int) -> bool:
    """The act happens at a third party's ("hos banken din", "at your bank"), not where the data
    is used ("det du bruker for å logge inn i nettbanken")."""
    hi = min(len(a.toks), a.clause_end(i))
    for k in range(i + 1, hi):
        if a.toks[k].kind == WORD and a.keys[k] in ("hos", "at") and a.objs_at[k] is None:
            nxt = [w for w in a.next_words(k, 3) if w not in ("your", "din", "di", "the", "ditt")]
            if nxt and nxt[0] in ("banken", "bank", "branch", "filialen"):
                return True
    return False


_SPARED = {"slipper", "slepp", "slippe", "sleppe", "slipp", "avoid", "avoids", "unngå", "unngår", "spare", "skip"}


def _spared(a: Analysis, i: int) -> bool:
    """'… så slipper du å sende den til oss': the reader is spared the sending."""
    back = [a.word(i - 1), a.word(i - 2), a.word(i - 3)]
    return back[0] in _SPARED or (back[0] in ("å", "to") and bool({back[1], back[2]} & _SPARED))


def _law_subject(a: Analysis, lo: int, i: int) -> bool:
    return any(a.toks[k].kind == WORD and P.LAW_SUBJECT.fullmatch(a.keys[k]) for k in range(lo, i))


_POST_NEG = {"ikke", "ikkje", "aldri", "never", "not", "nobody", "ingen", "noone", "nowhere",
             "ingenstad", "ingensteds", "ingenstads"}


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
        if a.keys[k] == "no" and a.word(k + 1) in ("one", "body", "where"):
            return True  # "share it with no one"
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
                if obj is not None and not bare_bankid(a, obj):
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


_FINITE_BE = frozenset({"vert", "blir", "er", "is", "are", "was", "were", "gets", "get"})


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
            if a.is_clause_start(k + 1) or (kind == "login" and a.word(k + 1) in _FINITE_BE):
                break  # "Når du loggar inn med BankID hjå oss, vert passordet … sjekka av banken"
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
            if kind == "login" and not (set(between[-3:]) & {"with", "med", "using", "via", "by"}
                                        and not set(between) & {"og", "and", "for", "to", "å"}):
                k = obj.j + 1  # "logg inn med BankID og lag nytt passord": not logging in with it
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
            # "send oss deretter engangskoden", "skriv så PIN-koden": "then" before the object
            then = key in ("så", "deretter", "then") and early and a.toks[k + 1].kind == WORD \
                and a.word(k + 1) not in ("snart", "lenge", "fort", "soon", "long", "du", "you", "vi", "we", "me")
            if not ((reply and key in ("to", "til")) or (early and particle) or then):
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
    pron = next(k for k in range(i + 1, len(a.toks)) if a.keys[k] in L.ANAPHORA)
    if determiner(a, pron) and any(P.BENIGN_CODE_CONTEXT.fullmatch(w) for w in a.next_words(pron, 7) if w):
        return  # "send dei fire siste siffera i ordrenummeret": "dei" is "the", not "them"
    if set(a.next_words(i, 4)) & _POST_NEG or _third_party_asked(a, i) or told_to_others(a, i):
        return
    if a.word(pron - 1) in ("at", "that") and a.word(pron + 1) in ("er", "is", "var", "was", "stemmer", "matches"):
        return  # "me får berre stadfesta at det er deg": "det" opens a that-clause, it stands for nothing
    hi = a.clause_end(i)
    words = {a.keys[k] for k in range(lo, hi) if a.toks[k].kind == WORD}
    if words & L.ONLY and not words & {"us", "oss", "me", "meg", "we", "vi"}:
        return
    sid = a.sentence_id[i]
    instrument = False
    for k in range(i - 1, max(-1, i - 3 * MAX_CLAUSE), -1):
        obj = a.objs_at[k]
        if obj is None:
            if nearer_antecedent(a, k):
                return  # "… Men målerstanden vil vi ha – send den": the nearest noun is meant
            continue
        if sid - a.sentence_id[obj.i] > 2:
            return
        if bare_bankid(a, obj) and a.word(obj.i - 1) in ("with", "med", "using", "via", "by"):
            instrument = True  # "Log in with BankID to unlock it": BankID is the means, "it" is the app
            continue
        if instrument and not bare_bankid(a, obj) and a.sentence_id[obj.i] != sid:
            return  # "… wrong PIN attempts. Log in with BankID to unlock it": not the PIN either
        if not bare_bankid(a, obj) or a.keys[i] in _BANKID_RENEW:
            add(obj, i, i)
            return
