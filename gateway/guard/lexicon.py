"""Word lists for the request rules, in bokmål, nynorsk and English.

Tokens are matched after normalisation (lower case, look-alikes folded) with hyphens and
apostrophes removed, so "PIN-kode", "pin kode" (joined by the matcher) and "pinkode" are one key.
Patterns accept o for ø, a for å, ae for æ and i for l (leet "1"), because obfuscated or
ASCII-only text is common in phishing.
"""

from __future__ import annotations

import re
from functools import lru_cache

_TOLERANT = {"o": "[oø]", "ø": "(?:ø|o|oe)", "å": "(?:å|a|aa)", "æ": "(?:æ|ae|e)", "l": "[li]"}


def _tolerant(pattern: str) -> str:
    """Let a pattern written with Norwegian letters also match ASCII and leet spellings (one
    pass, so a replacement is never replaced again; classes are left as written)."""
    out: list[str] = []
    in_class = False
    for ch in pattern:
        if ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        out.append(ch if in_class else _TOLERANT.get(ch, ch))
    return "".join(out)


def _rx(*patterns: str) -> re.Pattern[str]:
    # "opplysning" is also spelt "opplysing" (nynorsk)
    return re.compile("(?:" + "|".join(_tolerant(p.replace("opplysning", "opplysn?ing")) for p in patterns) + ")")


def _verbs(*patterns: str) -> re.Pattern[str]:
    """Verbs are short, so only long ones get the o-for-ø tolerance (never i-for-l)."""
    return re.compile("(?:" + "|".join(
        p.replace("ø", "(?:ø|o)").replace("å", "(?:å|a)") if len(p) >= 6 else p for p in patterns) + ")")


