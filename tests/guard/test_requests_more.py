"""More request-rule cases: phishing-style phrasings and benign service text (nb, nn, en)."""

from __future__ import annotations

import pytest

from gateway.guard import check_text, is_refused

REFUSE = [
    'For å bekrefte identiteten din ber vi deg sende oss bilde av bankkortet ditt.',
    'Svar med de fire siste sifrene i personnummeret ditt.',
    'Kan du gi meg passordet ditt, så logger jeg inn for deg?',
    'Trykk på lenken og legg inn kortopplysningene dine.',
    'Kontoen din er sperret. Logg inn og bekreft kortnummeret for å låse opp.',
    'Vi har ikke mottatt betalingen. Oppgi kortnummer og CVV for å betale nå.',
    'Husk å sende oss kontonummeret ditt innen fredag.',
    'Før avtalen kan aktiveres, må vi ha kopi av passet ditt.',
    'Oppgi følgende: fullt navn, fødselsnummer og kontonummer.',
    'Please confirm the following details: username, password and date of birth.',
    'To receive your refund, reply with your bank account number and sort code.',
    'Your account has been suspended. Verify your identity by entering your card number and PIN.',
    'Kindly forward the verification code you received via SMS.',
    'We require a scan of your driving licence before we can proceed.',
    'Simply reply to this message with your BankID password.',
    'In order to process the refund we will need your IBAN.',
    'Please have your PIN ready and read it to our agent when they call.',
    'Type your one-time password in the box below.',
    'Answer this e-mail with your D-number and date of birth.',
    'Could you send over a photo of your passport?',
    'Skriv kortnummeret ditt i svaret.',
    'Gje oss fødselsnummeret ditt i svaret.',
    'Me må ha kontonummeret ditt før fredag.',
    'Du må stadfeste passordet ditt for å halde fram.',
    'Ver venleg og send oss ein kopi av førarkortet ditt.',
    'Vi trenger å vite PIN-koden din.',
    'Jeg trenger engangskoden som du nettopp fikk på SMS.',
    'Fortell meg koden fra kodebrikken.',
    'Oppgi ditt kortnummer, utløpsdato og CVC i feltet under.',
    'Hvis du vil ha pengene tilbake, må du oppgi kontonummeret ditt.',
    "You'll need to confirm your PIN before we can continue.",
    'It is necessary that you provide your national identity number.',
    'We kindly ask you to enter your card details on the following page.',
    'Send the code you received to this address.',
    'Tap the link and sign in with your username and password.',
    'For verification purposes, please reply with your full card number.',
    "We can't process your refund until you send us your account number.",
    'Help us keep your account safe by confirming your password.',
    'Your BankID has expired. Renew it here.',
    'Your card will be blocked unless you update your card details.',
    'I need the six-digit code from your app to finish the setup.',
    "What's the PIN for your card?",
    'Provide the name of your bank and your account number.',
    'Oppgi bankkontonummer for utbetaling.',
    'Vi ber om at du sender oss fødselsnummeret ditt.',
    'Det er nødvendig at du oppgir PIN-koden din.',
    'Du må legge inn kortinformasjonen på nytt.',
    'Klikk her for å bekrefte passordet ditt.',
    'For å få refusjon må du oppgi kontonummeret ditt.',
    'Bekreft innloggingsopplysningene dine via lenken.',
    'Du blir bedt om å oppgi BankID-passordet ditt i neste steg.',
    'Send bilde av førerkortet ditt til kundeservice.',
    'Legg ved kopi av gyldig legitimasjon.',
    'Kva er kortnummeret ditt?',
    'Oppgje kortnummeret og utløpsdatoen.',
    'Ver snill og skriv inn PIN-koden din her.',
    'Vi treng ein kopi av passet ditt.',
    'Klikk her for å stadfeste passordet ditt.',
    'For å få pengane tilbake må du oppgje kontonummeret ditt.',
    'Send oss D-nummeret ditt så snart som mogleg.',
]

