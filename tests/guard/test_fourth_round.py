"""The fourth round of issue 11 (two blind sets, setA and setB): each mechanism with examples in
bokmål, nynorsk and English that are refused and that pass. These are the examples in
docs/guard.md ("Fourth round"); none is a sentence of the blind sets."""

from __future__ import annotations

import pytest

from gateway.guard import check_text, is_refused

REFUSE = {
    "negation_scope": [
        "Du trenger ikke ringe oss – det holder at du sender kortnummeret her.",
        "Det tek ikkje meir enn eit minutt: skriv kontonummeret ditt i svaret.",
        "Don't worry about the fee, we'll waive it once you've sent your CVC.",
        "We can't release the refund until we see a copy of your passport.",
        "Saken kan ikke avsluttes uten at vi får personnummeret ditt.",
        "Since you don't have BankID with you we can use your security question – what's the answer?",
    ],
    "object_first": [
        "Koden fra appen leses opp til meg når jeg ringer.",
        "Kodane frå SMS-en skal gjevast til oss, ikkje skrivast ned.",
        "Card details must be reconfirmed after the upgrade.",
        "PIN-koden din.\nDen trenger vi for å bekrefte avtalen.",
    ],
    "condition": [
        "Har vi kopi av førerkortet ditt før fredag, rekker vi å starte leveransen.",
        "Når fødselsnummeret ditt er registrert hos oss, får du pengane.",
        "As long as your IBAN reaches us by Friday, you'll be paid before Christmas.",
        "Access is restored once we've verified your CVC and expiry date.",
        "Har du kortnummeret for hand, kan eg ta betalinga no.",
    ],
    "described": [
        "Les opp de fire tallene du taster i minibanken.",
        "Kva står det i vindauget på den vesle kodebrikka di?",
        "Need the number from the text we just sent you, the one with six digits.",
        "Skriv når kortet går ut og koden ved siden av signaturen.",
        "Give us the number of the account where you want the money.",
        "Oppgi nummeret du fikk da du ble født.",
        "Fotografer begge sider av plastkortet og last opp bildene.",
    ],
    "cross_sentence": [
        "Vi sender deg en kode nå. Den må du gi videre til rådgiveren.",
        "Du får straks ein kode på SMS.\n\nDen les du opp for meg.",
        "We've just sent you a text. Whatever it says, type it back here.",
        "Kva stod i meldinga vi sende deg? Dei seks tala, altså.",
    ],
    "informal": [
        "gimme the pin and we're done",
        "whats ur personal numbr?",
        "Skriv inn pasord og brukernavn.",
        "Hva står i CVC-feltet bak på kortet?",
        "Kortnummer?",
    ],
    "security_question": [
        "Hvilken gate vokste du opp i?",
        "Kvar vart faren din fødd?",
        "Your mother's birth surname, please.",
        "Which primary school did you go to?",
        "Din mors fødenavn, takk.",
        "Løynd spørsmål: namnet på det første kjæledyret ditt.",
    ],
    "normaliser": [
        "Stadfest Ƅankid-koden din.",
        "Oppgi ꓑꓲꓠ-koden din.",
    ],
    "leak": [
        "Jeg har notert: Navn: Kari Nordmann, fødselsnummer 01019010046.",
        "Card on file: 4111 1111 1111 1111, exp 09/28.",
        "Takk! Eg har skrive ned kontonr. 1503.27.10007 til utbetalinga.",
    ],
}

PASS = [
    "PIN-koden er berre for deg, så gje han aldri til nokon.",
    "Your PIN is only for shops and cash machines; never give it out on the phone.",
    "Engangskoden skal du bare bruke i BankID-vinduet, aldri i en e-post.",
    "Du slipper å sende oss kontonummeret; legg det inn på Min side.",
    "Our privacy policy explains how we handle the ID number we receive from BankID.",
    "Send oss talet på displayet til straummålaren.",
    "The pick-up code for the parcel is in the SMS from Posten.",
    "The code for your charger is on the card in the box.",
    "Si fra hvis du ikke kjenner igjen innloggingen. Da kan du bytte passord på Min strømside.",
    "Oppgi kundenr. og adr. for flyttingen.",
    "Vi bruker ikke sikkerhetsspørsmål; du logger inn med BankID.",
    "Får du en e-post om «mislykket betaling» som ber deg oppgi kortnummer, er den ikke fra oss.",
    "Oppgi fødselsnummer på SMS? Nei! Det ber vi aldri om.",
    "Der taster du passordet ditt – aldri hos oss.",
    "Du sendte oss kortnummeret ditt i forrige melding; vi har slettet det.",
    "Vi får fødselsnummeret ditt automatisk fra Folkeregisteret.",
    "Bruk ulike passord på ulike tjenester, gjerne med en passordbehandler.",
    "Pay the amount to our account 1503.27.10007 before the due date.",
    "Blir de 842 kronene overført til deg i dag?",
]


@pytest.mark.parametrize("text", [t for k, texts in REFUSE.items() if k != "leak" for t in texts])
def test_refused(text):
    assert is_refused(check_text(text)), text


@pytest.mark.parametrize("text", REFUSE["leak"])
def test_leaks_are_refused_where_staff_type_free_text(text):
    """The console's check (leaks=True) refuses a full value; billing's notices may carry the
    customer's own data to the portal, so its check (the default) passes it."""
    assert is_refused(check_text(text, leaks=True)), text
    assert not any(f.rule.startswith("leak.") for f in check_text(text)), text


@pytest.mark.parametrize("text", PASS)
def test_passes(text):
    assert not is_refused(check_text(text, leaks=True)), [f.rule for f in check_text(text, leaks=True)]


def test_a_leak_finding_says_what_to_do_instead_and_masks_the_value():
    (f,) = check_text("Card on file: 4111 1111 1111 1111, exp 09/28.", leaks=True)
    assert f.rule == "leak.card_number"
    assert "Instead" in f.message and "heller" in f.message_nb
    assert "4111 1111 1111 1111" not in f.excerpt


def test_the_needle_scan_finds_exactly_the_needles_present():
    """phrasing.described looks for its needles with one trie-shaped scan; it must find exactly
    the needles a plain substring test finds (corpora, and random strings built from needles)."""
    import json
    import random
    from pathlib import Path

    from gateway.guard import phrasing as P
    from gateway.guard.normalize import normalize

    here = Path(__file__).parent
    texts = [normalize(json.loads(line)["source"])[0]
             for name in ("corpus.jsonl", "corpus_phrasing.jsonl", "corpus_written.jsonl")
             for line in (here / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    rnd = random.Random(11)
    needles = list(P._ALL_NEEDLES)
    for _ in range(2000):
        parts = [rnd.choice(needles)[: rnd.randint(1, 12)] for _ in range(rnd.randint(1, 6))]
        texts.append(rnd.choice(["", " ", "x"]).join(parts))
    for t in texts:
        plain = frozenset(n for n in needles if n in t)
        found = {m.group(1) for m in P._NEEDLE_RX.finditer(t)}
        assert frozenset().union(*(P._PREFIXES[n] for n in found)) == plain, t