# --- Confidential objects -------------------------------------------------------------------
# Each category maps to a rule id "request.<category>". Single-token keys (full match).
_NOUNS: dict[str, re.Pattern[str]] = {
    "password": _rx(
        r"(?:bankid|nettbank|innloggings|pålogging|påloggings|innlogging|bruker|brukar|e?post|"
        r"konto|mobil|app|engangs|eingongs|nytt|gammelt|noverande|nåværende)?"
        r"pass(?:ord(?:et|a|ene|s)?|word(?:s|et|en|a)?|wd|phrase|frase(?:n)?)", r"pwd?", r"passw",
    ),
    "pin": _rx(r"pin(?:s|en|ane|a)?", r"pin(?:kod(?:e|en|er|ene|ane|ar|a)|code(?:s|n|en)?|nummer(?:et)?|number|nr)",
               r"bankkortpin", r"kortpin"),
    "bankid_code": _rx(
        r"bankid(?:kode(?:n|r|ne)?|koda|code(?:s)?|passord(?:et)?|password|pin(?:kode)?|"
        r"engangskode(?:n)?|eingongskode(?:n)?|otp|referanse)",
    ),
    "bankid": _rx(r"(?:mobil)?bankid(?:en|s)?", r"bankidapp(?:en)?"),
    "one_time_code": _rx(
        r"(?:engangs|eingongs|sms|tekstmeldings|bekreftelses|stadfestings|verifiserings|"
        r"verifikasjons|innloggings|påloggings|innlogging|pålogging|aktiverings|tilgangs|"
        r"autorisasjons|godkjennings|autentiserings|identifiserings|personlig|hemmelig|løyndom|"
        r"stadfestings|verifikasjons|login|verification|godkjenning|signerings)"
        r"kod(?:e|en|er|ene|a|ane|ar)", r"(?:sms|login|verification|onetime|engangs)code(?:n|en|s)?",
        r"engangspassord(?:et)?", r"eingongspassord(?:et)?", r"otp(?:s|kode(?:n)?|code)?",
        r"passcode(?:s)?", r"totp", r"2fakode(?:n)?", r"mfakode(?:n)?", r"smscode(?:s)?",
    ),
    "security_code": _rx(
        r"(?:sikkerhets|tryggleiks|tryggings|trygging|kontroll)kode(?:n|r|ne|a)?", r"cvc2?", r"cvv2?",
        r"cvn", r"csc", r"cvc(?:kode|code|nummer)(?:n|en|et)?", r"cvv(?:kode|code|nummer)(?:n|en|et)?",
        r"kortkode(?:n)?",
    ),
    "code_device": _rx(r"kodebrikk(?:e|en|a|er|ene|ar|ane)", r"kodekort(?:et)?", r"kodebrikkekode(?:n)?",
                       r"kodegenerator(?:en)?", r"tokengenerator"),
    "card_number": _rx(
        r"kort(?:nummer(?:et|a)?|numra(?:ne)?|numre(?:ne)?|nr|opplysning(?:er|ene|ar|ane)?|opplysningar(?:ne)?|"
        r"informasjon(?:en)?|info|detalj(?:er|ene|ar|ane|ne)?|data|numer)",
        r"(?:kreditt|betalings|bank|visa|debet|master|debit|credit)kort(?:et|a|nummer(?:et)?|nr|"
        r"opplysning(?:er|ene|ar|ane)?|opplysningar|informasjon(?:en)?|info|detalj(?:er|ene|ar|ane|ne)?|data)?",
        r"betalingskortinformasjon(?:en)?", r"kortets",
        r"betalings(?:informasjon(?:en)?|info|opplysning(?:er|ene|ar|ane)?|detalj(?:er|ene)?|data)",
        r"creditcard(?:s|et)?", r"card(?:number|nummer|nr)(?:s|et)?", r"carddetails", r"pan",
    ),
    "card_expiry": _rx(r"utløpsdato(?:en|a)?", r"utløpsdata", r"gyldighetsdato(?:en)?",
                       r"expiry", r"expiration", r"utløpsmåned(?:en)?"),
    "national_id": _rx(
        r"fødselsnummer(?:et|a|s)?", r"fødselsnumre(?:ne)?", r"fødselsnumra(?:ne)?", r"fødselsnr",
        r"fnr", r"pnr", r"persnr",
        r"personnummer(?:et|a)?", r"personnr", r"dnummer(?:et|a)?", r"dnr", r"hnummer(?:et)?",
        r"dnumbers?", r"hnumbers?",
        r"personidentifikator", r"ssn", r"idnummer(?:et)?", r"identitetsnummer(?:et)?",
        r"personalnummer", r"personnumber", r"personal(?:id|identity)number",
        r"national(?:identity|identification|id|insurance)(?:number|nummer|no)?", r"idnumber",
        r"personalnumber", r"socialsecuritynumber", r"birthnumber", r"identitynumber",
        r"norwegianidnumber",
    ),
    "account_number": _rx(
        r"(?:bank)?kontonummer(?:et|a)?", r"(?:bank)?kontonumre(?:ne)?", r"(?:bank)?kontonumra(?:ne)?",
        r"(?:bank)?kontonr", r"ktonr", r"acct(?:no|nr|number|nummer)", r"account(?:nummer|nr)(?:et)?",
        r"bankkonto(?:en|a)?", r"iban(?:nummer)?", r"bank(?:opplysninger|opplysningar|detaljer|"
        r"informasjon|info)(?:ne|a|en)?", r"bankopplysning(?:er|ene|ar|ane)?", r"bankdetalj(?:er|ene)?",
        r"kontoopplysning(?:er|ene|ar|ane)?", r"kontoopplysningar",
        r"kontoinformasjon(?:en)?", r"kontodetalj(?:er|ene|ar|ane|ne)?", r"accountnumber(?:s)?",
    ),
    "id_document": _rx(
        r"passport(?:s)?", r"førerkort(?:et)?", r"førarkort(?:et)?",
        r"legitimasjon(?:en)?", r"idkort(?:et)?", r"identitetskort(?:et)?", r"idbevis(?:et)?",
        r"idpapir(?:er|ene)?", r"idcard(?:s)?", r"licence", r"license", r"licences",
    ),
    "security_question": _rx(
        r"(?:sikkerhets|tryggleiks|tryggings|kontroll|hemmelig|løyndoms)spørsmål(?:et|a|ene|ane)?",
        r"(?:sikkerhets|tryggleiks|tryggings|kontroll|løyndoms)svar(?:et|a|ene|ane)?",
        r"beste ?ven(?:n|nen|en)", r"bestevenn(?:en|inne|inna)?",
        r"securityquestion(?:s)?", r"pikenavn(?:et)?", r"pikenamn(?:et)?", r"jentenamn(?:et)?",
        r"barndomsvenn(?:en|inne|inna|innen)?", r"barndomsven(?:en|nen|ninne|ninna)?", r"barndomsgate(?:n|a)?", r"barndomsadresse(?:n|a)?",
        r"favorittlærer(?:en)?", r"maidenname",
    ),
    "credentials": _rx(
        r"brukernavn(?:et)?", r"brukarnamn(?:et)?", r"brukerid(?:en)?", r"username(?:s)?",
        r"userid", r"credentials", r"(?:pålogging|påloggings|innlogging|innloggings)"
        r"(?:informasjon(?:en)?|info|detalj(?:er|ene|ar|ane|ne)?|opplysning(?:er|ene|ar|ane)?|opplysningar|data)",
        r"logindetails", r"logininfo",
    ),
}