PASS = [
    'Vi sender aldri e-post der vi ber om passord, PIN eller BankID-kode.',
    'Banken din vil aldri be deg oppgi PIN-koden.',
    'Ikke oppgi kortnummer på nettsider du ikke stoler på.',
    'Hvis du har mistet kortet, ring banken din.',
    'PIN-koden til ladeboksen står på klistremerket.',
    'Du kan betale fakturaen med kort på Min strømside.',
    'Logg inn på Min strømside med BankID for å se avtalen din.',
    'Vi bruker fødselsnummeret ditt bare til å identifisere deg i Folkeregisteret.',
    'Vi har mottatt kontonummeret ditt og betaler tilbake innen fem dager.',
    'Ditt kundenummer er 123456.',
    'Svar på meldingen hvis du har spørsmål om fakturaen.',
    'Send oss gjerne et bilde av strømmåleren.',
    'Oppgi målepunkt-ID og målerstand.',
    'Du trenger ikke å sende oss noen personlige opplysninger.',
    'Please do not reply with any passwords or card details.',
    'We will never call you and ask you to read out a code.',
    'To protect your account, never tell anyone your BankID password.',
    'Your password must be at least 12 characters long.',
    'Update your contact details on Min strømside.',
    'If you forgot your password, you can sign in with BankID instead.',
    'You will receive a one-time code by SMS when you sign in.',
    'Enter your meter reading on the portal.',
    'Please provide your new address and the date you move.',
    'Tell us your preferred payment date.',
    'We received your card payment, thank you.',
    'Kortbetalingen er registrert.',
    'Me vil aldri spørje etter passordet ditt.',
    'Ikkje del eingongskoden med nokon.',
    'Du treng BankID for å logge inn.',
    'Kontakt kundeservice om du har spørsmål om kontoen din.',
    'Vi har endret kontonummeret vårt. Betal til det nye kontonummeret som står på fakturaen.',
    'Remember that we never ask for your ID number by e-mail.',
    'Beware of messages that ask you to confirm your card details.',
    'Nettfiskere utgir seg ofte for å være strømselskapet og ber om kortnummer.',
    'Enter the code shown on the screen of your charging station.',
    'The security code on the back of your card should never be shared.',
    'Vi ringer deg aldri for å be om PIN-kode.',
    'Vi vil aldri be deg om å oppgi passord via e-post eller SMS.',
    'Hvis du får en e-post som ber deg oppgi kortnummer, slett den.',
    'Dersom noen ringer og spør etter engangskoden din, legg på.',
    'Del aldri BankID-passordet ditt, heller ikke med oss.',
    'Vi trenger ikke kontonummeret ditt; tilbakebetalingen skjer automatisk.',
    'Du trenger bare BankID for å logge inn.',
    'Det er ikke nødvendig å oppgi fødselsnummer.',
    'Kundeservice spør aldri om passordet ditt.',
    'Vi har sendt deg en engangskode på SMS for innlogging på Min strømside.',
    'Engangskoden er gyldig i 10 minutter.',
    'You never need to tell us your PIN.',
    'Nobody from Eksempel Kraft will ask for your password.',
    'Never give out your card details over the phone.',
    'If anyone asks for your BankID code, it is a scam.',
    'We have updated our privacy policy.',
    'Your new invoice is available in the portal.',
    'Do not share your one-time code, not even with us.',
    'Our staff will never ask you to read out your code.',
    'Please enter the portal with BankID and read your message.',
    'Ingen fra oss vil noen gang spørre etter kortnummeret ditt.',
    'Me spør aldri om kontonummeret ditt på e-post.',
    'Om nokon ber deg om passordet ditt, ta kontakt med oss.',
    'Du treng ikkje sende oss kopi av passet.',
    'Vi har registrert flyttedatoen din. Send oss gjerne målerstanden på flyttedagen.',
    'Fyll inn ny e-postadresse på Min side.',
    'Skriv inn målerstanden din i portalen.',
    'Bekreft at du har lest vilkårene.',
    'Confirm that you have read the terms.',
    'Your PIN code for the app has been reset. Use BankID to sign in.',
]


@pytest.mark.parametrize("text", REFUSE)
def test_phishing_style_requests_are_refused(text):
    assert is_refused(check_text(text))


@pytest.mark.parametrize("text", PASS)
def test_service_text_and_warnings_pass(text):
    assert check_text(text) == []


@pytest.mark.parametrize("text", [
    "Never share your code with anyone but us.",
    "Del aldri engangskoden med andre enn oss.",
    "Unless you confirm your PIN, your account will be closed.",
    "Med mindre du bekrefter kortnummeret, stenges avtalen.",
    "Passordet ditt må bli bekreftet i dag.",
    "We never ask for your PIN, but we do need your card number.",
    "We can't process your refund until you send us your account number.",
])
def test_exceptions_and_conditions_that_still_demand(text):
    assert is_refused(check_text(text))


@pytest.mark.parametrize("text", [
    "Passordet ditt er oppdatert.",
    "Never share your password with anyone.",
    "If you change your password, you will be signed out of the app.",
])
def test_statements_about_confidential_things_pass(text):
    assert check_text(text) == []


@pytest.mark.parametrize("text,refused", [
    ("We never ask for your password, only your PIN.", True),
    ("Vi spør ikke om passordet ditt, bare kortnummeret.", True),
    ("Me spør ikkje etter passord, berre kontonummeret ditt.", True),
    ("Vi ber aldri om passord, bare om målerstand.", False),
    ("Never share your PIN, only your customer number.", False),
    ("We never ask for your password, but your bank might ask for your PIN.", False),
    ("Banken din vil aldri be om PIN-koden.", False),
])
def test_not_this_but_that(text, refused):
    assert is_refused(check_text(text)) is refused


