"""Filters on request hits that recognise what is not our ask (issue 11, third round): a
why-question that explains a need, an ask reported in a warning, the reader's own action on the
data (confirming receipt, creating a new password)."""

from __future__ import annotations

import re

from . import lexicon as L
from .benign_frames import NOT_OURS, RECEIVE, WE, YOU
from .broad_ask import RECEIVE_PAST, sentence_words
from .clauses import STRONG, WORD, Analysis
from .findings import Hit

_WHY = frozenset({"hvorfor", "kvifor", "korfor", "why", "wherefore"})


_MY = frozenset({"mitt", "min", "mi", "mine", "my", "meg"})


def drop_customer_voice(a: Analysis, hits: list[Hit]) -> list[Hit]:
    """'Hvorfor trenger dere fødselsnummeret mitt? Vi trenger det for å …': data with a first-person
    singular possessive is the customer's own, in a question the text answers (an FAQ); the hit on
    it, or on a pronoun standing for it, is not our ask."""
    if not hits or not any(w in _MY for w in a.keys):
        return hits
    out = []
    for h in hits:
        # the object the hit names: at its start (a pronoun's antecedent) or at its end (after a cue)
        ends = [o for o in a.objs if a.toks[o.i].start == h.start or a.toks[o.j].end == h.end]
        if ends and all(a.word(o.j + 1) in ("mitt", "min", "mi", "mine") or a.word(o.i - 1) == "my" for o in ends):
            continue
        out.append(h)
    return out


def drop_explanations(a: Analysis, hits: list[Hit]) -> list[Hit]:
    """'Lurer du på hvorfor vi trenger fødselsnummeret ditt?', 'why we need your ID number':
    an embedded why-question explains a need, it does not state one to the reader."""
    if not hits or not any(w in a.text for w in ("hvorfor", "kvifor", "korfor", "why")):
        return hits
    out = []
    for h in hits:
        k = next((n for n, t in enumerate(a.toks) if t.start >= h.start), 0)
        back = [a.keys[j] for j in range(max(0, k - 3), k) if a.toks[j].kind == WORD]
        if not (set(back) & _WHY and set(back) & WE):
            out.append(h)
    return out


_CREATE = frozenset({"create", "lage", "lag", "laga", "opprett", "opprette", "make", "set",
                     "velg", "vel", "choose", "pick"})


def drop_own_actions(a: Analysis, hits: list[Hit]) -> list[Hit]:
    """The reader's own action on the data, not handing it over: 'Kan du bekrefte at du har
    mottatt den nye PIN-koden?', 'we'll send you a link to create a new password'."""
    out = []
    for h in hits:
        ks = [n for n, t in enumerate(a.toks) if h.start <= t.start < h.end and t.kind == WORD]
        keys = [a.keys[n] for n in ks]
        obj_at = next((n for n, k in enumerate(ks) if a.objs_at[k] is not None), len(ks))
        before = keys[:obj_at]
        received = any(w in ("at", "that") and set(before[j + 1:j + 3]) & YOU
                       and set(before[j + 2:j + 5]) & (RECEIVE | RECEIVE_PAST) for j, w in enumerate(before))
        created = bool(set(before[-4:]) & _CREATE) and bool(set(before[-2:]) & {"new", "ny", "nytt", "nye", "a", "et", "eit"})
        if not (received or created):
            out.append(h)
    return out


def explains_need(a: Analysis) -> bool:
    """The text explains why we need something ("hvorfor vi trenger …"): the second opinion,
    which cannot see that frame, is not asked."""
    keys = a.keys
    return any(w in _WHY and (set(keys[k + 1:k + 3]) & WE) for k, w in enumerate(keys))


def drop_reported_asks(a: Analysis, hits: list[Hit]) -> list[Hit]:
    """'Got a text asking for your one-time code? It's a scam': a message that asks, reported
    in a text that warns about it, is not our ask."""
    if not hits or not any(L.THIRD_WARN_RX.search(w) or w in L.NEGATIONS for w in a.keys if w):
        return hits
    out = []
    for h in hits:
        k = next((n for n, t in enumerate(a.toks) if t.start >= h.start), 0)
        keys = sentence_words(a, k)
        # a message that asks; not the channel ("koden du fikk på SMS – send den som svar her")
        reported = any(w in L.MEDIA and set(keys[n + 1:n + 7]) & _ASKING and not (n and keys[n - 1] in _CHANNEL)
                       for n, w in enumerate(keys))
        if not reported:
            out.append(h)
    return out


_CHANNEL = frozenset({"på", "by", "via", "per", "over", "through", "pr"})
_ASKING = frozenset({"asking", "requesting", "demanding", "ber", "spør", "krev", "krever", "som",
                     "that", "which", "der", "saying", "says", "wanting", "vil"})


# The reader's own earlier act, reported: "Du sende oss personnummeret ditt i førre melding".
_PAST_REPORT = re.compile(r"\b(?:du|you|dere|de) (?:sende|sendte|sent|ga|gav|gave|oppgav|oppga|skreiv|skrev|"
                          r"wrote|provided|entered|typed|told|delte|shared)\b.{0,80}\b(?:i går|yesterday|"
                          r"førre|forrige|last|previous|tidligere|tidlegare|earlier|sletta|slettet|deleted)\b")