# Two- and three-token phrases that name a confidential object; keys are joined with spaces.
_PHRASES: dict[str, re.Pattern[str]] = {
    "password": _rx(r"pass word", r"pass ord"),
    "pin": _rx(r"personal identification number", r"personlig kode", r"personleg kode",
               r"personal code", r"pin kode(?:n)?", r"pin code"),
    "bankid_code": _rx(r"bankid (?:kode(?:n)?|code|passord(?:et)?|password|pin)"),
    "one_time_code": _rx(
        r"(?:one ?time|onetime|verification|authentication|login|log in|signin|sign in|sms|text|"
        r"confirmation|access|auth|security|activation|2fa|mfa|otp|bankid|temporary|sign-in)"
        r" (?:code|codes|passcode|password|pin)",
        r"(?:engangs|eingongs|sms|tekstmeldings) kode(?:n)?", r"kode(?:n)? (?:fra|frå|på|i) sms(?:en)?",
        r"code (?:from|in) (?:the )?(?:sms|text)", r"one time password",
        r"(?:one ?time|onetime|verification|sms|text|login) (?:cdoe|ocde|coed|cod|kdoe)",
    ),
    "security_code": _rx(r"card (?:security|verification) (?:code|value|number)",
                         r"card verification", r"(?:three|3) digit(?:s)? (?:code|on|from)",
                         r"(?:tre|3) (?:siffer|sifrene|sifra|tal|tala)(?: på)? (?:på )?bak(?:siden|sida)"),
    "code_device": _rx(r"kode brikke(?:n)?", r"code (?:device|generator|card|chip|token)",
                       r"security token", r"hardware token"),
    "card_number": _rx(r"(?:card|kort) (?:number|numbers|nummer(?:et)?|details|information|info|data)",
                       r"(?:credit|debit|bank|payment|visa|master) card(?:s)?",
                       r"payment (?:information|details|info|data|card details)",
                       r"billing (?:information|details|info)",
                       r"long number on (?:the|your) card", r"16 digit(?:s)?",
                       r"(?:credit|debit|bank|payment|visa|master) card (?:number|details|information)",
                       r"kort nr", r"card no", r"card nr"),
    "card_expiry": _rx(r"(?:expiry|expiration|exp|end|valid) (?:date|dato|thru|through|until)",
                       r"gyldig (?:til|t o m|tom)", r"utløps dato"),
    "national_id": _rx(
        r"fødsels nummer(?:et)?", r"person nummer(?:et)?", r"d nummer(?:et)?", r"h nummer(?:et)?",
        r"(?:national|personal) (?:identity|identification|id|insurance) number(?:s)?",
        r"(?:national|norwegian) id(?:entity)? (?:number|no)",
        r"identity number", r"id number", r"social security number", r"birth number",
        r"national identity", r"national id", r"personal number", r"personal id number",
        r"norwegian (?:national )?id(?:entity)? number", r"11 sifret (?:nummer|fødselsnummer)",
        r"11 digit (?:number|id|national id)", r"d number", r"personal identity",
        r"fødselsnummer (?:og|eller) personnummer", r"f nr", r"pers nr", r"pers no", r"personal no", r"person nr", r"d nr",
    ),
    "account_number": _rx(
        r"(?:bank )?account (?:number|numbers|no|nr)", r"konto nummer(?:et)?", r"acct (?:no|nr|number|num)",
        r"kto nr", r"konto nr", r"bank konto nr", r"acc (?:no|nr|number)",
        r"bank (?:account|details|information|info)", r"banking (?:details|information)",
        r"bank konto(?:en)?", r"account and routing", r"iban (?:number|nummer)",
    ),
    "id_document": _rx(
        r"(?:driving|drivers|driver) (?:licence|license)", r"(?:photo|identity|id) (?:card|document|documents|papers)",
        r"photo id", r"(?:kopi|kopien|bilde|bildet|biletet|fotoet|skann|skannet|skanning(?:en)?|scan|copy|photo|picture|image|bilete|foto|skjermbilde|skjermbilete|screenshot) (?:av|of) (?:ditt |din |your |the |a )?"
        r"(?:pass|passet|passport|id|førerkort(?:et)?|førarkort|legitimasjon|bankkort)",
        r"nasjonalt id kort(?:et)?", r"id kort(?:et)?", r"id papirer",
    ),
    "security_question": _rx(
        r"(?:security|secret|memorable|verification) (?:question|questions|answer|word)",
        r"(?:sikkerhets|tryggleiks|kontroll) spørsmål(?:et|a)?", r"maiden name",
        r"(?:hemmelege|hemmelige|hemmelig|hemmeleg|secret) (?:spørsmålet|spørsmål|question)",
        r"(?:beste venn|bestevenn|bestevenen|bestevennen|best friend) i barndommen",
        r"(?:first|childhood) (?:pet|pets|school|teacher|car|street|best friend|friend)",
        r"childhood (?:best )?friend(?:s)?", r"best friend (?:as|in) a child",
        r"(?:første|fyrste) (?:kjæledyr(?:et)?|bil(?:en)?|skole(?:n)?|lærer(?:en)?|lærar(?:en)?)",
        r"street you grew up (?:on|in)", r"(?:gata|gaten|gate) du vokste opp i",
        r"(?:gata|gate) du voks opp i", r"(?:mors|morens|moras|mora di sitt) (?:pikenavn|pikenamn|jentenamn)",
        r"pet s name", r"pets name",
    ),
    "credentials": _rx(r"(?:login|log in|sign in|signin|logon|log on) (?:details|credentials|information|info|data)",
                       r"user ?name", r"bruker navn(?:et)?", r"user id",
                       r"(?:pålogging|innlogging)s? (?:informasjon|info|detaljer|opplysninger)"),
}

