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
    # typing, adding or updating data in our app or on the page the reader is using
    "into_our_app": [
        "Legg inn det nye kortet ditt under Betaling i appen, så trekker vi neste faktura derfra.",
        "Koden fra SMS-en skriver du bare inn i appen vår.",
        "Oppdater kortopplysningane dine i appen under Betaling.",
        "Skriv inn eingongskoda i appen når du koplar til ladeboksen.",
        "Add your new bank card in the app under Payments.",
        "We have sent you a code by text. Type it on the web page where you started the change.",
        "Log in to the app with your own password to see the new prices.",
    ],
    # a code that belongs to a harmless thing by a preposition
    "harmless_code": [
        "Koden til porten ved trafostasjonen står i SMS-en fra montøren. Gi den til den som skal lese av.",
        "Skriv inn koda frå velkomstbrevet for å kople målaren til kontoen.",
        "Enter the activation code printed inside the lid of the wallbox.",
    ],
    # someone else asks: our app, a web page, the customer's bank
    "other_asker": [
        "Appen vil be om ein kode første gong du loggar inn; den koden treng ikkje vi.",
        "When you sign the contract with BankID, your bank asks you for your password. That is normal.",
        "Spør ei nettside om BankID-passordet ditt utanfor bankvindauget, lukk sida.",
        "The app will ask for your PIN during setup; we never need it.",
    ],
    # a need in a reason clause; "you" as the subject of a request verb
    "reason_and_own_request": [
        "Vi lagrer kontonummeret ditt så lenge avtalen varer, fordi vi trenger det for utbetalinger.",
        "Me tek vare på fødselsnummeret ditt sidan me treng det for å melde deg inn hos nettselskapet.",
        "If you didn't request a new password, ignore this e-mail; your password stays the same.",
    ],
    # the reader's own acts: a failed attempt, data given to scammers, typing at a time of their own
    "own_acts": [
        "Du har tastet feil PIN-kode tre ganger, så vent en time.",
        "Me ser at du har prøvd feil passord fleire gonger. Tilbakestill det sjølv.",
        "Hvis du har gitt kortnummeret ditt til svindlere, ring banken og sperr kortet.",
        "If you've entered your card details on a dodgy site, call your bank.",
        "Check the address bar before you type your password.",
        "Før du taster inn PIN-koden, sjekk at adressa stemmer.",
        "Vi har sett at du har byttet bankkort, og trekker fra det nye kortet.",
        "You can switch from password to passkey under Settings.",
        "Hugs at PIN-koden til kortet og koden til ladeboksen er to ulike ting.",
        "We're updating our terms on how we store account numbers; nothing is required from you.",
    ],
    "described": [
        "The number on your invoice that starts with your customer number is the KID.",
        "Send oss et bilde av måleren med tallene tydelig.",
        "Kva tal viser målaren akkurat no?",
        "The tax office uses your national ID number; we get it from the population register.",
    ],
    "conditions_and_questions": [
        "Så snart flyttedatoen er registrert hos oss, sender vi bekreftelse.",
        "Når meldingen kommer hit, svarer vi innen to dager.",
        "What was your favourite part of the new app?",
        "Vi bruker ikke sikkerhetsspørsmål som «Hva het ditt første kjæledyr?».",
        "We're only waiting on one item from you: the meter reading.",
    ],
    "handed_over": [
        "Fødselsnummeret ditt brukes av oss bare til å identifisere deg.",
        "Your account number is used by us only to pay out refunds.",
        "Engangskoden skal bare tastes inn av deg selv på innloggingssiden.",
        "Innlogging skjer med BankID.",
    ],
    # pages and devices of ours or of others; what not to use; the card as a means of payment
    "pages_devices_instead": [
        "Skriv inn engangskoden på registreringssiden for å fullføre kontoen.",
        "Type the code from the text on the login page to finish.",
        "I appen går du til Betaling og legg inn det nye kortet ditt.",
        "In the app, go to Payment to replace your card.",
        "Under innloggingen vil BankID be deg skrive inn passordet ditt – det skjer hos BankID, ikke hos oss.",
        "Når du handlar i nettbutikken, ber betalingsterminalen om kortnummer og CVC.",
        "Varmepumpa krever at du lager en egen konto med passord i produsentens app.",
        "The charger's own app needs a password that you create yourself.",
        "Bruk BankID på mobil i staden for kodebrikke, så slepp du å ha brikka med deg.",
        "Use BankID on your phone instead of a code device.",
        "Du kan betale med Vipps eller bankkort i kundesenteret vårt.",
        "You can pay with your bank card at the front desk.",
        "Bruk PIN-koden i brevet for å aktivere portalen første gang.",
        "Use the code in the letter to activate your account in the app.",
        "We keep the phone numbers of the tenants you add.",
        "Vi lagrer bare de fire siste sifrene av kortnummeret ditt.",
        "Me ringjer aldri for å be om PIN-kode. Fortel dette gjerne til dei eldre i familien.",
        "We never ask for your password. Share this with your parents.",
        "Nokon ringjer og seier «Kva er PIN-koden din?». Legg på med ein gong.",
    ],
    # written after the sets, in their style: an app opened first, choosing a password, the digits
    # of a customer number
    "own_probes": [
        "Åpne appen, trykk på Profil og skriv inn det nye kontonummeret ditt der.",
        "Open the app, go to Payment and add your new card.",
        "Når du registrerer deg i appen, må du velje eit passord på minst tolv teikn.",
        "The last four digits of your customer number are enough when you call us.",
    ],
    "places_and_sources": [
        "Kodebrikka frå banken brukar du berre når du loggar inn i nettbanken.",
        "Bytte av navn på avtalen gjør du selv på Min side; vi trenger ikke fødselsnummeret ditt.",
        "Spør banken din om kontonummeret om du er usikker.",
    ],
    "own_probes_2": [
        "Remember: your password is yours alone. Change it in Settings if you think someone knows it.",
        "Sikkerhetsspørsmål som «Hva het ditt første kjæledyr?» er lette å gjette, så vi bruker dem ikke.",
        "Koda til nøkkelboksen får montøren av deg på sjølve dagen, ikkje av oss.",
    ],
    "channel_clause_number": [
        "Your bank account is on My page. Please reply with the number on your meter.",
        "Få du ein SMS som ber om koda di, send han til oss som skjermbilete – ikkje svar på han.",
    ],
    "own_probes_3": [
        "Kundeservice kan hjelpe deg med fakturaen utan at du oppgjev personnummer.",
        "We can sort out the invoice without you giving us your national ID number.",
        "Når du signerer med BankID, stadfestar du med passordet ditt i BankID-vindauget.",
    ],
    # a fourth round of own probes: the customer's own question in an FAQ, a definition, own use
    "own_probes_4": [
        "Hvorfor trenger dere fødselsnummeret mitt? Vi trenger det for å melde deg inn hos nettselskapet.",
        "Why do you need my bank account number? We use it only to pay out refunds.",
        "Kva er forskjellen på BankID-passord og PIN-kode?",
        "Passordet brukar du til BankID, PIN-koden til kortet.",
    ],
    # a fifth round of own probes: the BankID window, acts done at the bank
    "own_probes_5": [
        "Slik fungerer BankID: du oppgir fødselsnummeret ditt i BankID-vinduet, deretter passordet.",
        "Har du byttet telefon? Da må du aktivere BankID på nytt hos banken din.",
        "If your card is blocked, you renew it at your bank.",
    ],
    # a sixth round of own probes (English): "you'll" is "you"; a code sent by text is sent to the reader
    "own_probes_6": [
        "You'll need your BankID to sign the new contract, but you never need to share any codes with us.",
        "Your login code is sent by text each time you sign in on a new device. It's valid for 5 minutes.",
    ],
    "quoted_not_ours": [
        'Got a text telling you to "confirm your card number and CVC"? It wasn\'t from us.',
        "Fikk du en SMS som sa «bekreft kortnummeret ditt»? Den var ikke fra oss.",
    ],
}

