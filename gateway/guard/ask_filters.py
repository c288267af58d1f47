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
        reported = any(w in L.MEDIA and set(keys[n + 1:n + 7]) & _ASKING for n, w in enumerate(keys))
        if not reported:
            out.append(h)
    return out


_ASKING = frozenset({"asking", "requesting", "demanding", "ber", "spør", "krev", "krever", "som",
                     "that", "which", "der", "saying", "says", "wanting", "vil"})


# The reader's own earlier act, reported: "Du sende oss personnummeret ditt i førre melding".
_PAST_REPORT = re.compile(r"\b(?:du|you|dere|de) (?:sende|sendte|sent|ga|gav|gave|oppgav|oppga|skreiv|skrev|"
                          r"wrote|provided|entered|typed|told|delte|shared)\b.{0,80}\b(?:i går|yesterday|"
                          r"førre|forrige|last|previous|tidligere|tidlegare|earlier|sletta|slettet|deleted)\b")
_ASK_TOO = re.compile(r"\b(?:men|but|however|også|òg|also|again|igjen|på nytt|trenger|treng|need|send|oppgi|oppgje)\b")
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
        if question and a.word(end + 1) in _ANSWER_NO:
            continue
        if NOT_OURS.search(sentence) or (_PAST_REPORT.search(sentence) and not _ASK_TOO.search(sentence)):
            continue
        out.append(h)
    return out