# Bare "code"/"kode" is confidential only with a context word nearby (see requests.py).
CODE_RX = _rx(r"kode(?:n|r|ne|a)?", r"kod(?:ane|ar|a)", r"code(?:s)?", r"koder", r"digits", r"siffer", r"sifrene",
              r"sifra", r"tala", r"sifre", r"numbers")
DIGIT_WORDS = {"digits", "siffer", "sifrene", "sifra", "tala", "sifre", "numbers"}
CODE_CONTEXT = _rx(r"sms(?:en)?", r"text(?:ed|s|ing)?", r"tekstmelding(?:en)?", r"sent", r"sendt(?:e)?", r"fikk",
                   r"fekk", r"received", r"mottok", r"mottatt", r"motteke", r"mobil(?:en)?",
                   r"phone", r"telefon(?:en)?", r"app(?:en)?", r"login", r"pålogging", r"innlogging",
                   r"bankid", r"bank", r"nettbank(?:en)?", r"autentiserings?", r"verification",
                   r"generated", r"generert", r"your", r"din", r"di", r"dykkar", r"deres", r"brikke(?:n|a)?",
                   r"authenticator", r"bankid\w*", r"app\w*", r"kodebrikke\w*", r"token", r"sikkerhets\w*",
                   r"security", r"card", r"kort(?:et|ets)?", r"betalingskort\w*", r"bankkort\w*")
CARD_CONTEXT = {"card", "kort", "kortet", "kortets", "betalingskortet", "bankkortet", "kortnummeret"}