REFUSE = {
    # a place of ours, the case file, staff; where the data comes from is not a third party asked
    "places_and_sources": [
        "The account number for the payout can be added at the bottom of this email.",
        "Kortnummer og CVC frå deg må liggje i saka før montøren kan bestillast.",
        "Personnummeret til leietakeren må foreligge hos oss før vi flytter avtalen.",
        "Fødselsnummeret til den nye eigaren må vere oss i hende innan fredag.",
        "Kopi av passet ditt, med personnummeret synlig, mangler fortsatt i saken om navneendring.",
        "Eingongskoda di vert lesen opp for sakshandsamaren når ho ringjer.",
        "Kortnummer og utløpsdato vert etterspurde i samband med fornyinga.",
        "Kva står det i vindauget på den vesle brikka frå banken?",
        "What number is showing on the small key fob from your bank right now?",
        "Your card's security code is the last thing the system needs.",
        "Send oss tallet som står på baksiden av kortet ditt.",
        "Du har fått en SMS fra oss nå. Den inneholder en kode. Send den tilbake hit.",
        "Når varselet kjem, skriv koda her i chatten.",
        "Just forward me the code you get there and I'll link the payment.",
        "oi den gjekk ikkje, prøv å sende passordet på nytt her i chatten",
    ],
    # a second round of own probes: codes that arrive, first pets and cars, schools
    "own_probes_2": [
        "Takk for praten! Som avtalt: send meg koden når den kommer.",
        "Kva heitte den første hunden din?",
        "Hvilken bil kjørte du først?",
        "Where did you go to primary school?",
    ],
    # asks that carry the words of the new benign frames: they stay refused
    "asks_near_frames": [
        "Åpne appen og send oss koden som står der.",
        "Logg inn i appen, kopier engangskoden og lim den inn i svaret her.",
        "Skriv passordet ditt i chatten, så logger jeg inn for deg i appen.",
        "Siden vi trenger kontonummeret ditt, send det i dag.",
        "Because we need your ID number, please send it today.",
        "Husk å sende oss kontonummeret ditt.",
        "Remember to reply with your PIN.",
        "Tips: svar med fødselsnummeret ditt, så går det raskere.",
        "Skriv koden fra velkomstbrevet og PIN-koden din i svaret.",
        "Send oss koden du får fra banken.",
        "Kva står det på brikka frå banken? Send det til meg.",
        "Your bank will ask for your password – please also send it to us.",
        "Fødselsnummeret ditt brukes av oss til å registrere deg, så send det i svaret.",
        "Du kan betale med kort: send oss kortnummer og utløpsdato.",
    ],
    "own_probes_6": [
        "Oppgi fødselsnumret ditt.",
        "Send kortnumret og kontonumret.",
        "You'll need to send us your PIN today.",
        "Your code is sent by text. Reply with it here.",
    ],
    "own_probes_5": [
        "Kan du oppgi det du bruker for å logge inn i nettbanken?",
        "Oppgi fødselsnummeret ditt i svaret, ikke i BankID-vinduet.",
        "Bekreft BankID-en din her, så slipper du å gå til banken.",
    ],
    "own_probes_4": [
        "Vi trenger fødselsnummeret ditt. Send det til meg.",
        "Kva er PIN-koden din?",
        "Hva er forskjellig fra sist? Send oss passordet ditt på nytt.",
    ],
    "channel_clause_number": [
        "Vi kan ikke flytte avtalen før vi har fått koden du fikk på SMS – send den som svar her.",
        "Det er ikkje nok med kundenummeret, me må òg ha personnummeret ditt.",
        "The refund goes to your bank account. Please reply with the number.",
        "Vi betaler ut til kontonummeret ditt. Svar med nummeret, så er det ordnet.",
    ],
    "own_probes_3": [
        "Without your personal ID number we can't register you, so please add it to your reply.",
        "Vi kan ikkje hjelpe deg utan at du oppgjev personnummeret ditt.",
        "Stadfest med passordet ditt i svaret her.",
    ],
    "own_probes": [
        "Vi trenger det du har valgt som personlig passord.",
        "Open the app and send us the code it shows.",
        "Send us the last four digits of your card.",
    ],
    "into_our_app": [
        "Send oss koden fra appen.",
        "Oppdater kortopplysningene dine ved å svare på denne e-posten.",
        "Log in with your password here: the link below.",
        "Vi kan ikke betale ut før du taster inn kortnummeret ditt.",
        "Before you type anything else, send us your password.",
    ],
    # conditions: the data reaching or registered with us, a condition's own clause, "har fått"
    "conditions": [
        "Så snart fødselsnummeret ditt er registrert hos oss, kan tilskuddet utbetales.",
        "Viss kontonummeret ditt kjem hit før fredag, får du pengane i helga.",
        "As soon as your card details are sent to us, the order goes through.",
        "Once your national ID number is on file with us, we can apply the discount.",
        "Når du har sendt oss engangskoden, låser vi opp kontoen på Min side.",
        "Når eg har fått passordet ditt, loggar eg inn for deg.",
    ],
    # a need without its object, then the object
    "need_then_object": [
        "Vi venter bare på én ting. Kontonummeret ditt.",
        "We're only waiting on one item from you. Your PIN.",
        "For å fullføre gjenstår én ting. Passordet ditt til nettbanken.",
        "For å åpne kontoen igjen gjelder følgende: BankID-passordet og engangskoden.",
        "Could you read me the code you just got?",
        "Would you read out the code that just came through?",
    ],
    # security questions asked as questions about the reader's own history
    "security_questions": [
        "Please confirm your memorable place.",
        "Tell us your favourite childhood book to prove it's you.",
        "What was the surname of your first teacher?",
        "Hva var navnet på gata der du bodde som barn?",
        "Oppgje kva gate du budde i då du var ti år.",
        "Kva heitte bestefar din på morssida?",
        "Hvor traff du ektefellen din?",
        "Tell us the street where your grandparents lived.",
    ],
    # data described by who issued it, where it is, what it looks like, what it is used for
    "described": [
        "We need the number the tax office uses to identify you.",
        "Send oss nummeret som starter med fødselsdatoen din.",
        "Oppgje datoen du er fødd og dei fem siffera som kjem etter.",
        "Let me have the account details your wages go into.",
        "Kva for eit nummer står på bankkortet ditt?",
        "Kva står det med opphøgde tal på framsida av kortet? Skriv det her.",
        "Could you give me the month and year printed on your card?",
        "What are the four numbers you key in at the till?",
        "Kva tal viser den vesle dosa akkurat no? Skriv dei inn her.",
        "What number is showing on the small key fob right now?",
        "Please reply with whatever you type in to log in to your online bank.",
        "Hva bruker du for å komme inn i nettbanken? Send det til oss.",
        "Me treng det løynlege ordet du brukar.",
        "Fotografer kortet og legg bildet ved i svaret.",
        "can you snap a pic of ur bankcard and send it over",
        "any chance u can forward me that 6 digit txt?",
    ],
    "pages_devices_instead": [
        "Send oss engangskoden i stedet for passordet.",
        "Pay the fee with your card number and CVV in a reply to this e-mail.",
        "Bruk PIN-koden din til å svare på denne e-posten.",
        "Send us your PIN. We need it to activate the account.",
        "Send oss passordet ditt, så fortel me det til montøren.",
    ],
    "other_asker": [
        "Vi ber deg om passordet ditt.",
        "We ask you for your PIN to finish this.",
        "Fordi vi trenger kontonummeret ditt, må du sende det i dag.",
    ],
    # the login to the online bank, informal and dialect forms, nynorsk inflections
    "lexicon": [
        "Kan du sende meg innlogginga til nettbanken, så set eg opp avtalegiro?",
        "Trenger login til nettbanken din for å sette opp eFaktura.",
        "could you send ur online banking login so we can switch on e-invoice",
        "Send oss nettbankinnloggingen din i dag.",
        "bankid pw'en din trenger jeg, bare send",
        "shoot me the bankid pass and I'll sort it",
        "ok treng pnr'en din, kan du skrive det",
        "Ta bilete av passe ditt og send det til oss.",
        "Legg ved bilde av bankkorte.",
        "Skriv inn dei 16 siffera på framsida av kortet ditt.",
        "CVV-koda må sendast til oss i dag.",
        "Photos of the card, front and back, must be sent to us.",
    ],
    # a passive that hands the data to us, or a secret used by us
    "handed_over": [
        "Din nye BankID-kode, den du får tilsendt om litt, ønskes videresendt til oss.",
        "The one-time code, which arrives in a moment, is to be forwarded to this address.",
        "Passordet ditt til Min side blir brukt av oss til å koble måleren, så det bør sendes hit.",
        "Your BankID password will be used by our agent only to sign the power of attorney.",
        "Eingongskoda vert brukt av sakshandsamaren vår når ho ringjer deg.",
    ],
    "harmless_code": [
        "Send oss PIN-koden din og målerstanden.",
        "Oppgi engangskoden fra SMS-en.",
    ],
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
