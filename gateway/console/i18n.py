"""Every text the console shows, in bokmål (nb) and English (en)."""

from __future__ import annotations

LANGUAGES = ("nb", "en")
DEFAULT = "nb"
LANGUAGE_NAMES = {"nb": "Norsk bokmål", "en": "English"}

_T: dict[str, tuple[str, str]] = {
    "site": ("Kundeservice-konsollen", "Staff console"),
    "skip": ("Gå til hovedinnhold", "Skip to main content"),
    "nav": ("Hovedmeny", "Main menu"),
    "home": ("Finn kunde", "Find a customer"),
    "sign_out": ("Logg ut", "Sign out"),
    "language": ("Språk", "Language"),
    "signed_in_as": ("Innlogget som {name} ({role})", "Signed in as {name} ({role})"),
    "role_agent": ("kundebehandler", "agent"),
    "role_template_admin": ("maladministrator", "template admin"),
    "role_auditor": ("revisor", "auditor"),
    "role_admin": ("administrator", "admin"),
    "sign_in_title": ("Logg inn i konsollen", "Sign in to the console"),
    "email": ("E-post", "E-mail"),
    "password": ("Passord", "Password"),
    "password_again": ("Passord en gang til", "Password again"),
    "next_step": ("Neste", "Next"),
    "sign_in": ("Logg inn", "Sign in"),
    "sign_in_failed": ("Feil e-post eller passord.", "Wrong e-mail or password."),
    "oidc_sign_in": ("Logg inn med firmakontoen", "Sign in with the company account"),
    "oidc_failed": ("Innloggingen gjennom firmakontoen ble ikke godtatt.",
                    "The sign-in through the company account was not accepted."),
    "oidc_no_mfa": ("Firmakontoen må logge inn med to faktorer før du kan bruke konsollen.",
                    "The company account must sign in with two factors before you can use the console."),
    "code_failed": ("Koden stemmer ikke. Prøv igjen.", "The code is not right. Try again."),
    "locked": ("For mange mislykkede forsøk. Vent en stund og prøv igjen.",
               "Too many failed attempts. Wait a while and try again."),
    "second_title": ("Andre faktor", "Second factor"),
    "totp_label": ("Kode fra autentiseringsappen (6 sifre)", "Code from your authenticator app (6 digits)"),
    "passkey_button": ("Bruk sikkerhetsnøkkel eller passnøkkel", "Use a security key or passkey"),
    "passkey_failed": ("Sikkerhetsnøkkelen ble ikke godtatt.", "The security key was not accepted."),
    "or": ("eller", "or"),
    "signed_out": ("Du er logget ut.", "You are signed out."),
    "expired": ("Økten er utløpt. Logg inn på nytt.", "Your session has expired. Please sign in again."),
    "enrol_title": ("Aktiver kontoen din", "Activate your account"),
    "enrol_bad_link": ("Lenken er ugyldig, brukt eller utløpt. Be en administrator om en ny.",
                       "The link is invalid, used or expired. Ask an administrator for a new one."),
    "enrol_password_intro": ("Velg et passord på minst {min} tegn. Vanlige passord blir avvist.",
                             "Choose a password of at least {min} characters. Common passwords are refused."),
    "password_short": ("Passordet er for kort.", "The password is too short."),
    "password_long": ("Passordet er for langt.", "The password is too long."),
    "password_common": ("Passordet er for vanlig eller lett å gjette.", "The password is too common or easy to guess."),
    "password_mismatch": ("Passordene er ikke like.", "The passwords do not match."),
    "enrol_totp_intro": ("Skann QR-koden med autentiseringsappen, eller skriv inn nøkkelen, "
                         "og oppgi koden appen viser.",
                         "Scan the QR code with your authenticator app, or type in the key, "
                         "and enter the code it shows."),
    "totp_key": ("Nøkkel", "Key"),
    "qr_label": ("QR-kode for autentiseringsappen", "QR code for the authenticator app"),
    "enrol_passkey_intro": ("Sterkere: registrer en sikkerhetsnøkkel eller passnøkkel i stedet.",
                            "Stronger: register a security key or passkey instead."),
    "passkey_register": ("Registrer sikkerhetsnøkkel", "Register a security key"),
    "confirm": ("Bekreft", "Confirm"),
    "enrolled": ("Kontoen er aktivert. Logg inn.", "Your account is active. Please sign in."),
    "find_title": ("Finn en kunde", "Find a customer"),
    "find_label": ("Kunde-ID, e-post eller fødselsnummer", "Customer id, e-mail or national identity number"),
    "find": ("Søk", "Search"),
    "not_found": ("Ingen kunde funnet.", "No customer found."),
    "customer": ("Kunde", "Customer"),
    "customer_id": ("Kunde-ID", "Customer id"),
    "name": ("Navn", "Name"),
    "preferred_language": ("Språk", "Language"),
    "compose": ("Skriv melding", "Write a message"),
    "compose_title": ("Ny melding til kunde {id}", "New message to customer {id}"),
    "category": ("Kategori", "Category"),
    "sensitivity": ("Sensitivitet", "Sensitivity"),
    "sens_normal": ("Vanlig", "Normal"),
    "sens_sensitive": ("Sensitiv (kategorien vises ikke i e-posten)",
                       "Sensitive (the e-mail does not name the category)"),
    "auth_level": ("Innloggingsnivå for å lese", "Sign-in level to read"),
    "level_substantial": ("Betydelig", "Substantial"),
    "level_high": ("Høyt (BankID)", "High (BankID)"),
    "template": ("Meldingsmal", "Message template"),
    "free_text": ("Fritekst", "Free text"),
    "template_data": ("Maldata (JSON)", "Template data (JSON)"),
    "subject": ("Emne", "Subject"),
    "body": ("Tekst", "Text"),
    "attachments": ("Vedlegg (PDF, PNG, JPEG, tekst, CSV)", "Attachments (PDF, PNG, JPEG, text, CSV)"),
    "guard_title": ("Innholdskontroll", "Content check"),
    "guard_ok": ("Ingen funn: teksten ber ikke om fortrolige opplysninger.",
                 "No findings: the text does not ask for confidential data."),
    "guard_refused": ("Meldingen kan ikke sendes før funnene er rettet.",
                      "The message cannot be sent until the findings are fixed."),
    "guard_hint": ("Teksten kontrolleres mens du skriver.", "The text is checked as you type."),
    "at": ("{field}, linje {line}, kolonne {column}", "{field}, line {line}, column {column}"),
    "preview": ("Forhåndsvis", "Preview"),
    "send": ("Send", "Send"),
    "preview_title": ("Forhåndsvisning", "Preview"),
    "preview_email": ("E-posten kunden får", "The e-mail the customer gets"),
    "preview_subject": ("Emne", "Subject"),
    "preview_text": ("Tekstversjon", "Text version"),
    "preview_html": ("HTML-versjon (kilde)", "HTML version (source)"),
    "preview_link_note": ("Lenken får meldingens ID når den sendes.",
                          "The link gets the message's id when it is sent."),
    "preview_portal": ("Siden kunden ser i Min strømside", "The page the customer sees in Min strømside"),
    "reattach": ("Velg vedleggene på nytt før du sender.", "Choose the attachments again before sending."),
    "sent_ok": ("Meldingen er sendt.", "The message has been sent."),
    "send_failed": ("Meldingen ble ikke sendt:", "The message was not sent:"),
    "messages": ("Meldinger", "Messages"),
    "no_messages": ("Ingen meldinger ennå.", "No messages yet."),
    "date": ("Dato", "Date"),
    "status": ("Status", "Status"),
    "forbidden_title": ("Ingen tilgang", "Access denied"),
    "forbidden_text": ("Du har ikke tilgang til dette, eller skjemaet var utløpt. Last siden på nytt.",
                       "You do not have access to this, or the form had expired. Reload the page."),
    "not_found_title": ("Siden finnes ikke", "Page not found"),
    "not_found_text": ("Vi fant ikke det du lette etter.", "We could not find what you were looking for."),
    "bad_request_title": ("Ugyldig forespørsel", "Bad request"),
    "error_title": ("Noe gikk galt", "Something went wrong"),
    "error_text": ("Prøv igjen om litt.", "Please try again in a moment."),
    "cat_invoice": ("Faktura", "Invoice"),
    "cat_reminder": ("Betalingspåminnelse", "Payment reminder"),
    "cat_contract": ("Avtale", "Contract"),
    "cat_support": ("Kundeservice", "Customer service"),
    "cat_general": ("Informasjon", "Information"),
    "inbox": ("Innboks", "Inbox"),
    "inbox_intro": ("Svar fra kunder som venter på oss, eldste først.",
                    "Customer replies waiting for us, oldest first."),
    "inbox_empty": ("Ingen svar venter.", "No replies are waiting."),
    "assigned_to": ("Tildelt", "Assigned to"),
    "nobody": ("ingen", "nobody"),
    "assign": ("Tildel", "Assign"),
    "attempts": ("forsøk", "attempts"),
    "read_at": ("Lest", "Read"),
    "thread": ("Samtale", "Conversation"),
    "customer_wrote": ("Kunden skrev", "The customer wrote"),
    "we_wrote": ("Vi skrev", "We wrote"),
    "no_replies": ("Ingen svar ennå.", "No replies yet."),
    "answer": ("Svar kunden", "Answer the customer"),
    "send_answer": ("Send svar", "Send answer"),
    "open": ("Åpne", "Open"),
    "held_title": ("Varselet er holdt tilbake", "The notification is held"),
    "held_text": ("E-postvarselet ble stoppet av innholdskontrollen. Send det (etter ny kontroll) eller avbryt det.",
                  "The notification e-mail was stopped by the content check. Release it (checked again) or cancel it."),
    "release": ("Send varselet", "Release"),
    "cancel": ("Avbryt varselet", "Cancel"),
    "audit_title": ("Revisjonslogg", "Audit log"),
    "audit_actor": ("Aktør", "Actor"),
    "audit_action": ("Handling", "Action"),
    "audit_subject": ("Gjelder", "Subject"),
    "audit_since": ("Fra og med dato", "From date"),
    "audit_until": ("Til dato", "Until date"),
    "audit_csv": ("Last ned som CSV", "Download as CSV"),
    "templates_title": ("Meldings- og e-postmaler", "Message and e-mail templates"),
    "templates_intro": ("Filene i templates/messages/ og templates/email/ er de gjennomgåtte standardene. "
                        "En lagret versjon blir gjeldende først når en annen maladministrator har godkjent den.",
                        "The files in templates/messages/ and templates/email/ are the reviewed defaults. "
                        "A saved version goes live "
                        "only when a second template admin has approved it."),
    "templates_waiting": ("Venter på godkjenning", "Waiting for approval"),
    "templates_none_waiting": ("Ingen versjoner venter.", "No versions are waiting."),
    "template_source": ("Malens tekst (Jinja; en meldingsmal har blokkene subject og body)",
                        "Template text (Jinja; a message template has the blocks subject and body)"),
    "template_check": ("Kontroller og forhåndsvis", "Check and preview"),
    "template_save": ("Lagre ny versjon", "Save a new version"),
    "template_saved": ("Versjonen er lagret og venter på godkjenning av en annen maladministrator.",
                       "The version is saved and waits for approval by another template admin."),
    "template_versions": ("Versjoner", "Versions"),
    "template_preview_data": ("Eksempeldata (JSON)", "Sample data (JSON)"),
    "template_previews": ("Forhåndsvisning på alle språk", "Preview in every language"),
    "template_refused": ("Malen ble avvist av innholdskontrollen og kan ikke lagres.",
                         "The content check refused the template; it cannot be saved."),
    "template_invalid": ("Ugyldig mal.", "Invalid template."),
    "template_blocks": ("Malen må ha blokkene subject og body.", "The template must have the blocks subject and body."),
    "template_unknown": ("Ukjent versjon.", "Unknown version."),
    "template_not_pending": ("Versjonen venter ikke på godkjenning.", "The version is not waiting for approval."),
    "template_four_eyes": ("Du kan ikke godkjenne din egen versjon; en annen maladministrator må gjøre det.",
                           "You cannot approve your own version; another template admin must."),
    "approve": ("Godkjenn", "Approve"),
    "reject": ("Avvis", "Reject"),
    "author": ("Forfatter", "Author"),
    "status_pending": ("venter", "pending"),
    "status_active": ("gjeldende", "active"),
    "status_superseded": ("erstattet", "superseded"),
    "status_rejected": ("avvist", "rejected"),
    "edit": ("Rediger", "Edit"),
    "field_source": ("Malen", "Template"),
    "field_subject": ("Emne", "Subject"),
    "field_body": ("Tekst", "Text"),
    # delivery feedback (bounces, undeliverable addresses, replies by e-mail)
    "notification": ("E-postvarsel", "Notification e-mail"),
    "bounced": ("avvist av mottakerens e-postserver", "bounced by the recipient's mail server"),
    "bounce_code": ("statuskode {code}", "status code {code}"),
    "undeliverable": ("E-postadressen er ikke leverbar siden {date}: varsler sendes ikke før adressen er endret.",
                      "E-mail address undeliverable since {date}: no notifications are sent until the address "
                      "is changed."),
    "email_attempt": ("Kunden prøvde å svare på e-post ({date}). Det kunden skrev, er ikke tatt vare på.",
                      "The customer tried to reply by e-mail ({date}). What they wrote was not kept."),
    "email_attempts_title": ("Forsøk på å svare på e-post", "Attempts to reply by e-mail"),
    "email_attempt_about": ("om meldingen fra {date}", "about the message of {date}"),
    "email_attempt_unknown": ("uten henvisning til en melding", "naming no message"),
    # erasure (admins)
    "erase_link": ("Slett kunden …", "Erase the customer …"),
    "erase_title": ("Slett kunde {id}", "Erase customer {id}"),
    "erase_intro": ("Slettingen kan ikke angres. Nøkkelen som gjør kundens data lesbare, blir ødelagt, så "
                    "ingenting av kundens data kan leses igjen, heller ikke fra sikkerhetskopier. Meldinger, svar, "
                    "vedlegg og saker slettes, varsler som venter, stoppes, og kunde-ID-en kan aldri brukes igjen.",
                    "Erasure cannot be undone. The key that makes the customer's data readable is destroyed, so "
                    "nothing of theirs can be read again, not even from backups. Messages, replies, attachments "
                    "and cases are deleted, pending notifications are cancelled, and the customer id can never "
                    "be used again."),
    "erase_confirm_label": ("Skriv kunde-ID-en ({id}) for å bekrefte", "Type the customer id ({id}) to confirm"),
    "erase_button": ("Slett kunden for godt", "Erase the customer for good"),
    "erase_mismatch": ("Kunde-ID-en du skrev, stemmer ikke. Ingenting er slettet.",
                       "The customer id you typed does not match. Nothing was erased."),
    "erased_title": ("Kunden er slettet", "The customer is erased"),
    "erased_text": ("Kunde {id} er slettet: {messages} meldinger slettet, {cancelled} varsler stoppet.",
                    "Customer {id} is erased: {messages} messages deleted, {cancelled} notifications cancelled."),
    "erased_already": ("Kunde {id} var allerede slettet. Ingenting mer å gjøre.",
                       "Customer {id} was already erased. Nothing more to do."),
    # privacy cases (admins)
    "cases_title": ("Personvernsaker", "Privacy cases"),
    "cases_intro": ("Kunders forespørsler om retting og sletting fra Min strømside, eldste først.",
                    "Customers' requests for correction and erasure from Min strømside, oldest first."),
    "cases_none": ("Ingen åpne saker.", "No open cases."),
    "case_title": ("Sak {id}", "Case {id}"),
    "case_id": ("Saksnummer", "Case id"),
    "case_kind": ("Type", "Kind"),
    "case_kind_correction": ("Retting", "Correction"),
    "case_kind_erasure": ("Sletting", "Erasure"),
    "case_status_open": ("åpen", "open"),
    "case_status_done": ("utført", "done"),
    "case_status_refused": ("avslått", "refused"),
    "case_created": ("Opprettet", "Created"),
    "case_answered_at": ("Besvart", "Answered"),
    "case_text": ("Kundens ord", "The customer's words"),
    "case_no_text": ("Kunden skrev ingen tekst.", "The customer wrote no text."),
    "case_answer": ("Svar på saken", "Answer the case"),
    "case_done": ("Utført", "Done"),
    "case_refused": ("Avslått", "Refused"),
    "case_reply": ("Svar til kunden (kommer som melding i Min strømside)",
                   "Reply to the customer (arrives as a message in Min strømside)"),
    "case_send": ("Send svaret og lukk saken", "Send the reply and close the case"),
    "case_answered": ("Saken er besvart. Kunden ser den nye statusen i Min strømside.",
                      "The case is answered. The customer sees the new status in Min strømside."),
    "case_already_answered": ("Saken er allerede besvart.", "The case is already answered."),
    "case_choose": ("Velg utført eller avslått.", "Choose done or refused."),
    "case_reply_missing": ("Skriv et svar til kunden.", "Write a reply to the customer."),
    "case_erase_instead": ("En slettesak utføres ved å slette kunden (det sletter også saken). Avslå den med en "
                           "begrunnelse hvis dataene må beholdes.",
                           "An erasure case is done by erasing the customer (which deletes the case too). "
                           "Refuse it with a reason if the data must be kept."),
    "case_answer_invalid": ("Svaret kunne ikke sendes.", "The reply could not be sent."),
}

_INDEX = {"nb": 0, "en": 1}


class Translator:
    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._i = _INDEX.get(lang, 0)

    def __call__(self, key: str, **kwargs: object) -> str:
        text = _T[key][self._i]
        return text.format(**kwargs) if kwargs else text


def translator(lang: str) -> Translator:
    return Translator(lang if lang in LANGUAGES else DEFAULT)


def from_accept_language(header: str | None) -> str:
    """English when the browser prefers it over Norwegian; bokmål otherwise."""
    for part in (header or "").split(",")[:20]:
        tag = part.split(";")[0].strip().lower().split("-")[0]
        if tag in ("nb", "no", "nn"):
            return "nb"
        if tag == "en":
            return "en"
    return DEFAULT


def all_keys() -> dict[str, tuple[str, str]]:
    return _T