# --- Directives ------------------------------------------------------------------------------
# "Provide" verbs: imperative, infinitive and base forms; -ing forms in English.
PROVIDE = _verbs(
    # English
    r"provide", r"providing", r"send", r"sending", r"resend", r"give", r"giving", r"enter", r"entering",
    r"reenter", r"type", r"typing", r"input", r"confirm", r"confirming", r"reconfirm", r"verify",
    r"verifying", r"validate", r"validating", r"update", r"updating", r"submit", r"submitting",
    r"resubmit", r"share", r"sharing", r"tell", r"telling", r"reply", r"replying", r"respond",
    r"responding", r"answer", r"write", r"writing", r"disclose", r"disclosing", r"reveal",
    r"attach", r"attaching", r"upload", r"uploading", r"forward", r"supply", r"supplying",
    r"include", r"including", r"insert", r"register", r"renew", r"reactivate", r"activate",
    r"unlock", r"complete", r"completing", r"key", r"fill", r"filling", r"read", r"hand",
    r"scan", r"photograph", r"post", r"spell", r"dictate", r"mention", r"note", r"jot",
    r"paste", r"re-enter", r"state", r"specify", r"quote", r"repeat", r"recite",
    r"authenticate", r"authorise", r"authorize", r"email", r"e-mail", r"text", r"dm", r"message",
    r"call", r"ring", r"contact", r"login", r"log", r"sign", r"signin", r"say", r"let",
    r"return", r"returning", r"re-send", r"retype",
    # Bokmål
    r"oppgi", r"oppgir", r"opplys", r"opplyse", r"opplyser", r"sende", r"sender",
    r"gi", r"gir", r"bekreft", r"bekrefte", r"bekrefter", r"verifiser", r"verifisere",
    r"verifiserer", r"valider", r"validere", r"oppdater", r"oppdatere", r"oppdaterer",
    r"tast", r"taste", r"taster", r"skriv", r"skrive", r"skriver", r"fyll", r"fylle", r"fyller",
    r"legg", r"legge", r"legger", r"last", r"laste", r"laster", r"les", r"lese", r"leser",
    r"svar", r"svare", r"svarer", r"del", r"dele", r"deler", r"registrer", r"registrere",
    r"registrerer", r"fortell", r"fortelle", r"forteller", r"si", r"sier", r"forny", r"fornye",
    r"fornyer", r"aktiver", r"aktivere", r"reaktiver", r"reaktivere", r"avgi", r"avgir",
    r"før", r"føre", r"skann", r"skanne", r"fotografer", r"ta", r"videresend",
    r"videresende", r"legitimer", r"legitimere", r"identifiser", r"identifisere",
    r"sett", r"sette", r"logg", r"logge", r"kopier", r"lim", r"nevn", r"nevne", r"tilsend",
    r"returner", r"returnere", r"ettersend", r"ettersende", r"gjenta", r"gjentar", r"send inn",
    r"innrapporter", r"rapporter", r"meld", r"melde", r"sjekk",
    # Nynorsk
    r"oppgje", r"oppgjev", r"gje", r"gjev", r"stadfest", r"stadfeste", r"stadfestar",
    r"sendar", r"senda", r"svara", r"svarar", r"dela", r"delar", r"skrivar", r"fylla",
    r"fyllar", r"leggja", r"leggjer", r"lesa", r"lesar", r"oppdatera", r"oppdaterar",
    r"registrera", r"fortel", r"fortelja", r"sei", r"seie", r"tastar", r"verifisera",
    r"fornya", r"aktivera", r"logga", r"leggje", r"fortelje", r"stadfesta", r"skriva",
    r"returnera",
    r"ettersenda", r"gjentek", r"oppgjeve",
)
# Verbs whose object normally follows a particle; without it they mean something else
# ("les mer" = read more, "legg merke til" = notice, "ta kontakt" = get in touch).
NEEDS_PARTICLE = {
    "les": {"opp"}, "lese": {"opp"}, "leser": {"opp"}, "lesa": {"opp"}, "lesar": {"opp"},
    "read": {"out", "back", "aloud"}, "key": {"in"}, "hand": {"over"}, "fill": {"in", "out"},
    "filling": {"in", "out"}, "legg": {"ved", "inn", "til"}, "legge": {"ved", "inn", "til"},
    "legger": {"ved", "inn", "til"}, "leggja": {"ved", "inn"}, "leggjer": {"ved", "inn"},
    "leggje": {"ved", "inn"}, "let": {"us", "me", "oss"}, "meld": {"inn", "fra", "frå"},
    "melde": {"inn", "fra", "frå"}, "sjekk": {"inn"}, "rapporter": {"inn"}, "innrapporter": {"inn"},
    "last": {"opp"}, "laste": {"opp"}, "laster": {"opp"}, "ta": {"bilde", "bilete", "foto", "kopi"},
    "før": {"inn", "opp"}, "føre": {"inn", "opp"}, "sett": {"inn"}, "sette": {"inn"},
    "lim": {"inn"}, "jot": {"down"}, "note": {"down"}, "ring": {"oss", "inn", "us"},
    "call": {"us", "me"}, "contact": {"us", "me"},
    "email": {"us", "me", "back", "your", "it", "them", "the", "a"},
    "e-mail": {"us", "me", "your", "it", "them", "the", "a"},
    "text": {"us", "me", "back", "your", "it", "them"}, "dm": {"us", "me", "your", "it"},
    "message": {"us", "me", "your", "it"}, "log": {"in", "on"}, "logg": {"inn", "på"}, "logge": {"inn", "på"},
    "logga": {"inn", "på"}, "sign": {"in", "on"}, "post": {"us", "it"}, "complete": {"the", "this", "form", "skjemaet"},
    "completing": {"the", "this"}, "del": {"med", "din", "ditt", "dine", "di", "koden", "passordet", "oss", "your"},
    "type": {"in", "your", "din", "ditt", "the"},
    "include": {"your", "the", "din", "ditt"}, "including": {"your"},
    "state": {"your"}, "say": {"your"}, "si": {"fra", "ifra", "oss"},
    "mention": {"your"}, "answer": {"with"}, "spell": {"out"},
}
# Login verbs ask for credentials only when "with/med" names them ("logg inn med passord").
LOGIN_VERBS = {"login", "log", "sign", "signin", "logg", "logge", "logga"}
# Verbs that require nothing more: "tell us"/"fortell oss" etc.
# Verbs whose object may sit behind "to"/"til" ("reply to this e-mail with your PIN").
REPLY_VERBS = _verbs(r"reply", r"replying", r"respond", r"responding", r"answer", r"write", r"send",
                  r"sending", r"email", r"e-mail", r"svar", r"svare", r"svara", r"skriv", r"skrive",
                  r"sende", r"senda", r"forward", r"videresend", r"text", r"message", r"return")
