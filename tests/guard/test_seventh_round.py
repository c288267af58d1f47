"""The seventh round of issue 11: the rules' false alarms, by mechanism (docs/guard.md, "Seventh
round"). Each mechanism has examples in bokmål, nynorsk and English that pass, and the asks next
to them that stay refused. None is a sentence of the blind sets (setAK, setAL). The rules alone
are judged here (a rule id other than request.statistical)."""

from __future__ import annotations

import pytest

from gateway.guard import check_text
from gateway.guard.findings import ERROR


def rules_refuse(text: str) -> bool:
    return any(f.severity == ERROR and f.rule != "request.statistical" for f in check_text(text))


PASS = {
    # 1. self-service in our app, in steps: the step into the app may be the sentence before, a
    # clause coordinated with the typing, or the page of our payment provider; the passive too
    "steps_in_our_app": [
        "Vil du endre kortet? Gå til Betaling i appen og legg inn det nye kortet der.",
        "Vil du byte kort? Opne Betaling i appen og legg til det nye kortet ditt der.",
        "Want to change your card? Open Payment in the app and add the new card there.",
        "Slik bytter du passord: åpne Innstillinger i appen. Der må du først skrive inn det gamle passordet.",
        "Slik byter du passord: opne Innstillingar i appen. Der må du fyrst skrive inn det gamle passordet.",
        "To update your password, open Settings in the app. You'll have to type your current password first.",
        "Du legger inn kortopplysningene på betalingsleverandørens sikre side.",
        "You'll type your card details on our payment provider's secure page.",
        "Engangskoden skal bare tastes inn i appen vår.",
        "Eingongskoda skal berre tastast inn i appen vår.",
        "The code is only to be typed into our app.",
        "To update your password, open Settings in the app.",
        "For å oppdatere kortet, gå til Betaling i appen.",
    ],
    # 2. how a login works: the reader's steps in the bank's own window, login methods offered
    # as alternatives, the login or a login page as the asker, a password checked by the bank
    "how_login_works": [
        "Innlogging med BankID går slik: du taster fødselsnummeret, deretter koden fra brikken.",
        "Innlogging med BankID fungerer slik: du skriv inn fødselsnummeret, så eingongskoda.",
        "Logging in with BankID works like this: you type your national ID number, then the one-time code.",
        "BankID på mobil fungerer ved at du bekrefter med PIN-koden din på telefonen.",
        "BankID on mobile works by sending a prompt to your phone, where you confirm with your PIN.",
        "Koden du får fra banken, taster du inn i bankens eget vindu.",
        "Koda du får frå banken, skriv du inn i bankens eige vindauge.",
        "You type the code from your bank into the bank's own window, not ours.",
        "PSD2 krev sterk autentisering, difor får du ei kode frå banken din når du betalar med kort.",
        "Etter oppdateringen må du logge inn på nytt med passordet ditt eller BankID.",
        "After the update you'll need to log in again with your password or BankID.",
        "Hver innlogging ber om passordet ditt og en kode vi sender på SMS.",
        "Kvar innlogging ber om passordet ditt og ei kode me sender på SMS.",
        "Every login will ask for your password and a code we text you.",
        "Når du loggar inn med BankID hjå oss, vert passordet sjekka av banken, ikkje av oss.",
    ],
    # 3. the reader sent to a third party: contact the bank, take questions up with the tax office
    "third_party": [
        "Mister du kodebrikken, må du ta kontakt med banken din for å sperre den.",
        "Har du gløymt BankID-passordet, må du ta kontakt med banken din.",
        "Spørsmål om BankID-passordet må du ta med banken din.",
        "Questions about your national ID number you must take up with the tax office.",
        "Har du delt BankID-passordet ved et uhell, ring banken din med en gang.",
        "If you've shared your BankID password by mistake, call your bank and have it blocked.",
    ],
    # 4. numbers that are not confidential, described by their length
    "harmless_numbers": [
        "Målaren har eit målarnummer på åtte siffer. Les det opp for elektrikaren.",
        "Varmepumpa har et serienummer på ti siffer på typeskiltet. Les det opp for montøren.",
        "The meter has a serial number with ten digits. Read it out to the electrician.",
    ],
    # 5. statements of use and processing (GDPR): reason clauses, duties, what messages contain,
    # a need conceded and limited, what we hold listed
    "use_and_processing": [
        "Vi behandler fødselsnummeret ditt fordi det trengs for å melde leverandørbytte.",
        "Vi handsamar fødselsnummeret ditt fordi det trengst for å melde flytting.",
        "We process your national ID number because it is needed for the supplier switch.",
        "We are required to keep your account number for five years under the Bookkeeping Act.",
        "Kontonummeret du har oppgitt for utbetalinger, blir bare brukt til refusjoner.",
        "Ekte e-postar frå oss inneheld alltid namnet ditt og kundenummeret.",
        "Genuine e-mails from us always include your name and the last digits of your account number.",
        "Det stemmer at vi trenger kontonummeret ditt ved utbetaling, men vi ber aldri om det på e-post.",
        "It's true that we ask for your national ID number at sign-up, but we don't take it by email.",
        "What we hold about you: name, address, phone, email and your national ID number.",
    ],
    # 6. security advice: who holds it, a page that asks, a question someone else asks, a
    # message quoted by what it says, "ber deg om å ikkje …", advice leads of a label
    "security_advice": [
        "Bare du har passordet ditt og kodebrikken; banken kan ikke se det.",
        "Berre du har passordet og kodebrikka di; banken kan ikkje sjå det.",
        "Only you have your password and code device; your bank cannot see them.",
        "Ser du en nettside som ber om BankID-passordet ditt, sjekk adressen først.",
        "If a web page asks for your BankID password, check the address first.",
        "Ser du ei side som spør etter kortnummeret ditt etter at du klikka på ei lenkje i ein SMS, lukk sida.",
        "Hvis noen spør «hva er PIN-koden din?» på telefon, legg på.",
        "If anyone asks 'what's your mother's maiden name?' on the phone, it isn't us.",
        "Fekk du ei melding med «Oppgi kortnummeret ditt her»? Kontakt oss på vanleg måte.",
        "Got a text saying \"enter your card number here\"? Contact us the usual way.",
        "Vi ber deg om å ikke skrive fødselsnummeret i meldingsfeltet.",
        "Me ber deg om å ikkje skrive fødselsnummeret i meldingsfeltet.",
        "This month's reminder: your PIN and passwords are keys to your money. Keep them to yourself.",
    ],
    # 7. who is to know it: "skal bare du ha/kjenne"
    # conditions that wait for the data to reach us are asks (below); the data we send is not
    "sent_by_us": [
        "Så snart engangskoden er sendt på SMS, har du fem minutter på deg.",
        "Med en gang passordet ditt er endret, blir du logget ut av appen.",
        "When your one-time code is sent by text, type it in the app.",
        "Forutsatt at passordet ditt er sterkt, er kontoen godt beskyttet.",
        "Har du fortsatt ikke mottatt engangskoden, kan du be om en ny i appen.",
        "Once the PIN letter is sent, your card follows a few days later.",
        "Med ein gong koda er send til mobilen din, kan du logge inn.",
        "We haven't received your card number yet, and we never will: we don't store card numbers.",
        "Du kan lime inn koden frå SMS-en i appen.",
        "Paste the code from the text into the app.",
    ],
    "only_you": [
        "Den koden skal bare du kjenne.",
        "Kortopplysningane dine skal berre du ha.",
        "Your card details are yours alone. Only you should know them.",
    ],
}

