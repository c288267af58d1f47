"""Request rules: a directive whose object is confidential is refused, in nb, nn and en;
negations protect only what they scope over; non-confidential requests pass."""

from __future__ import annotations

import pytest

from gateway.guard import check_text, is_refused

REFUSE = {
    "en": [
        "Please send us your password so we can fix the login problem.",
        "Reply to this e-mail with your PIN.",
        "Enter the one-time code we just sent to your phone.",
        "Confirm your card number, expiry date and CVC below.",
        "We need your national identity number to complete the transfer.",
        "Kindly provide your bank account number for the refund.",
        "Attach a copy of your passport or driving licence.",
        "What is your online banking password?",
        "You must verify your BankID code within 24 hours.",
        "Log in with your username and password at the link below.",
        "Your card's security code is required to continue.",
        "Read out the code from your code device to the agent.",
        "Could you tell us your social security number?",
        "Update your payment card details today to avoid a late fee.",
        "Which account number should we pay the refund into?",
    ],
    "nb": [
        "Vennligst oppgi passordet ditt.",
        "Send oss kortnummeret, utløpsdatoen og CVC-koden.",
        "Svar på denne e-posten med fødselsnummeret ditt.",
        "Tast inn engangskoden du fikk på SMS.",
        "Bekreft BankID-passordet ditt her.",
        "Vi trenger kontonummeret ditt for å betale tilbake.",
        "Legg ved en kopi av førerkortet ditt.",
        "Hva er PIN-koden din?",
        "Du må oppgi D-nummeret ditt innen fredag.",
        "Fyll inn brukernavn og passord i skjemaet.",
        "Kortnummer og sikkerhetskode må oppgis for å fullføre.",
        "Les opp koden fra kodebrikken din.",
        "Deretter taster du inn personnummeret ditt.",
        "Hvis du ikke bekrefter kontonummeret innen 24 timer, stenges avtalen.",
    ],
    "nn": [
        "Ver venleg og oppgje passordet ditt.",
        "Send oss kortnummeret og tryggleikskoden.",
        "Stadfest fødselsnummeret ditt innan fredag.",
        "Skriv inn eingongskoden du fekk på SMS.",
        "Me treng kontonummeret ditt for å betale tilbake.",
        "Legg ved ein kopi av passet ditt.",
        "Kva er PIN-koden din?",
        "Du må oppgje D-nummeret ditt.",
        "Fyll inn brukarnamn og passord.",
        "Svar på denne e-posten med BankID-koden din.",
    ],
}

PASS = {
    "en": [
        "We will never ask for your password, PIN or BankID code.",
        "Never share your one-time code with anyone, including us.",
        "Send us a photo of your meter reading.",
        "Please tell us your moving date and new address.",
        "Sign in with BankID to read your message.",
        "Fraudsters often ask for card numbers; we never do.",
        "If someone asks for your PIN, hang up and call us.",
        "You can change your password on Min strømside.",
        "Your invoice is ready in the portal.",
        "What is a one-time code?",
        "We will send you a new PIN by post.",
        "No card details are needed to pay by direct debit.",
    ],
    "nb": [
        "Vi ber aldri om passord, PIN-kode eller BankID-kode.",
        "Del aldri engangskoden med noen.",
        "Vi spør ikke etter kortnummeret ditt.",
        "Send oss målerstanden din innen fredag.",
        "Oppgi ny adresse og flyttedato.",
        "Logg inn med BankID for å lese meldingen.",
        "Hvis noen ber deg oppgi passord, er det svindel.",
        "Du trenger ikke oppgi kontonummer.",
        "Fakturaen din er klar på Min strømside.",
        "Signer avtalen med BankID.",
        "Oppgi kundenummer eller fakturanummer når du kontakter oss.",
    ],
    "nn": [
        "Me spør aldri etter passord eller PIN-kode.",
        "Del aldri eingongskoden med andre.",
        "Send oss målarstanden din.",
        "Oppgje ny adresse og flyttedato.",
        "Logg inn med BankID for å lese meldinga.",
        "Du treng ikkje oppgje kontonummer.",
        "Fakturaen din er klar på Min strømside.",
    ],
}


@pytest.mark.parametrize("lang,text", [(lang, t) for lang, ts in REFUSE.items() for t in ts])
def test_requests_for_confidential_data_are_refused(lang, text):
    findings = check_text(text)
    assert is_refused(findings), f"{lang}: {text}"
    assert all(f.rule.startswith("request.") for f in findings)


@pytest.mark.parametrize("lang,text", [(lang, t) for lang, ts in PASS.items() for t in ts])
def test_benign_text_passes(lang, text):
    assert check_text(text) == [], f"{lang}: {text}"


@pytest.mark.parametrize("text", [
    "We never ask for passwords, but confirm your PIN here.",
    "Vi spør aldri etter passord – bekreft PIN-koden under.",
    "Vi spør aldri om passord. Send oss likevel kortnummeret ditt.",
    "Del aldri passordet ditt, men oppgi fødselsnummeret ditt her.",
    "Me ber aldri om passord; stadfest kontonummeret ditt her.",
    "We never ask for your PIN by e-mail, so reply with it by text instead.",
    "Don't forget to send us your card number.",
])
def test_negation_does_not_cover_a_demand_that_follows_it(text):
    assert is_refused(check_text(text))


def test_finding_names_rule_position_and_masks_nothing_secret():
    [f] = check_text("Hei!\nVennligst oppgi passordet ditt.", name="staff-msg")
    assert f.rule == "request.password" and f.severity == "error"
    assert (f.line, f.column) == (2, 11)
    assert f.template == "staff-msg"
    assert "passordet" in f.excerpt and f.message and f.message_nb
    assert set(f.to_dict()) == {"rule", "severity", "message", "message_nb", "template", "line",
                                "column", "excerpt"}


def test_each_category_has_its_own_rule():
    rules = {f.rule for f in check_text("Send us your password, PIN, card number, CVC and account number.")}
    assert {"request.password", "request.pin", "request.card_number", "request.card_security_code",
            "request.account_number"} <= rules