# Present-tense forms count only with a second-person subject ("taster du", "du sender").
PRESENT = _verbs(r"oppgir", r"sender", r"gir", r"bekrefter", r"verifiserer", r"oppdaterer", r"taster",
              r"skriver", r"fyller", r"legger", r"laster", r"leser", r"svarer", r"deler",
              r"registrerer", r"forteller", r"sier", r"fornyer", r"opplyser", r"avgir",
              r"oppgjev", r"gjev", r"stadfestar", r"sendar", r"svarar", r"delar", r"skrivar",
              r"fyllar", r"leggjer", r"lesar", r"oppdaterar", r"tastar")

# Request verbs stay requests even with "we"/"vi" as subject ("we need your PIN").
REQUEST = _verbs(
    r"need", r"needs", r"require", r"requires", r"request", r"requests", r"requesting", r"want",
    r"wants", r"ask", r"asks", r"asking", r"collect", r"collecting", r"obtain", r"demand",
    r"trenger", r"treng", r"trengs", r"behøver", r"krever", r"krev", r"kreve", r"ber", r"be",
    r"bed", r"spør", r"spørre", r"spørja", r"ønsker", r"ønskjer", r"etterspør", r"etterlyser",
    r"mangler", r"manglar", r"innhenter", r"avkrever", r"beder", r"expect", r"expects",
    r"awaiting", r"await", r"venter",
)
# "have/receive" verbs are requests after a modal: "we must have", "vi vil gjerne ha", "ønsker å motta".
HAVE_VERBS = {"have", "ha", "få", "receive", "motta", "get", "obtain", "see", "se", "sjå", "hente",
              "collect", "fått", "mottatt", "hear", "høre", "høyre", "know", "vite", "vita"}
HAVE_TRIGGERS = {"must", "må", "need", "needs", "to", "å", "gjerne", "like", "love", "want",
                 "have", "got", "ønsker", "ønskjer", "trenger", "treng", "bør", "should", "skal",
                 "kindly", "please", "vennligst", "venligst"}
# Passive or adjectival demands: "kortnummer må oppgis", "PIN is required".
PASSIVE = _verbs(
    r"oppgis", r"oppgjevast", r"oppgjevst", r"tastes", r"tastast", r"skrives", r"skrivast",
    r"fylles", r"fyllast", r"legges", r"leggjast", r"lastes", r"lastast", r"bekreftes",
    r"stadfestast", r"verifiseres", r"verifiserast", r"oppdateres", r"oppdaterast", r"registreres",
    r"kreves", r"krevst", r"krevjast", r"trengs", r"trengst", r"behøves", r"etterspørres",
    r"påkrevd", r"påkravd", r"obligatorisk", r"required", r"mandatory", r"needed", r"requested",
    r"sendes", r"sendast", r"gis", r"gjevast", r"innhentes", r"avkreves",
)
# Passive verbs that read as a statement of fact unless a modal comes with them.
PASSIVE_NEEDS_MODAL = {"sendes", "sendast", "gis", "gjevast", "needed", "requested", "innhentes",
                       "registreres"}
PARTICIPLES = _verbs(r"provided", r"entered", r"confirmed", r"submitted", r"verified", r"updated",
                  r"sent", r"given", r"supplied", r"filled", r"typed", r"attached", r"uploaded",
                  r"shared", r"disclosed", r"stated", r"included", r"keyed", r"validated",
                  r"registered", r"renewed", r"reentered", r"re-entered", r"read", r"dictated", r"spelled",
                  r"forwarded", r"handed", r"gitt", r"gjeve", r"gjevne", r"delt", r"opplest", r"lest",
                  r"bekreftet", r"oppgitt", r"sendt", r"verifisert", r"oppdatert", r"registrert",
                  r"utfylt", r"fylt", r"lagt", r"lastet", r"skrevet", r"tastet", r"innsendt",
                  r"stadfesta", r"oppgjeven", r"oppgjeve", r"innsend", r"utfylte")
BE_FORMS = {"be", "is", "are", "been", "being", "bli", "blitt", "verte", "vorte", "være", "vere"}
MODALS = {"must", "should", "shall", "need", "needs", "have", "has", "will", "ought", "må",
          "bør", "skal", "burde", "vil", "trenger", "treng", "kan", "can", "could", "would",
          "may", "might", "mustn't", "got"}
DEMAND_MODALS = {"must", "should", "need", "needs", "have", "has", "ought", "må", "bør", "skal",
                 "burde", "got", "required", "nødt", "naudt"}
