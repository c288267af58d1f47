"""Obfuscation: every transform of a refused sentence is still refused."""

from __future__ import annotations

import html
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.guard import check_template, check_text, is_refused

SENTENCES = [
    "Please send us your password today.",
    "Confirm your card number and CVC below.",
    "Enter the one-time code from your phone.",
    "We need your national identity number.",
    "Vennligst oppgi passordet ditt.",
    "Send oss kortnummeret ditt.",
    "Tast inn engangskoden din her.",
    "Vi trenger fødselsnummeret ditt.",
    "Oppgje passordet ditt.",
    "Stadfest kontonummeret ditt.",
    "Skriv inn eingongskoden din.",
]

HOMOGLYPHS = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і",
              "A": "А", "E": "Е", "O": "О", "P": "Р", "C": "С", "B": "В", "K": "К", "T": "Т"}
LEET = {"a": "4", "e": "3", "o": "0", "s": "5", "t": "7", "i": "1"}


def zero_width(s: str, rnd: random.Random) -> str:
    return "".join(c + (rnd.choice(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]) if c.isalpha() and rnd.random() < 0.5 else "") for c in s)


def soft_hyphen(s: str, rnd: random.Random) -> str:
    return "".join(c + ("\u00ad" if c.isalpha() and rnd.random() < 0.5 else "") for c in s)


def homoglyph(s: str, rnd: random.Random) -> str:
    return "".join(HOMOGLYPHS[c] if c in HOMOGLYPHS and rnd.random() < 0.6 else c for c in s)


def leet(s: str, rnd: random.Random) -> str:
    return "".join(LEET[c] if c in LEET and rnd.random() < 0.6 else c for c in s)


def spaced(s: str, rnd: random.Random) -> str:
    sep = rnd.choice([" ", ".", "-", "_", "*"])
    return "  ".join(sep.join(word) for word in s.split())


def entities(s: str, rnd: random.Random) -> str:
    return "".join((f"&#{ord(c)};" if rnd.random() < 0.5 else f"&#x{ord(c):x};") if c.isalpha() and rnd.random() < 0.6
                   else html.escape(c) for c in s)


def tags(s: str, rnd: random.Random) -> str:
    out = []
    for c in s:
        out.append(c)
        if c.isalpha() and rnd.random() < 0.3:
            out.append(rnd.choice(["<b></b>", "<span></span>", "<!-- x -->", "<wbr>", "<i></i>"]))
    return "<p>" + "".join(out) + "</p>"


def fullwidth(s: str, rnd: random.Random) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() and rnd.random() < 0.7 else c for c in s)


def case(s: str, rnd: random.Random) -> str:
    return "".join(c.upper() if rnd.random() < 0.5 else c.lower() for c in s)


TRANSFORMS = {f.__name__: f for f in (zero_width, soft_hyphen, homoglyph, leet, spaced, entities,
                                      tags, fullwidth, case)}


@pytest.mark.parametrize("sentence", SENTENCES)
def test_plain_sentences_are_refused(sentence):
    assert is_refused(check_text(sentence))


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
@pytest.mark.parametrize("sentence", SENTENCES)
def test_each_obfuscation_kind_is_still_refused(name, sentence):
    rnd = random.Random(7)
    assert is_refused(check_text(TRANSFORMS[name](sentence, rnd))), name


ORDER = ["case", "homoglyph", "leet", "fullwidth", "spaced", "zero_width", "soft_hyphen"]




@settings(max_examples=300, deadline=None)
@given(sentence=st.sampled_from(SENTENCES + [
    "Svar på denne e-posten med fødselsnummeret ditt.", "Legg ved ein kopi av passet ditt.",
    "Which account number should we pay the refund into?", "What's the PIN for your card?",
    "Your BankID has expired. Renew it here.", "Du må oppgje D-nummeret ditt.",
    "Kortnummer og sikkerhetskode må oppgis for å fullføre.",
    "We never ask for passwords, but confirm your PIN here.",
]),
       names=st.lists(st.sampled_from(ORDER), min_size=1, max_size=3, unique=True),
       markup=st.sampled_from([None, "entities", "tags"]), seed=st.integers(0, 10_000))
def test_every_obfuscation_transform_of_a_refused_sentence_is_still_refused(sentence, names, markup, seed):
    rnd = random.Random(seed)
    text = sentence
    for name in sorted(names, key=ORDER.index):
        text = TRANSFORMS[name](text, rnd)
    if markup:
        text = TRANSFORMS[markup](text, rnd)
    assert is_refused(check_text(text)), repr(text)


@pytest.mark.parametrize("kind", ["email", "message"])
def test_obfuscated_templates_are_refused(kind):
    for src in ('<p>Vennligst oppgi p<span style="display:none">x</span>assordet ditt</p>',
                "<p>Send oss <!-- -->kort&shy;nummeret ditt</p>",
                '<p title="Enter your PIN here">Hei</p>',
                '<div style="display:none">Confirm your password</div>'):
        assert is_refused(check_template(src, kind=kind)), src