_ASK_TOO = re.compile(r"\b(?:men|but|however|også|òg|also|again|igjen|på nytt|trenger|treng|need|send|oppgi|oppgje)\b")
# After "only you know it": a provide verb that still sends it to us ("Only you know your
# password, so tell it to me", "Bare du kjenner passordet, så send det til oss").
_SENT_TO_US = re.compile(r"\b(?:send|sende|senda|gi|gje|tell|give|reply|svar|oppgi|oppgje|les|read|share|del|forward|"
                         r"videresend)\b[^.!?]{0,40}?\b(?:oss|us|meg|me)\b")
_ANSWER_NO = frozenset({"nei", "no", "aldri", "never", "niks", "nope"})


def drop_answered_no(a: Analysis, hits: list[Hit]) -> list[Hit]:
    """'Oppgi fødselsnummer på SMS? Nei! Det ber vi aldri om.': a question the text answers
    "no" to at once is quoted to be refused, and 'Der taster du passordet ditt – aldri hos oss'
    says where the data belongs; neither is our ask."""
    out = []
    for h in hits:
        k = next((n for n, t in enumerate(a.toks) if t.start >= h.start), 0)
        end = next((n for n in range(k, len(a.toks)) if a.toks[n].kind == STRONG), len(a.toks))
        start = end
        while start > 0 and a.toks[start - 1].kind != STRONG:
            start -= 1
        sentence = a.text[a.toks[start].start:a.toks[end - 1].end] if end > start else ""
        question = end < len(a.toks) and "?" in a.toks[end].key
        answer = _next_words(a, end, 7, marks=True)
        if (question and answer[:1] and answer[0] in _ANSWER_NO) or (
                (question or _NEED_WORDS & set(a.keys[start:end])) and _denies(answer)
                and not _ASK_TOO.search(" ".join(_next_words(a, end, 14)))):
            continue
        mine = NOT_OURS.search(sentence)
        if (mine and not _SENT_TO_US.search(sentence, mine.end())) or (
                _PAST_REPORT.search(sentence) and not _ASK_TOO.search(sentence)):
            continue
        out.append(h)
    return out


_NEED_WORDS = frozenset({"trenger", "treng", "trengs", "need", "needs", "ber", "spør", "ask", "asks",
                         "asked", "krever", "krev", "require", "requires", "spurte", "spurde"})
_LABELS = frozenset({"svar", "answer", "a", "reply", "nei", "no", "nope"})
_DO = frozenset({"gjør", "gjer", "gjorde", "do", "does", "did"})
_WE_SUBJ = frozenset({"vi", "me", "we", "eg", "jeg", "i"})


def _next_words(a: Analysis, end: int, n: int, marks: bool = False) -> list[str]:
    """The first n words after token end (across the sentence boundary); with marks, a
    punctuation token after the first word reads "|"."""
    out: list[str] = []
    k = end + 1
    while k < len(a.toks) and len(out) < n:
        if a.toks[k].kind == WORD:
            out.append(a.keys[k])
        elif marks and out:
            out.append("|")
        k += 1
    return out


def _denies(words: list[str]) -> bool:
    """The next sentence denies the need at once: "Nei, det gjør vi ikke", "We don't",
    "Det gjer me ikkje", "Svar: Nei. …" (after a question, or after "Du spurte om vi trenger …")."""
    while words and words[0] in _LABELS | {"|"}:
        words = words[1:]
    if words[:1] and words[0] in ("det", "that", "dét", "this"):
        words = words[1:]
    if words[:1] and words[0] in _DO:
        words = words[1:]
        if words[:1] and words[0] in _WE_SUBJ:
            words = words[1:]
    elif words[:1] and words[0] in _WE_SUBJ:
        words = words[2:] if words[1:2] and words[1] in _DO else words[1:]
    else:
        return False
    # a bare denial ("Det gjør vi ikke.", "We don't – …"), not "Vi gjør ikke noe uten det"
    if words[1:2] and words[1] in ("det", "that", "it", "dette", "this", "so"):
        words = words[:1] + words[2:]  # "Vi gjør aldri det."
    return bool(words) and words[0] in L.NEGATIONS and (len(words) == 1 or words[1] in _BARE_AFTER)


_BARE_AFTER = frozenset({"|", "i", "in", "på", "on", "nå", "no", "now", "lenger", "lengre", "anymore",
                         "ever", "heller", "either", "her", "here", "by", "via", "over"})


# A note addressed to staff, not to the customer: "Note for agents: …", "Notat til
# fagansvarleg: …", "Internt: …". What it says about asks is guidance, not an ask.
_STAFF = (r"(?:all |alle )?(?:agents?|agentar|agenter|staff|kundebehandl\w+|saksbehandl\w+|fagansvarl\w+|"
          r"teamet|the team|colleagues|kollegaer|kollegar|nyansatte|new staff|support)")
_STAFF_NOTE = re.compile(
    r"^\W*(?:(?:note|notat|memo|rutine|guidance|reminder|påminnelse|påminning) (?:for|til|to) " + _STAFF +
    r"|internnotat|saksnotat|internal note|intern(?:t)? notat|internt|internal|(?:til|to|for) " + _STAFF + r")\s*:")


def drop_staff_notes(a: Analysis, hits: list[Hit]) -> list[Hit]:
    """A text that opens as a note to staff ('Note for agents: if a customer offers their ID
    number in chat, stop them') tells colleagues what to do; it asks the customer nothing."""
    if hits and _STAFF_NOTE.match(a.text):
        return []
    return hits