AUX = {"will", "shall", "would", "is", "are", "am", "was", "going", "vil", "skal", "kommer",
       "kjem", "har", "have", "has", "had", "hadde", "to", "til", "å", "og", "and", "also",
       "også", "òg", "ogso", "gjerne", "alltid", "always", "snart", "soon", "automatically",
       "automatisk", "then", "deretter", "så", "now", "nå", "no", "be", "bli", "blir", "cannot",
       "can", "could", "kan", "kunne", "may", "might", "just", "bare", "berre",
       "heretter", "today", "i", "dag", "straks", "directly", "direkte", "only", "kun",
       "usually", "normally", "vanligvis", "normalt", "ofte", "often", "sometimes", "av"}

# --- Clause structure ------------------------------------------------------------------------
NEGATIONS = {
    "not", "never", "no", "dont", "doesnt", "didnt", "wont", "cant", "cannot", "shouldnt",
    "mustnt", "neednt", "isnt", "arent", "wasnt", "werent", "wouldnt", "havent", "hasnt",
    "nobody", "none", "noone", "neither", "nor", "nothing", "nowhere", "without", "ikke",
    "ikkje", "aldri", "ingen", "ingenting", "inga", "verken", "hverken", "korkje",
    "uten", "utan", "unngå", "unngår", "unngje", "avoid", "refuse", "nekt", "dropp",
    "ingensinne", "avstå", "refrain", "ikkj", "noen gang",
}
# A negation before these words is a double negative that keeps the demand.
DOUBLE_NEG = {"forget", "glem", "gløym", "hesitate", "nøl", "nøle", "vent", "wait", "delay",
              "fail", "unnlat", "unnlate", "late", "miss", "ignore", "overse", "only", "bare",
              "berre", "kun", "just", "før", "before", "until", "later", "seinare", "senere",
              "tomorrow", "forgetting", "unless"}
CONDITIONAL = {"mindre", "if", "hvis", "dersom", "viss", "om", "when", "når", "whenever", "unless", "ifall",
               "once", "straks"}
CONTRAST_CONJ = {"but", "men", "yet", "except", "unntatt", "bortsett", "instead", "istedenfor",
                 "istaden", "isteden"}
CONTRAST = {"but", "however", "men", "likevel", "derimot", "though", "although", "yet",
            "instead", "istedenfor", "isteden", "istaden", "i staden", "except", "unntatt",
            "bortsett", "still", "nevertheless", "nonetheless", "otherwise", "ellers", "rather",
            "heller", "allikevel", "meanwhile", "imidlertid"}
# Words that end the search for the object of a directive.
OBJECT_STOP = {"because", "since", "fordi", "sidan", "siden", "so", "så", "slik", "which",
               "who", "som", "if", "hvis", "dersom", "viss", "when", "når", "before", "after",
               "før", "etter", "until", "til", "å", "to", "for", "while", "mens", "der", "where",
               "whereas", "unless", "or", "eller", "then", "deretter"}
CLAUSE_JOIN = {"and", "og", "so", "så", "then", "deretter", "da", "or", "eller", "plus", "also",
               "samt", "please", "pls", "plz", "kindly", "vennligst", "venligst", "now",
               "nå", "no", "just", "bare", "berre", "simply", "enkelt", "straks", "immediately",
               "umiddelbart", "snarest", "today", "idag"}
POLITE = {"please", "pls", "plz", "kindly", "vennligst", "venligst", "vennlegst", "venlegst",
          "husk", "hugs", "remember", "gjerne", "snill", "venleg", "vennlig", "vær", "ver", "be", "vil",
          "kan", "could", "can", "would"}
FIRST_PERSON = {"we", "vi", "jeg", "eg", "us", "oss", "our", "vår", "vårt", "våre"}
SECOND_PERSON = {"you", "du", "deg", "dere", "dykk", "dokker", "dokk", "yourself", "u", "ya",
                 "deres", "dykkar", "your", "din", "ditt", "dine", "di"}
SECOND_SUBJECT = {"you", "du", "dere", "dykk", "u", "ya", "dokker", "de"}
POSSESSIVE = {"your", "din", "ditt", "dine", "di", "dykkar", "deres", "yours", "dokkers", "sin",
              "sitt", "sine"}
THIRD_WARN_RX = re.compile(r"svindl|svindel|phish|fraud|scam|hacker|kriminel|bedrag|nettfisk|"
                           r"lureri|falsk|fake|impost|crook|thie|tyv")
