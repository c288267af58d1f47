"""Every text the portal shows, in bokmål (nb), nynorsk (nn) and English (en)."""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace

LANGUAGES = ("nb", "nn", "en")
DEFAULT = "nb"
LANGUAGE_NAMES = {"nb": "Norsk bokmål", "nn": "Norsk nynorsk", "en": "English"}

_T: dict[str, tuple[str, str, str]] = {
    # (nb, nn, en)
    "site": ("Min strømside", "Min straumside", "Min strømside"),
    "skip": ("Gå til hovedinnhold", "Gå til hovudinnhaldet", "Skip to main content"),
    "nav": ("Hovedmeny", "Hovudmeny", "Main menu"),
    "inbox": ("Innboks", "Innboks", "Inbox"),
    "my_data": ("Mine data", "Mine data", "My data"),
    "sign_out": ("Logg ut", "Logg ut", "Sign out"),
    "language": ("Språk", "Språk", "Language"),
    "change_language": ("Bytt språk", "Byt språk", "Change language"),
    "sign_in_title": ("Logg inn på Min strømside", "Logg inn på Min straumside", "Sign in to Min strømside"),
    "sign_in_intro": ("Her leser du meldingene våre til deg. Vi ber deg aldri om passord, koder eller "
                      "fødselsnummer på e-post.",
                      "Her les du meldingane våre til deg. Vi ber deg aldri om passord, kodar eller "
                      "fødselsnummer på e-post.",
                      "This is where you read our messages to you. We never ask for passwords, codes or "
                      "your national identity number by e-mail."),
    "sign_in_oidc": ("Logg inn med BankID eller MinID", "Logg inn med BankID eller MinID",
                     "Sign in with BankID or MinID"),
    "sign_in_high": ("Logg inn med BankID (høyt sikkerhetsnivå)", "Logg inn med BankID (høgt tryggleiksnivå)",
                     "Sign in with BankID (high security level)"),
    "oidc_unavailable": ("Innlogging er ikke satt opp.", "Innlogging er ikkje sett opp.",
                         "Sign-in is not configured."),
    "dev_title": ("Innlogging for utvikling", "Innlogging for utvikling", "Development sign-in"),
    "dev_note": ("Bare i utviklingsmiljøet: logg inn som en kunde uten identitetsleverandør.",
                 "Berre i utviklingsmiljøet: logg inn som ein kunde utan identitetsleverandør.",
                 "Development environment only: sign in as a customer without an identity provider."),
    "customer_id": ("Kunde-ID", "Kunde-ID", "Customer id"),
    "level": ("Sikkerhetsnivå", "Tryggleiksnivå", "Security level"),
    "level_substantial": ("Betydelig", "Betydeleg", "Substantial"),
    "level_high": ("Høyt", "Høgt", "High"),
    "sign_in": ("Logg inn", "Logg inn", "Sign in"),
    "signed_out": ("Du er logget ut.", "Du er logga ut.", "You are signed out."),
    "expired": ("Økten din er utløpt. Logg inn på nytt.", "Økta di har gått ut. Logg inn på nytt.",
                "Your session has expired. Please sign in again."),
    "sign_in_failed": ("Innloggingen mislyktes. Prøv igjen.", "Innlogginga mislukkast. Prøv igjen.",
                       "Sign-in failed. Please try again."),
    "sign_in_cancelled": ("Innloggingen ble avbrutt.", "Innlogginga vart avbroten.", "Sign-in was cancelled."),
    "no_customer": ("Vi finner ikke noe kundeforhold for deg.", "Vi finn ikkje noko kundeforhold for deg.",
                    "We cannot find a customer relationship for you."),
    "unknown_customer": ("Ukjent kunde-ID.", "Ukjend kunde-ID.", "Unknown customer id."),
    "step_up_title": ("Denne meldingen krever høyere sikkerhetsnivå",
                      "Denne meldinga krev høgare tryggleiksnivå",
                      "This message needs a higher security level"),
    "step_up_text": ("Logg inn på nytt med BankID for å lese den.",
                     "Logg inn på nytt med BankID for å lese ho.",
                     "Sign in again with BankID to read it."),
    "step_up_export": ("Nedlastingen inneholder meldinger som krever høyere sikkerhetsnivå. "
                       "Logg inn på nytt med BankID.",
                       "Nedlastinga inneheld meldingar som krev høgare tryggleiksnivå. Logg inn på nytt med BankID.",
                       "The download includes messages that need a higher security level. Sign in again with BankID."),
    "sign_in_again": ("Logg inn på nytt", "Logg inn på nytt", "Sign in again"),
    "protected_subject": ("Melding med høyt sikkerhetsnivå", "Melding med høgt tryggleiksnivå",
                          "Message with high security level"),
    "messages": ("Meldinger", "Meldingar", "Messages"),
    "no_messages": ("Du har ingen meldinger.", "Du har ingen meldingar.", "You have no messages."),
    "unread": ("Ulest", "Ulesen", "Unread"),
    "unread_count": ("uleste", "ulesne", "unread"),
    "subject": ("Emne", "Emne", "Subject"),
    "category": ("Kategori", "Kategori", "Category"),
    "date": ("Dato", "Dato", "Date"),
    "status": ("Status", "Status", "Status"),
    "read": ("Lest", "Lesen", "Read"),
    "page_of": ("Side {page} av {pages}", "Side {page} av {pages}", "Page {page} of {pages}"),
    "paging": ("Sider", "Sider", "Pages"),
    "previous": ("Forrige side", "Førre side", "Previous page"),
    "next": ("Neste side", "Neste side", "Next page"),
    "back_to_inbox": ("Tilbake til innboksen", "Tilbake til innboksen", "Back to the inbox"),
    "sent": ("Sendt", "Sendt", "Sent"),
    "attachments": ("Vedlegg", "Vedlegg", "Attachments"),
    "download": ("Last ned", "Last ned", "Download"),
    "thread": ("Samtale", "Samtale", "Conversation"),
    "no_replies": ("Ingen svar ennå.", "Ingen svar enno.", "No replies yet."),
    "you_wrote": ("Du skrev", "Du skreiv", "You wrote"),
    "we_wrote": ("Vi skrev", "Vi skreiv", "We wrote"),
    "reply": ("Svar", "Svar", "Reply"),
    "reply_label": ("Ditt svar", "Svaret ditt", "Your reply"),
    "reply_hint": ("Ikke skriv passord, koder eller kortnummer.", "Ikkje skriv passord, kodar eller kortnummer.",
                   "Do not write passwords, codes or card numbers."),
    "send_reply": ("Send svar", "Send svar", "Send reply"),
    "reply_sent": ("Svaret ditt er sendt.", "Svaret ditt er sendt.", "Your reply has been sent."),
    "reply_empty": ("Skriv et svar før du sender.", "Skriv eit svar før du sender.", "Write a reply before sending."),
    "reply_too_long": ("Svaret er for langt (høyst {max} tegn).", "Svaret er for langt (høgst {max} teikn).",
                       "The reply is too long (at most {max} characters)."),
    "reply_title": ("Svar på melding", "Svar på melding", "Reply to message"),
    "view_thread": ("Se hele samtalen", "Sjå heile samtalen", "See the whole conversation"),
    "my_data_intro": ("Dette er opplysningene vi har om deg, og hvor lenge vi tar vare på dem.",
                      "Dette er opplysningane vi har om deg, og kor lenge vi tek vare på dei.",
                      "This is the information we hold about you, and how long we keep it."),
    "contact": ("Kontaktopplysninger", "Kontaktopplysningar", "Contact details"),
    "name": ("Navn", "Namn", "Name"),
    "email": ("E-post", "E-post", "E-mail"),
    "national_id": ("Fødselsnummer", "Fødselsnummer", "National identity number"),
    "preferred_language": ("Foretrukket språk", "Føretrekt språk", "Preferred language"),
    "not_registered": ("Ikke registrert", "Ikkje registrert", "Not registered"),
    "what_we_keep": ("Hva vi lagrer", "Kva vi lagrar", "What we keep"),
    "keep_counts": ("{messages} meldinger, {attachments} vedlegg og {replies} svar. Alt innhold er kryptert.",
                    "{messages} meldingar, {attachments} vedlegg og {replies} svar. Alt innhald er kryptert.",
                    "{messages} messages, {attachments} attachments and {replies} replies. All content is encrypted."),
    "retention": ("Hvor lenge", "Kor lenge", "How long"),
    "retention_rule": ("Vi tar vare på opplysningene så lenge kundeforholdet varer, og i 5 år etter at siste "
                       "faktura er gjort opp. Deretter slettes de.",
                       "Vi tek vare på opplysningane så lenge kundeforholdet varer, og i 5 år etter at siste "
                       "faktura er gjord opp. Deretter blir dei sletta.",
                       "We keep the information while the customer relationship lasts, and for 5 years after "
                       "the last invoice is settled. Then it is deleted."),
    "relationship_active": ("Kundeforholdet ditt er aktivt.", "Kundeforholdet ditt er aktivt.",
                            "Your customer relationship is active."),
    "last_settled": ("Siste faktura gjort opp", "Siste faktura gjord opp", "Last invoice settled"),
    "relationship_ended": ("Kundeforholdet ble avsluttet", "Kundeforholdet vart avslutta",
                           "Customer relationship ended"),
    "kept_until": ("Opplysningene slettes", "Opplysningane blir sletta", "Information deleted on"),
    "kept_until_open": ("5 år etter at siste faktura er gjort opp, når kundeforholdet er avsluttet",
                        "5 år etter at siste faktura er gjord opp, når kundeforholdet er avslutta",
                        "5 years after the last invoice is settled, once the relationship has ended"),
    "export_title": ("Last ned alle opplysningene dine", "Last ned alle opplysningane dine",
                     "Download all your information"),
    "export_text": ("Du får en ZIP-fil med kontaktopplysninger, meldinger, svar og vedlegg, og en oversikt i JSON.",
                    "Du får ei ZIP-fil med kontaktopplysningar, meldingar, svar og vedlegg, og ei oversikt i JSON.",
                    "You get a ZIP file with contact details, messages, replies and attachments, and a JSON index."),
    "export_button": ("Last ned ZIP-fil", "Last ned ZIP-fil", "Download ZIP file"),
    "rights": ("Du kan be om retting eller sletting ved å kontakte kundeservice.",
               "Du kan be om retting eller sletting ved å kontakte kundeservice.",
               "You can ask for correction or deletion by contacting customer service."),
    "email_change_title": ("Endre e-postadresse for varsler", "Endre e-postadresse for varsel",
                           "Change the e-mail address for notifications"),
    "email_change_text": ("Vi sender en kode til den nye adressen. Adressen endres først når du har "
                          "skrevet inn koden.",
                          "Vi sender ein kode til den nye adressa. Adressa blir endra først når du har "
                          "skrive inn koden.",
                          "We send a code to the new address. The address changes once you have entered the code."),
    "email_change_error": ("Det gikk ikke. Sjekk det du skrev, og prøv igjen.",
                           "Det gjekk ikkje. Sjekk det du skreiv, og prøv igjen.",
                           "That did not work. Check what you entered and try again."),
    "new_email": ("Ny e-postadresse", "Ny e-postadresse", "New e-mail address"),
    "send_code": ("Send kode", "Send kode", "Send code"),
    "code_sent": ("Vi har sendt en kode til den nye adressen. Skriv den inn her.",
                  "Vi har sendt ein kode til den nye adressa. Skriv han inn her.",
                  "We have sent a code to the new address. Enter it here."),
    "code": ("Kode", "Kode", "Code"),
    "confirm": ("Bekreft", "Stadfest", "Confirm"),
    "email_changed": ("E-postadressen for varsler er endret.", "E-postadressa for varsel er endra.",
                      "The e-mail address for notifications has been changed."),
    "mail_code_subject": ("Bekreft ny e-postadresse", "Stadfest ny e-postadresse", "Confirm your new e-mail address"),
    "mail_code_text": ("Koden din er {code}. Skriv den inn på {url} innen 30 minutter. Har du ikke bedt om dette, "
                       "kan du se bort fra denne e-posten.",
                       "Koden din er {code}. Skriv han inn på {url} innan 30 minutt. Har du ikkje bede om dette, "
                       "kan du sjå bort frå denne e-posten.",
                       "Your code is {code}. Enter it at {url} within 30 minutes. If you did not ask for this, "
                       "ignore this e-mail."),
    "mail_changed_subject": ("E-postadressen din er endret", "E-postadressa di er endra",
                             "Your e-mail address was changed"),
    "mail_changed_text": ("E-postadressen for varsler fra Min strømside er endret. Var det ikke deg, "
                          "ta kontakt med kundeservice.",
                          "E-postadressa for varsel frå Min strømside er endra. Var det ikkje deg, "
                          "ta kontakt med kundeservice.",
                          "The e-mail address for notifications from Min strømside was changed. If this was not "
                          "you, contact customer service."),
    "requests_title": ("Be om retting eller sletting", "Be om retting eller sletting", "Ask for correction or erasure"),
    "request_kind_correction": ("Retting", "Retting", "Correction"),
    "request_kind_erasure": ("Sletting", "Sletting", "Erasure"),
    "request_text": ("Hva gjelder det?", "Kva gjeld det?", "What is it about?"),
    "send_request": ("Send", "Send", "Send"),
    "request_status_open": ("Under behandling", "Under handsaming", "Being handled"),
    "request_status_done": ("Utført", "Utført", "Done"),
    "request_status_refused": ("Avslått", "Avslått", "Refused"),
    "staff_reads_title": ("Hvem hos oss har åpnet meldingene dine", "Kven hos oss har opna meldingane dine",
                          "Who at our company opened your messages"),
    "staff_reads_intro": ("Ansatte i kundeservice kan åpne meldingene dine for å hjelpe deg. Hver gang står her.",
                          "Tilsette i kundeservice kan opne meldingane dine for å hjelpe deg. Kvar gong står her.",
                          "Customer service staff may open your messages to help you. Every time is listed here."),
    "staff_reads_none": ("Ingen ansatte har åpnet meldingene dine.", "Ingen tilsette har opna meldingane dine.",
                         "No staff member has opened your messages."),
    "who": ("Hvem", "Kven", "Who"),
    "when": ("Når", "Når", "When"),
    "role_agent": ("kundebehandler", "kundehandsamar", "customer service agent"),
    "role_admin": ("administrator", "administrator", "administrator"),
    "role_template_admin": ("maladministrator", "maladministrator", "template administrator"),
    "role_auditor": ("revisor", "revisor", "auditor"),
    "role_staff": ("ansatt", "tilsett", "staff member"),
    "not_found_title": ("Siden finnes ikke", "Sida finst ikkje", "Page not found"),
    "not_found_text": ("Vi fant ikke det du lette etter.", "Vi fann ikkje det du leita etter.",
                       "We could not find what you were looking for."),
    "forbidden_title": ("Forespørselen ble avvist", "Førespurnaden vart avvist", "Request refused"),
    "forbidden_text": ("Skjemaet var utløpt eller ugyldig. Gå tilbake, last siden på nytt og prøv igjen.",
                       "Skjemaet var utgått eller ugyldig. Gå tilbake, last sida på nytt og prøv igjen.",
                       "The form had expired or was invalid. Go back, reload the page and try again."),
    "error_title": ("Noe gikk galt", "Noko gjekk gale", "Something went wrong"),
    "error_text": ("Prøv igjen om litt.", "Prøv igjen om litt.", "Please try again in a moment."),
    "bad_request_title": ("Ugyldig forespørsel", "Ugyldig førespurnad", "Bad request"),
    "to_inbox": ("Gå til innboksen", "Gå til innboksen", "Go to the inbox"),
    "cat_invoice": ("Faktura", "Faktura", "Invoice"),
    "cat_reminder": ("Betalingspåminnelse", "Betalingspåminning", "Payment reminder"),
    "cat_contract": ("Avtale", "Avtale", "Contract"),
    "cat_support": ("Kundeservice", "Kundeservice", "Customer service"),
    "cat_general": ("Informasjon", "Informasjon", "Information"),
    "bytes": ("byte", "byte", "bytes"),
    "footer": ("Vi ber deg aldri om passord, koder eller fødselsnummer på e-post.",
               "Vi ber deg aldri om passord, kodar eller fødselsnummer på e-post.",
               "We never ask for passwords, codes or your national identity number by e-mail."),
}