REFUSE = {
    "steps_in_our_app": [
        "Gå til appen. Send oss så kortnummeret på e-post.",
        "Åpne appen. Skriv deretter kortnummeret ditt her.",
        "Open the app. Then type your card number in the reply.",
        "Opne appen og skriv inn passordet ditt i svaret til oss.",
        "Open the app and type your password in the reply.",
        "To change your password, open Settings in the app. Then e-mail us your current password.",
        "Enter your card number on this page.",
        "Enter your card details on the bank's page below.",
        "Engangskoden skal tastes inn i svaret til oss.",
        "Use this form to enter your card number.",
        "To update your card number, open the app and send it to us.",
        "Go to Payment in the app and type your card number at pay-secure.com.",
        "Gå til Betaling i appen og legg inn kortnummeret i svarfeltet under.",
        "Åpne Innstillinger i appen. Send deretter passordet ditt til kundeservice.",
    ],
    "how_login_works": [
        "BankID fungerer slik: du sender oss fødselsnummeret og passordet.",
        "Innlogginga fungerer slik: du skriv passordet ditt i svaret til oss.",
        "Login works like this: you type your password here.",
        "Logg inn med passordet ditt eller BankID her.",
        "Log in with your password or BankID at secure-login.com.",
        "Logg inn med BankID, passord og kode her.",
        "The login page asks for your password: reply with it here.",
        "Innloggingen krever passordet ditt, så send det til oss.",
        "BankID renewal works like this: you enter your password and code at bankid-renew.com.",
        "Slik fungerer fornyinga av BankID: du skriv inn passordet ditt på bankid-fornying.no.",
        "BankID fungerer slik: du taster fødselsnummeret og passordet i skjemaet under.",
    ],
    "third_party": [
        "Kodebrikken må du ta med til oss.",
        "Passordet må du logge inn med på lenken under.",
        "Passordet ditt må du gi til oss.",
        "Har du glemt passordet, send det gamle til oss.",
        "Har du mista kodebrikka, send oss koden som står på baksida.",
        "If you've shared your password with us by mistake, send us the new one too.",
        # "then" between the verb and its object (these passed before this round)
        "Kontakt banken din, og send oss deretter engangskoden.",
        "Ring banken din, og skriv så PIN-koden i svaret til oss.",
        "Call your bank, then reply to us with your PIN.",
    ],
    "harmless_numbers": [
        "Du får ein kode på seks siffer på SMS. Les den opp for meg.",
        "Ring oss og les opp koden.",
        "Call us and read out the code.",
    ],
    "use_and_processing": [
        "Me treng fødselsnummeret ditt fordi det trengst for å melde leverandørbyte.",
        "We need your personal ID number because it is needed to register a supplier switch.",
        "Your ID number is needed because it must be reported.",
        "Vi er pålagt å lagre fødselsnummeret ditt, så send det til oss.",
        "We're required to verify your national ID number, so reply with it.",
        "Kontonummer og fullt namn frå deg vert brukt til å opprette avtalen, så det må vere med i svaret.",
        "Open the e-mail and include your account number.",
        "Det stemmer at vi trenger fødselsnummeret ditt, men ikke før fredag, så send det da.",
        "It's true that we need your PIN, but don't worry about it.",
        "Please send name, address, phone, email and your national ID number.",
    ],
    "security_advice": [
        "Only you have to send us your PIN.",
        "Bare du har sendt oss kontonummeret, er alt i orden.",
        "Me ber deg om å skrive fødselsnummeret i meldingsfeltet.",
        "The app asks for your PIN: reply with it here.",
        "Sida spør etter kortnummeret ditt, så send det til oss.",
        "What's your mother's maiden name?",
        "«Stadfest kontonummeret ditt her» - gjer det i dag.",
        "Reminder: your PIN, please.",
    ],
    # a condition that waits for the data: "sendt inn", "kommer inn", "med en gang … er mottatt"
    "waits_for_data": [
        "Når fødselsnummeret er sendt inn, kan vi registrere flyttingen.",
        "Once your account number is sent in, the refund is paid.",
        "Forutsatt at kortnummeret kommer inn i dag, fortsetter abonnementet.",
        "Føresett at kontonummeret kjem inn før fredag, betaler me ut straumstøtta.",
        "Med en gang engangskoden din er mottatt, signerer vi avtalen for deg.",
        "Med ein gong PIN-koden din er motteken, aktiverer me kortet for deg.",
        # data we have not received yet is missing, not protected by the negation
        "Vi har fortsatt ikke mottatt kontonummeret ditt, så utbetalingen venter.",
        "We still haven't received your account number, so the refund is on hold.",
        "Kontonummeret ditt har me derimot ikkje motteke, og det må kredittavdelinga ha før avtalen vert aktivert.",
        # pasting ("lim inn", "paste") is typing; a genitive passport
        "Det holder at du limer inn engangskoden fra bankappen i svaret.",
        "Lim inn eingongskoda i svaret på denne e-posten.",
        "Vi trenger et tydelig bilde av passets bildeside.",
    ],
    "only_you": [
        "Den koden skal du sende til oss.",
        "PIN-koden skal du lese opp for meg.",
        "Only you know your password, so tell it to me and I'll fix it.",
        "Only you have your password, so please send it to us.",
        "Bare du kjenner passordet ditt, så send det til oss.",
    ],
}


@pytest.mark.parametrize("text", [t for ts in PASS.values() for t in ts])
def test_passes(text: str) -> None:
    assert not rules_refuse(text), text


@pytest.mark.parametrize("text", [t for ts in REFUSE.values() for t in ts])
def test_refused(text: str) -> None:
    assert rules_refuse(text), text
