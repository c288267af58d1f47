"""The eighth round of issue 11: the rules' false alarms, by mechanism (docs/guard.md, "Eighth
round"). Each mechanism has examples in bokmål, nynorsk and English that pass, and the asks next
to them that stay refused. None is a sentence of the blind sets (setAP, setAQ). The rules alone
are judged here (a rule id other than request.statistical)."""

from __future__ import annotations

import pytest

from gateway.guard import check_text
from gateway.guard.findings import ERROR


def rules_refuse(text: str) -> bool:
    return any(f.severity == ERROR and f.rule != "request.statistical" for f in check_text(text))


PASS = {
    # 1. a device's code printed on a label, a sticker or its box, a device's own password, and
    # chargers that ask for a charge tag's PIN
    "device_codes": [
        "Skriv inn PIN-koden som står på typeskiltet til varmepumpa.",
        "Skriv inn PIN-koden som står på klistremerket under lokket når du legg til laderen i appen.",
        "Når du kopler til ladaren, tastar du PIN-koden frå etiketten på undersida.",
        "Type the PIN from the label on the back of the heat pump into the app.",
        "Pair the wallbox with the app: enter the PIN printed on the sticker under the lid.",
        "Legg til laderen i appen og skriv inn PIN-koden som står på esken.",
        "Passordet til ruteren står på undersiden av den.",
        "The Wi-Fi password of the charging box is in the installation guide.",
        "Ladebrikka di har fått ny PIN-kode. Du treng han på offentlege ladarar som krev PIN.",
        "Den nye PIN-koden bruker du på ladere som krever PIN.",
        "Some public chargers require a PIN; your new charge tag comes with one.",
    ],
    # 2. confirming WITH a secret: the reader's own login in BankID, told as a statement with
    # "du/you" or in a time clause
    "confirm_with": [
        "Når du signerer avtalen, bekrefter du med BankID-passordet ditt i bankens vindu.",
        "Når du signerer flyttemeldinga, stadfestar du med passordet ditt i BankID.",
        "Ved signering godkjenner du med PIN-koden din i BankID-appen.",
        "Sjekk at referanseordet stemmer før du bekrefter med passordet ditt.",
        "Sjekk at referanseordet stemmer før du stadfestar med PIN-koden din.",
        "Check that the reference words match before you confirm with your BankID password.",
        "You approve the payment with your card PIN at the terminal, as usual.",
        "Signing works like this: you enter your national ID number and confirm in the BankID app with your PIN.",
    ],
    # 3. self-service in our app in steps: "Der/There …" after a sentence that puts the reader in
    # our app; "under My details / Mine opplysninger"
    "app_steps": [
        "Kortet endrer du i appen under Betaling. Der legger du inn det nye kortnummeret.",
        "Kortet endrar du i appen under Betaling. Der legg du inn det nye kortnummeret.",
        "You change your password in the app under Settings > Security. There you first type your current password.",
        "Update your bank account number under My details after you log in.",
        "Vil du ha refusjonen til en annen konto? Logg inn på Min side og oppdater kontonummeret under "
        "Mine opplysninger.",
        "Vil du ha pengane på ein annan konto? Logg inn på Mi side og oppdater kontonummeret under Mine opplysningar.",
    ],
    # 4. a secret the reader chooses or makes for themselves
    "own_choice": [
        "Første gang velger du en PIN-kode på fire sifre som du bruker til å åpne appen.",
        "Fyrste gongen vel du ein PIN-kode på fire siffer, som berre vert lagra på telefonen.",
        "The first time, you pick a four-digit PIN that you use to open the app. It is stored only on your phone.",
        "Lag et langt passord som du ikke bruker andre steder.",
        "Bruk eit eige passord til appen, gjerne ei heil setning.",
        "Use a separate password for My Page, at least twelve characters.",
    ],
    # 5. "customer account number": the account with us, not a bank account
    "customer_account": [
        "Have your customer account number ready when you call us.",
        "Send us your electricity account number and the meter reading, and we will register the move.",
        "What is your customer account no.? It is on the invoice.",
        "Please quote your utility account number in every letter.",
    ],
    # 6. the reader's own request for the data we hold (right of access)
    "own_request": [
        "You may request a copy of what we store about you, including your bank account number.",
        "Du kan be om innsyn i alt vi lagrer om deg, inkludert fødselsnummeret ditt, via skjemaet på Min side.",
        "Du kan be om innsyn i alt me lagrar om deg, inkludert fødselsnummeret ditt.",
    ],
    # 7. a statement of use with nynorsk "me" (we) as a subject
    "use_nn_we": [
        "Fødselsnummeret vert berre brukt når me må sjekke kreditt.",
        "Kontonummeret ditt vert berre brukt når me betalar tilbake for mykje innbetalt.",
        "Kontonummeret ditt blir bare brukt når vi skal betale tilbake noe til deg.",
        "The account number you registered is only used when we pay money back to you.",
    ],
    # 8. a quotation in single quotes with an apostrophe inside ("mother's")
    "quoted_with_apostrophe": [
        "Scammers may call and ask 'what's your first pet's name?'. Hang up: we never use security questions.",
        "If someone asks you 'what's your card's PIN?', it isn't us.",
    ],
    # 9. "sikkert" as "probably", the post as the channel of a PIN letter
    "probably_and_post": [
        "Du har sikkert fått en ny PIN-kode i posten. Ta vare på den og del den aldri.",
        "Du får ny PIN-kode i posten innan ei veke.",
        "Oppbevar PIN-koden sikkert.",
        "Hentekoden fra Posten står i SMS-en.",
    ],
    # 10. what is new in the recall mechanisms must not refuse these
    "near_recall": [
        "The meter reading is to be read out to our agent when they call.",
        "Ta eit bilete av begge sidene av målaren og send det til oss.",
        "Koden bak døra er 1234.",
        "Med BankID på plass logger du inn på sekunder.",
        "With your new password in place, you can log in again.",
        "Ka e ein engangskode?",
    ],
    # 11. the reader's own request after "you can": "You can request a copy …, including …"
    "you_can_request": [
        "You can ask for a copy of everything we store, including your account number and address.",
        "Du kan krevje innsyn i alt me har om deg, inkludert kontonummeret.",
    ],
    # 12. a heading noun before a colon ("App update:"), not an imperative
    "heading_noun": [
        "Security update: change your password in the app if you used it elsewhere.",
        "Product update: you can now reset your PIN for the charger in the app.",
    ],
    # 13. "it" after a login with BankID as the means is not BankID, nor a secret of an earlier sentence
    "bankid_as_means": [
        "The app locked after three wrong PIN attempts. Log in with BankID to unlock it.",
        "Appen vart låst etter tre feil PIN-forsøk. Logg inn med BankID for å låse han opp.",
    ],
    # 14. "Need a new PIN for your card?": the reader's own wish, answered by the bank
    "need_a_new": [
        "Need a new PIN for your credit card? Your bank will post one.",
        "Want a new password for the app? Tap 'Forgot password' on the login screen.",
    ],
    # 15. a quoted scam phrase called a red flag; data typed on a strange site
    "red_flag_and_strange": [
        "Messages like 'confirm your card number to avoid closure' are a red flag.",
        "Meldingar som «stadfest kortnummeret ditt» er eit raudt flagg.",
        "If you have entered your card details on a weird site, block the card at once.",
        "Har du tastet kortnummeret ditt på en merkelig side, sperr kortet med en gang.",
    ],
    # 16. the third party as "them"; a gift or loyalty card's number
    "them_and_gift_cards": [
        "Your D-number comes from the tax office. Ask them if you have lost it.",
        "Fødselsnummer vert tildelt av Folkeregisteret. Spør dei om du er usikker.",
        "Please send us the gift card number and we'll check the balance.",
        "Reply with your loyalty card number and we will add the missing points.",
    ],
    # 17. the reader's own practice and how a login works (nb/nn): unique passwords, "funker
    # sånn", the password you already have, a password's rules, generic "man", an infinitive as a
    # subject, the data protection officer as a third party
    "practice_and_rules": [
        "Ein passordhandsamar gjer det lett å ha unike passord.",
        "En passordbehandler gjør det lett å ha sterke passord.",
        "A password manager makes it easy to have unique passwords.",
        "BankID funker sånn: du taster engangskode og passord, og det gjør du selv.",
        "Appen har fått ny versjon – logg inn på nytt med passordet du allerede har.",
        "Passordet må ha minst 10 teikn og ein stor bokstav.",
        "Your password must have at least 12 characters and one capital letter.",
        "Slå på tofaktorinnlogging, så trenger man både passord og en kode på SMS for å logge inn.",
        "Å gje frå seg passordet er det same som å gje frå seg husnøkkelen.",
        "To share your PIN is to hand over your card.",
        "Har du spørsmål om fødselsnummeret ditt, kan du skrive til personvernombudet vårt.",
    ],
}