_INDEX = {"nb": 0, "nn": 1, "en": 2}


def translator(lang: str) -> Translator:
    return _TRANSLATORS.get(lang, _TRANSLATORS[DEFAULT])


class Translator:
    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._i = _INDEX[lang]

    def __call__(self, key: str, **kwargs: object) -> str:
        text = _T[key][self._i]
        return text.format(**kwargs) if kwargs else text


_TRANSLATORS = {lang: Translator(lang) for lang in LANGUAGES}
# The same texts as attributes ({{ tr.inbox }}): templates use these for fixed keys, which renders
# about twice as fast as calling t('inbox') through Jinja's call machinery.
_NAMESPACES = {lang: SimpleNamespace(**{key: texts[_INDEX[lang]] for key, texts in _T.items()})
               for lang in LANGUAGES}


def texts(lang: str) -> SimpleNamespace:
    return _NAMESPACES.get(lang, _NAMESPACES[DEFAULT])


def from_accept_language(header: str | None) -> str:
    """The first of nb/nn/en named by Accept-Language (no = nb); nb when none matches."""
    if not header:
        return DEFAULT
    best: tuple[float, str] | None = None
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.split("-")[0]
        lang = {"nb": "nb", "no": "nb", "nn": "nn", "en": "en"}.get(primary)
        if lang and q > 0 and (best is None or q > best[0]):
            best = (q, lang)
        del position
    return best[1] if best else DEFAULT


def all_keys() -> Mapping[str, tuple[str, str, str]]:
    return _T