THIRD_WARN = {
    "someone", "somebody", "anyone", "anybody", "noen", "nokon", "nokre", "fraudsters",
    "fraudster", "scammers", "scammer", "criminals", "svindlere", "svindler", "svindlarar",
    "svindlar", "kriminelle", "bedragere", "bedragarar", "hackers", "hackere", "phishers",
    "phishing", "phishingeposter", "phishingmails", "phishingmeldinger", "strangers", "ukjente",
    "framande", "fremmede", "others", "callers", "caller", "impostors", "imposters", "crooks",
    "falske", "fake", "fraudulent", "svindelforsøk", "svindelmeldinger", "svindelmeldingar",
    "svindelmails", "svindeleposter", "they", "de", "dei", "nettfiske", "nettfiskarar",
    "svindelsms", "scam", "scams", "svindelen", "svindel", "fraud", "sites", "nettsider",
    "bank", "banken", "banks", "bankene", "bankar", "police", "politiet", "politi",
    "nettsteder", "websites", "apps", "links", "lenker", "lenkjer",
}
MEDIA = {"email", "emails", "mail", "mails", "epost", "eposten", "eposter", "epostar", "message",
         "messages", "melding", "meldinger", "meldingar", "meldinga", "sms", "smser", "text", "texts",
         "call", "calls", "samtale", "samtaler", "oppringing", "oppringinger", "site", "sites",
         "website", "websites", "nettside", "nettsider", "side", "sider", "link", "links", "lenke",
         "lenker", "lenkjer", "form", "forms", "skjema", "skjemaer", "person", "personer", "folk",
         "people", "anyone", "noen", "nokon", "caller", "innringer", "avsender", "sender", "app",
         "apps", "brev", "letter", "letters", "tekstmelding", "tekstmeldinger", "ringer",
         "ringere", "henvendelse", "henvendelser", "førespurnad", "eposta", "meldingen"}
MEDIA_VERBS = {"asking", "requesting", "demanding", "som", "that", "which", "who", "der", "where",
               "kor", "hvor", "claiming", "telling", "prompting", "urging", "bedt",
               "ask", "asks", "ber", "spør", "krev", "krever"}
REPORTED = {"asked", "bedt", "bedne", "beden", "spurt", "spurd", "requested", "avkrevd",
            "oppfordret", "oppmoda", "oppfordra", "told", "instructed", "prompted", "urged"}
REPORT_CONTEXT = {"if", "hvis", "dersom", "viss", "om", "when", "når", "whenever", "where",
                  "der", "hvor", "kor", "som", "that", "which", "emails", "eposter", "epostar",
                  "meldinger", "meldingar", "messages", "sms", "calls", "samtaler", "texts",
                  "ever", "noen", "nokon", "gang", "anyone", "someone"}
QUESTION_WORDS = {"what", "whats", "which", "hva", "kva", "hvilken", "hvilket", "kva for",
                  "kvar", "hvor"}
ANAPHORA = {"it", "them", "this", "that", "these", "those", "den", "det", "dem", "dei", "disse",
            "desse", "dette", "denne", "han", "ho"}
ONLY = {"only", "kun", "bare", "berre", "utelukkende", "exclusively", "solely", "directly"}
INSTRUMENT = {"with", "med", "via", "using", "through", "gjennom", "by", "ved", "in", "i", "på",
              "on", "into", "inn", "til", "to", "from", "fra", "frå", "at", "hos"}
ABBREVIATIONS = {"nr", "kontonr", "fnr", "tlf", "f", "eks", "bl", "a", "dvs", "ca", "osv",
                 "mv", "etc", "e", "g", "i", "inkl", "evt", "ev", "jf", "vs", "ref", "kl", "pkt",
                 "mr", "mrs", "dr", "no", "personnr", "fødselsnr", "t", "o", "m", "st", "kr",
                 "avd", "tel", "ph", "d", "h", "jr", "sr", "co", "ltd", "nb", "ps", "obs", "kortnr", "ktonr",
                 "kto", "pers", "persnr", "pnr", "acct", "acc"}


@lru_cache(maxsize=65536)
def noun_category(key: str) -> str | None:
    """The confidential category a single token names, if any."""
    for cat, rx in _NOUNS.items():
        if rx.fullmatch(key):
            return cat
    return None


@lru_cache(maxsize=65536)
def phrase_category(phrase: str) -> str | None:
    for cat, rx in _PHRASES.items():
        if rx.fullmatch(phrase):
            return cat
    return None


@lru_cache(maxsize=65536)
def is_provide(key: str) -> bool:
    return PROVIDE.fullmatch(key) is not None


@lru_cache(maxsize=65536)
def is_request(key: str) -> bool:
    return REQUEST.fullmatch(key) is not None


@lru_cache(maxsize=65536)
def is_present(key: str) -> bool:
    return PRESENT.fullmatch(key) is not None


@lru_cache(maxsize=65536)
def is_passive(key: str) -> bool:
    return PASSIVE.fullmatch(key) is not None


@lru_cache(maxsize=65536)
def is_participle(key: str) -> bool:
    return PARTICIPLES.fullmatch(key) is not None


@lru_cache(maxsize=65536)
def is_reply(key: str) -> bool:
    return REPLY_VERBS.fullmatch(key) is not None