REFUSE = {
    "device_codes": [
        "Enter your PIN in the box below.",
        "Skriv PIN-koden din i boksen under.",
        "Send oss PIN-koden som står på kortet ditt.",
        "Type the code printed on the back of your card.",
        "Send us the PIN from the letter your bank sent you.",
        "Send oss passordet ditt og PIN-koden som står på boksen.",
        "Send oss passordet til nettbanken.",
        "Reply with your password for the online bank.",
        "Send us your Wi-Fi password and your BankID password.",
        "Oppgi PIN-koden din, den står på klistremerket du fikk fra banken.",
        "Offentlige ladere krever PIN, så send oss PIN-koden din.",
    ],
    "confirm_with": [
        "Bekreft med PIN-koden din.",
        "Confirm with your password by replying to this e-mail.",
        "Bekreft med BankID-passordet ditt i svaret.",
        "You confirm with your PIN here: https://evil.example.com",
        "You must confirm with your PIN today.",
        "Du må bekrefte med passordet ditt innen fredag.",
        "Log in and confirm with your PIN.",
        "Stadfest med PIN-koden din i skjemaet under.",
        "Du bekrefter med engangskoden ved å sende den til oss.",
    ],
    "app_steps": [
        "Du bytter passord i appen. Der skriver du passordet ditt i svaret til oss.",
        "You change your password in the app. There, reply to us with your current password.",
        "Du bytter passord i appen. Send oss så det gamle passordet.",
        "Update your account number under My details, or just reply with it here.",
        "Send us your account number. You can also update it under My details.",
    ],
    "own_choice": [
        "Velg et passord og send det til oss.",
        "Choose a new password and reply with it here.",
        "Lag en PIN-kode og skriv den her.",
        "Send us your PIN. Choose it carefully.",
        "Vel ein PIN-kode på fire siffer og send han til oss på SMS.",
    ],
    "customer_account": [
        "Please reply with your bank account number so that we can refund you.",
        "Send us your account number and your customer number.",
        "Reply with your customer number and your account number.",
        "Send us the customer's bank account number.",
    ],
    "own_request": [
        "We request a copy of your data, including your national identity number.",
        "Vi ber om opplysninger om deg, inkludert fødselsnummeret ditt.",
        "You can request the refund by sending us your details, including your account number.",
    ],
    "use_nn_we": [
        "Kontonummeret vert brukt når me betalar tilbake, så send det til me no.",
        "The account number is used for refunds, so send it to me today.",
        "Kontonummeret vert berre brukt av oss, så det må vere med i svaret.",
    ],
    "quoted_with_apostrophe": [
        "What is your mother's maiden name? We need it to reset your account.",
        "Please tell us your mother's maiden name, it's for the 'security check'.",
        "Reply with your card's PIN so we can 'verify' you.",
    ],
    "probably_and_post": [
        "Du har sikkert fått en PIN-kode i posten. Den må vi ha.",
        "Du har fått ein PIN i posten. Den treng me, så les han opp når me ringjer.",
        "You got a new PIN in the post last week. We need it, so read it out when we call.",
    ],
    # the recall mechanisms of the round
    "near_recall": [
        "Your one-time code is to be read out to our adviser on the phone.",
        "Engangskoden skal leses opp for rådgiveren vår når han ringer.",
        "Passordet til nettbanken blir krevd for å fullføre flyttingen.",
        "Påloggingsdetaljane dine vert kravde før me kan opne saka.",
        "Ta et bilde av begge sidene av kortet og send det til oss.",
        "Send oss kortnummeret og koden bak.",
        "Med fødselsnummeret ditt på plass kan vi fullføre flyttinga.",
        "With your card number in place, the refund goes out today.",
        "ka e pinkoden din?",
        "skriv inn engangskdoa her",
    ],
    "you_can_request": [
        "You can request the refund by sending us your details, including your account number.",
        "You can request a refund: send us your account number.",
    ],
    "heading_noun": [
        "Please confirm: your PIN.",
        "Update: send us your PIN today.",
        "Confirm: your card number and CVC.",
    ],
    "bankid_as_means": [
        "Your BankID has expired. Log in with BankID and renew it here.",
        "Det hemmelege ordet du brukar med BankID – send det til oss.",
    ],
    "need_a_new": [
        "Need a new PIN? Send us the old one first.",
        "Need your PIN to finish, reply with it.",
    ],
    "red_flag_and_strange": [
        "Phrases like 'send your password' are common. Send us your password.",
        "If you have typed your password on our strange new form, send it again to us.",
    ],
    "them_and_gift_cards": [
        "D-numbers are issued by the Tax Administration. Send it to us anyway.",
        "Ask them for your PIN and send it to us.",
        "Send us the gift card number and your bank card number.",
        "Send us your card number and we will check the gift card.",
    ],
    "practice_and_rules": [
        "Du må ha passordet ditt klart og sende det til oss.",
        "Vi må ha unike passord fra deg, send dem til oss.",
        "Logg inn med passordet du allerede har her: https://evil.example.com",
        "Svar med passordet du allerede har.",
        "Passordet må ha minst 10 tegn. Send det til oss i svaret.",
        "Vi trenger passordet ditt, man må ha det for å fullføre.",
        "Å sende oss passordet er lurt, så send det nå.",
        "Fødselsnummeret ditt kan du skrive til oss i svaret.",
    ],
}


@pytest.mark.parametrize("text", [t for ts in PASS.values() for t in ts])
def test_eighth_round_passes(text: str) -> None:
    assert not rules_refuse(text), text


@pytest.mark.parametrize("text", [t for ts in REFUSE.values() for t in ts])
def test_eighth_round_still_refused(text: str) -> None:
    assert rules_refuse(text), text


def test_confirm_with_in_a_threat_stays_refused() -> None:
    for text in ("Saken lukkes etter to døgn med mindre du bekrefter med passordet ditt.",
                 "Saka vert stengd i morgon dersom du ikkje stadfestar med PIN-koden din innan kl. 12.",
                 "Your account will be closed unless you confirm with your PIN."):
        assert rules_refuse(text), text
