"""The broad ask (issue 11, third round): a sentence naming confidential data with the form of an
ask and no benign frame is refused under the object's own rule, in nb, nn and en; benign frames
keep warnings, statements, self-service and the reader's own actions passing."""

from __future__ import annotations

import pytest

from gateway.guard import check_text, is_refused

REFUSED = [
    ("Vi er avhengige av å få BankID-koden din for å gjennomføre byttet.", "request.bankid"),
    ("Me er avhengige av å få BankID-koden din for å gjennomføra bytet.", "request.bankid"),
    ("Make sure we receive your bank account details by Friday.", "request.account_number"),
    ("Personnummer og kontonummer, takk – så er vi i mål.", "request.national_id"),
    ("Personnummeret ditt skal stå i emnefeltet når du svarar.", "request.national_id"),
    ("Card number, expiry date and CVC go into the fields below.", "request.card_number"),
    ("Passordet til nettbanken din er naudsynt for å fullføre tilbakebetalinga.", "request.password"),
    ("Får vi personnummeret ditt i retur, slepp du å ringje kundeservice.", "request.national_id"),
    ("Provided we receive your social security number by Monday, no fee will be charged.",
     "request.national_id"),
    ("Hei! Du får straks en engangskode. Den videresender du til denne adressen.",
     "request.one_time_code"),
    ("Til slutt: personnummeret ditt, så er saken ferdig fra vår side.", "request.national_id"),
    ("fødselsnumer må vere med i svaret elles får vi ikkje registrert deg", "request.national_id"),
    ("Nothing else is required, only your personal number and the CVC of your card.",
     "request.national_id"),
]

PASSES = [
    "Du kan se de fire siste sifrene i kortnummeret ditt på Min side.",
    "Me sender deg ein ny PIN-kode i posten innan fem yrkedagar.",
    "The account number for payment is on the invoice, and the KID number must be included.",
    "Koden du får på SMS, skal bare skrives inn i BankID-vinduet, aldri gis til andre.",
    "Lurer du på kvifor me treng fødselsnummeret ditt? Det krev lova for å inngå avtale.",
    "Got a text asking for your one-time code? It's a scam — delete it.",
    "Can you confirm that you have received the new PIN in the post?",
    "Enter your email address and we'll send you a link to create a new password.",
    "Du oppdaterer kontonummeret ditt selv på Min strømside under Innstillinger.",
    "Vi har registrert fødselsnummeret ditt i forbindelse med kredittsjekken, slik loven krever.",
]


@pytest.mark.parametrize(("text", "rule"), REFUSED)
def test_an_ask_in_any_form_is_refused_under_its_objects_rule(text, rule):
    findings = check_text(text)
    assert is_refused(findings), text
    assert rule in {f.rule for f in findings}
    f = next(f for f in findings if f.rule == rule)
    assert f.line == 1 and f.column >= 1 and f.excerpt
    assert "Instead" in f.message  # what to write instead


@pytest.mark.parametrize("text", PASSES)
def test_benign_frames_pass(text):
    assert check_text(text) == [], text
