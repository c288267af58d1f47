"""The sixth round of issue 11: rules tightened and widened by mechanism (docs/guard.md, "Sixth
round"). Each mechanism has examples in bokmål, nynorsk and English that pass, and the asks next
to them that stay refused. None is a sentence of the blind sets. The rules alone are judged here
(a rule id other than request.statistical)."""

from __future__ import annotations

import pytest

from gateway.guard import check_text
from gateway.guard.findings import ERROR


def rules_refuse(text: str) -> bool:
    return any(f.severity == ERROR and f.rule != "request.statistical" for f in check_text(text))


PASS = {
    # what we hold about the reader (GDPR): a subordinator belongs to the receiving clause only
    # when it stands right before its subject
    "privacy_we_hold": [
        "Du har rett til innsyn i hvilke opplysninger vi har om deg, blant annet fødselsnummer og kontonummer.",
        "Du har rett til innsyn i kva opplysningar me har om deg, til dømes fødselsnummeret ditt.",
        "You have the right to see what we hold about you, including your bank account number.",
    ],
}

REFUSE = {
    "privacy_we_hold": [
        "Så snart vi har kontonummeret ditt, betaler vi tilbake.",
        "Straks me har fått fødselsnummeret ditt, kan me registrere deg.",
        "Once we have your card number we can process the refund.",
        "Please fill in the form, including your account number.",
        "We need a few details, including your personal number.",
    ],
    "described_code": [
        "Les opp tallet som står på kodebrikken.",
        "Kva stod i SMS-en me sende deg? Skriv det her.",
        "Hva sto i SMS-en vi sendte deg? Skriv det inn her.",
        "What did the text we sent you say? Type it in here.",
    ],
}


@pytest.mark.parametrize("text", [t for ts in PASS.values() for t in ts])
def test_passes(text: str) -> None:
    assert not rules_refuse(text), text


@pytest.mark.parametrize("text", [t for ts in REFUSE.values() for t in ts])
def test_refused(text: str) -> None:
    assert rules_refuse(text), text