NYNORSK_REFUSE = [
    'Me ynskjer at du sender oss fødselsnummeret ditt.',
    'Gløym ikkje å sende oss kontonummeret ditt.',
    'Ver venleg og fyll ut skjemaet med personnummer og kontonummer.',
    'Bed om at du stadfestar brukarnamnet og passordet ditt.',
    'Last opp eit bilete av førarkortet ditt her.',
    'Les opp koden frå kodebrikka di.',
    'Me bed deg om å oppgje kortnummeret og tryggleikskoden.',
    'Du må gje oss passordet ditt for at vi skal kunne hjelpe deg.',
    'Kan du sende meg eingongskoden du fekk på SMS?',
    'Skriv inn BankID-passordet ditt i feltet under.',
    'Dersom du ikkje stadfestar kontonummeret innan fredag, vert avtalen avslutta.',
    'For å få refusjon må me ha kontonummeret ditt.',
    'Tast inn PIN-koden din for å stadfeste betalinga.',
    'Send inn ein kopi av passet ditt saman med søknaden.',
    'Vi treng fødselsnummeret til alle som bur i husstanden.',
    'Glem ikke å sende oss kontonummeret ditt.',
]

NYNORSK_PASS = [
    'Me vil aldri be deg om å oppgje passord eller PIN-kode.',
    'Del aldri eingongskoden din med nokon.',
    'Om nokon ber deg om BankID-passordet, er det svindel.',
    'Me spør ikkje etter kortnummeret ditt på e-post.',
    'Du treng ikkje sende oss kopi av førarkortet.',
    'Logg inn med BankID for å lese meldinga di.',
    'Send oss målarstanden innan fredag.',
    'Oppgje den nye adressa di og flyttedatoen.',
    'Fakturaen er tilgjengeleg på Min strømside.',
    'Kontakt oss om du har spørsmål om fakturaen din.',
    'Ingen frå oss vil nokon gong spørje etter passordet ditt.',
    'Ikkje oppgje kortnummer på nettsider du ikkje stolar på.',
    'Svar på denne meldinga om du vil endre avtalen.',
    'PIN-koden til ladeboksen står på klistremerket.',
    'Me har registrert kontonummeret ditt for utbetaling.',
]


@pytest.mark.parametrize("text", NYNORSK_REFUSE)
def test_nynorsk_requests_are_refused(text):
    assert is_refused(check_text(text))


@pytest.mark.parametrize("text", NYNORSK_PASS)
def test_nynorsk_service_text_passes(text):
    assert check_text(text) == []


@pytest.mark.parametrize("text,refused", [
    ("Have your account number ready when you call us.", True),
    ("Ha BankID-koden klar når vi ringer.", True),
    ("Please have your card number handy.", True),
    ("Ha målernummeret klart når du ringer.", False),
    ("Du trenger ikke ha noe klart.", False),
    ("We have your account number on file.", False),
    ("Ha BankID klar når du skal signere avtalen.", False),
])
def test_have_it_ready(text, refused):
    assert is_refused(check_text(text)) is refused


PHISHING_EN = [
    'Action required: verify your payment information to keep your service active.',
    'To avoid interruption of your electricity supply, please submit your card details within 48 hours.',
    'Respond to this email with your full name, address and social security number.',
    'Our system requires you to re-enter your password.',
    'Click the button below and log in using your online banking credentials.',
    'Send a selfie holding your passport.',
    'We were unable to charge your card. Reply with a new card number and the 3-digit code on the back.',
    'Please forward the SMS code you just received to this address.',
    'Help us verify your identity: what is your date of birth and personal identity number?',
    'The refund can only be issued once you provide your IBAN.',
    'Before we can move your contract, we need a scanned copy of your driving licence.',
    'Just reply with the PIN you use for your bank card.',
    'Tell us the last four digits of your card number.',
    'Enter your BankID one-time code to approve the refund.',
    'You are required to confirm your BankID password.',
]

LOOKALIKE_BENIGN_EN = [
    'Action required: read your new message in Min strømside.',
    'To avoid interruption, pay your invoice by the due date.',
    'Respond to this message in the portal if anything is unclear.',
    'Our system will never ask you to re-enter your password.',
    'Click the button below and sign in with BankID.',
    'Send us a photo of the meter display.',
    'We were unable to charge your card. Please pay the invoice in the portal instead.',
    'You will receive an SMS code when you sign in; enter it only in the BankID app.',
    'Help us improve: what do you think of our service?',
    'The refund will be paid to your registered account within five days.',
    'Before we can move your contract, we need your new address and moving date.',
    'Just reply with the date that suits you.',
    'Tell us which day suits you for the meter replacement.',
    'Approve the sign-in in your BankID app.',
    'You are required to read the updated terms.',
]


@pytest.mark.parametrize("text", PHISHING_EN)
def test_english_phishing_phrasings_are_refused(text):
    assert is_refused(check_text(text))


@pytest.mark.parametrize("text", LOOKALIKE_BENIGN_EN)
def test_english_lookalike_service_text_passes(text):
    assert check_text(text) == []


def test_offering_the_value_as_enough_is_a_request():
    assert is_refused(check_text("You don't have to send a copy of your passport; your national ID number will do."))
    assert check_text("BankID is enough to sign in.") == []


def test_a_code_we_texted_is_a_one_time_code() -> None:
    # Found in a held-out spot check: "texted" was not taken as the context that makes "code" an OTP.
    from gateway.guard import check_text, is_refused

    assert is_refused(check_text("Reply to this message with the six-digit code we just texted you."))
    assert not is_refused(check_text("We texted you a code. Never share it with anyone."))
