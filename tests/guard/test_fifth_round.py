"""The fifth round of issue 11: the rules' false alarms cut by mechanism. Each mechanism has
examples in bokmål, nynorsk and English that now pass, and the asks next to them that must stay
refused. These are the examples in docs/guard.md ("Fifth round"); none is a sentence of the blind
sets. The rules alone are judged here (a rule id other than request.statistical)."""

from __future__ import annotations

import pytest

from gateway.guard import check_text
from gateway.guard.findings import ERROR


def rules_refuse(text: str) -> bool:
    return any(f.severity == ERROR and f.rule != "request.statistical" for f in check_text(text))


PASS = {
    "modal_governs": [
        "Du kan også være kunde hos oss med D-nummer.",
        "Koden står på lappen, og du kan bytte den i appen etterpå.",
        "You can change your password under Settings whenever you like.",
    ],
    "past_report": [
        "Du tastet feil PIN-kode fire ganger, så kortet er sperret en time.",
        "du har tasta feil eingongskode for mange gonger, vent litt",
        "You updated your password in the app yesterday evening.",
        "i førre veke sende du kontonummeret via skjemaet, og det er registrert",
    ],
    "reported_ask": [
        "Noen har fått en SMS i vårt navn. Den ber om «personnummer og kontonummer».",
        "Det går e-postar rundt som ber om BankID-passordet ditt. Slett dei.",
        "A text is going round. It asks for your card number and CVC – it's fake.",
        "Får du ei melding om å stadfeste kontonummeret, ring oss.",
        "Svindlere ringer og sier de er fra oss, og spør etter engangskoden din. Legg på.",
    ],
    "nearest_antecedent": [
        "PIN-koden skal du aldri gi til noen. Målerstanden vil vi derimot gjerne ha – send den i dag.",
    ],
    "denied_at_once": [
        "Lurer du på om vi trenger passordet ditt? Nei, det gjør vi ikke.",
        "Kvifor skulle me trenge PIN-koden din? Det gjer me ikkje.",
        "You asked if we need your ID number. We don't – your customer number will do.",
    ],
    "own_act": [
        "Logg inn på Min side med BankID for å se og endre kontonummeret ditt.",
        "Skriv passordet ned på et trygt sted – men send det aldri til noen.",
        "Keep your PIN secret and share it with no one, not even us.",
        "Har du skrive PIN-koden på ei falsk nettside, ring banken med ein gong.",
        "Du taster koden inn i lade-appen når laderen er montert.",
    ],
    "described_generally": [
        "Et norsk kontonummer har elleve sifre og blir ofte skrevet i grupper.",
        "Personopplysingslova krev at me slettar fødselsnummer me ikkje treng.",
        "Kan du sende dei fire siste sifra i ordrenummeret ditt?",
        "Gift voucher SPRING26 is valid until 30 April – type it in the code field.",
        "Det er bare du som skal kjenne PIN-koden din.",
        "Think your password has been leaked? Change it straight away.",
        "PIN-koden din trengs ikke – vi bruker BankID.",
    ],
    "staff_note": [
        "Note for agents: if a customer types their card number in chat, stop them politely.",
        "Notat til saksbehandlarane: be aldri kunden om BankID-koden.",
    ],
    "their_question": [
        "Kunden spurte om vi trenger fødselsnummeret hennes for å flytte avtalen.",
        "You can view and correct your details, including your account number, under My profile after logging in.",
    ],
}

REFUSE = [
    "Du kan sende oss kortnummeret ditt her.",
    "Skal du lese opp engangskoden for meg?",
    "Du sendte oss et bilde av passet i går, men det var uskarpt. Prøv igjen.",
    "Hvis du sender kortnummeret, går det raskere.",
    "Vi trenger PIN-koden din. Det gjør vi ikke for moro skyld.",
    "Send oss PIN-koden din. Vi gjør ikke dette ofte, men det haster.",
    "Montøren kommer i morgen. Han spør etter BankID-passordet ditt, så ha det klart.",
    "Skjemaet ber om fødselsnummeret ditt – fyll det ut i dag.",
    "Write down your username and password, then I can set it up for you.",
    "Får du stadfesta kontonummeret ditt i dag, kjem pengane i morgon.",
    "Skriv inn BankID-passordet ditt på nytt på lenka.",
    "Bare du oppgir kontonummeret ditt, er avtalen i orden.",
    "Kontonummeret ditt blir registrert når du sender det til oss.",
    "Your card number and expiry date, please.",
    "Note: please reply with your PIN.",
    "Notat: send oss passordet ditt.",
    "Vi lurer på om du kan sende oss kortnummeret ditt.",
    # recall: a passive need after the object
    "PIN-koden til kortet ønskes oppgitt i svaret.",
    "Kontonummeret ditt trengst før vi kan betale ut.",
    "Engangskoden forventes returnert innen fem minutter.",
]


@pytest.mark.parametrize("mechanism,text", [(m, t) for m, texts in PASS.items() for t in texts])
def test_passes(mechanism: str, text: str) -> None:
    assert not rules_refuse(text), (mechanism, text)


@pytest.mark.parametrize("text", REFUSE)
def test_still_refused(text: str) -> None:
    assert rules_refuse(text), text
