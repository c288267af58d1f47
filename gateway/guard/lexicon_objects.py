"""The confidential objects of the request rules, in bokmål, nynorsk and English: single-token
nouns, multi-token phrases and the bare "code"/"digits" words that need a context word.

Tokens are matched after normalisation (lower case, look-alikes folded) with hyphens and
apostrophes removed, so "PIN-kode", "pin kode" (joined by the matcher) and "pinkode" are one key.
Patterns accept o for ø, a for å, ae for æ and i for l (leet "1"), because obfuscated or
ASCII-only text is common in phishing. Split from lexicon.py (the verbs and clause words).
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
    # "opplysning" is also spelt "opplysing", "sikkerhets-" "sikkerheits-" (nynorsk)
    return re.compile("(?:" + "|".join(_tolerant(p.replace("opplysning", "opplysn?ing").replace(
        "sikkerhets", "sikkerhei?ts")) for p in patterns) + ")")


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
        r"pass(?:ord(?:et|a|ene|s)?|word(?:s|et|en|a)?|wd|phrase|frase(?:n)?)", r"pwd?", r"pw(?:en|et|a)", r"passw",
        r"kodeord(?:et|a)?", r"(?:sikkerhets|hemmelig|hemmeleg)frase(?:n)?",
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
        r"cvn", r"csc", r"cvcen", r"cvven", r"cvc(?:koda|kode|code|nummer)(?:n|en|et)?", r"cvv(?:koda|kode|code|nummer)(?:n|en|et)?",
        r"kortkode(?:n)?",
    ),
    "code_device": _rx(r"kodebrikk(?:e|en|a|er|ene|ar|ane)", r"kodekort(?:et)?", r"kodebrikkekode(?:n)?",
                       r"kodegenerator(?:en)?", r"tokengenerator"),
    "card_number": _rx(
        r"kort(?:nummer(?:et|a)?|numret|numra(?:ne)?|numre(?:ne)?|nr|opplysning(?:er|ene|ar|ane)?|opplysningar(?:ne)?|"
        r"informasjon(?:en)?|info|detalj(?:er|ene|ar|ane|ne)?|data|numer)",
        r"(?:kreditt|betalings|bank|visa|debet|master|debit|credit)kort(?:et|a|nummer(?:et)?|nr|"
        r"opplysning(?:er|ene|ar|ane)?|opplysningar|informasjon(?:en)?|info|detalj(?:er|ene|ar|ane|ne)?|data)?",
        r"betalingskortinformasjon(?:en)?", r"kortets",
        r"betalings(?:informasjon(?:en)?|info|opplysning(?:er|ene|ar|ane)?|detalj(?:er|ene)?|data)",
        r"creditcard(?:s|et|en|nummer(?:et)?|nr)?", r"card(?:number|nummer|nr)(?:s|et)?", r"carddetails", r"pan",
    ),
    "card_expiry": _rx(r"utløpsdato(?:en|a)?", r"utløpsdata", r"gyldighetsdato(?:en)?",
                       r"expiry", r"expiration", r"utløpsmåned(?:en)?"),
    "national_id": _rx(
        r"fødselsnummer(?:et|a|s)?", r"fødselsnumre(?:ne)?", r"fødselsnumra(?:ne)?", r"fødselsnr",
        # the syncopated definite form ("fødselsnumret", "personnumret")
        r"fødselsnumret", r"personnumret", r"dnumret",
        r"fnr(?:en|et)?", r"pnr(?:en|et)?", r"persnr",
        r"personnummer(?:et|a)?", r"personnr", r"dnummer(?:et|a)?", r"dnr", r"hnummer(?:et)?",
        r"dnumbers?", r"hnumbers?",
        r"personidentifikator", r"ssn", r"idnummer(?:et)?", r"identitetsnummer(?:et)?",
        r"personalnummer", r"personnumber", r"personal(?:id|identity)number",
        r"national(?:identity|identification|id|insurance)(?:number|nummer|no)?", r"idnumber",
        r"personalnumber", r"socialsecuritynumber", r"birthnumber", r"identitynumber",
        r"norwegianidnumber",
    ),
    "account_number": _rx(
        r"(?:bank)?kontonummer(?:et|a)?", r"(?:bank)?kontonumret", r"(?:bank)?kontonumre(?:ne)?", r"(?:bank)?kontonumra(?:ne)?",
        r"(?:bank)?kontonr", r"ktonr", r"acct(?:no|nr|number|nummer)", r"account(?:nummer|nr)(?:et)?",
        r"bankkonto(?:en|a)?", r"iban(?:en|et|nummer(?:et)?)?", r"bank(?:opplysninger|opplysningar|detaljer|"
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
        r"favorittlærer(?:en)?", r"maidenname", r"yndlingslær(?:er|ar)(?:en)?", r"fødenavn(?:et)?",
        r"fødenamn(?:et)?",
    ),
    "credentials": _rx(
        r"brukernavn(?:et)?", r"brukarnamn(?:et)?", r"brukerid(?:en)?", r"username(?:s)?",
        r"userid", r"credentials", r"(?:pålogging|påloggings|innlogging|innloggings)"
        r"(?:informasjon(?:en)?|info|detalj(?:er|ene|ar|ane|ne)?|opplysning(?:er|ene|ar|ane)?|opplysningar|data)",
        r"logindetails", r"logininfo",
        # the login to the online bank ("nettbankinnlogginga di", "netbank login")
        r"(?:nettbank|netbank|bank)(?:innlogging|pålogging|login)(?:a|en|ar|ane|ene|s)?",
    ),
}

# Two- and three-token phrases that name a confidential object; keys are joined with spaces.
_PHRASES: dict[str, re.Pattern[str]] = {
    "password": _rx(r"pass word", r"pass ord"),
    "pin": _rx(r"personal identification number", r"personlig kode", r"personleg kode",
               r"personal code", r"pin kode(?:n)?", r"pin code"),
    "bankid_code": _rx(r"bankid (?:kode(?:n)?|code|passord(?:et)?|password|pin|pass|pw|pwen|pwd)"),
    "one_time_code": _rx(
        r"(?:one ?time|onetime|verification|authentication|login|log in|signin|sign in|sms|text|"
        r"confirmation|access|auth|security|activation|2fa|mfa|otp|bankid|temporary|sign-in)"
        r" (?:code|codes|passcode|password|pin)",
        r"(?:engangs|eingongs|sms|tekstmeldings) kode(?:n)?", r"kode(?:n)? (?:fra|frå|på|i) sms(?:en)?",
        r"code (?:from|in) (?:the )?(?:sms|text)", r"one time password",
        r"(?:one ?time|onetime|verification|sms|text|login) (?:cdoe|ocde|coed|cod|kdoe)",
    ),
    "security_code": _rx(r"card (?:security|verification) (?:code|value|number)",
                         r"card verification", r"(?:three|3) digit(?:s)? code",
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
        r"identity number", r"id number", r"social security (?:number|no|nr|num)", r"birth number",
        r"national identity", r"national id", r"personal number", r"personal id number",
        r"norwegian (?:national )?id(?:entity)? number", r"11 sifret (?:nummer|fødselsnummer)",
        r"11 digit (?:number|id|national id)", r"d number", r"personal identity",
        r"fødselsnummer (?:og|eller) personnummer", r"id (?:nr|no)", r"f nr", r"pers nr", r"pers no", r"personal no", r"person nr", r"d nr",
    ),
    "account_number": _rx(
        r"(?:bank )?account (?:number|numbers|no|nr)", r"konto nummer(?:et)?", r"acct (?:no|nr|number|num)",
        r"kto nr", r"konto nr", r"bank konto nr", r"acc (?:no|nr|number)", r"bank (?:acct|acc)(?:s)?",
        r"bank (?:account|details|information|info)", r"banking (?:details|information)",
        r"bank konto(?:en)?", r"account and routing", r"iban (?:number|nummer)",
    ),
    "id_document": _rx(
        r"(?:driving|drivers|driver) (?:licence|license)", r"(?:photo|identity|id) (?:card|document|documents|papers)",
        r"photo id", r"(?:kopi|kopien|bilde|bildet|biletet|fotoet|skann|skannet|skanning(?:en)?|scan|copy|photo|picture|image|bilete|foto|skjermbilde|skjermbilete|screenshot) (?:av|of) (?:ditt |din |your |the |a )?"
        r"(?:pass|passet|passets|passe|passport|id|førerkort(?:et|e)?|førarkort(?:et|e)?|legitimasjon|bankkort(?:et|e)?)",
        r"nasjonalt id kort(?:et)?", r"id kort(?:et)?", r"id papirer",
    ),
    "security_question": _rx(
        r"(?:security|secret|memorable|verification) (?:question|questions|answer|word)",
        r"(?:sikkerhets|tryggleiks|kontroll) spørsmål(?:et|a)?", r"maiden name",
        r"(?:hemmelege|hemmelige|hemmelig|hemmeleg|secret|løynd|løynde|løyndoms) (?:spørsmålet|spørsmål|question)",
        r"(?:favourite|favorite) teacher(?:s)?",
        r"(?:beste venn|bestevenn|bestevenen|bestevennen|best friend) i barndommen",
        r"(?:first|childhood) (?:pet|pets|school|teacher|car|street|best friend|friend)",
        r"childhood (?:best )?friend(?:s)?", r"best friend (?:as|in) a child",
        r"(?:første|fyrste) (?:kjæledyr(?:et)?|bil(?:en)?|skole(?:n)?|lærer(?:en)?|lærar(?:en)?)",
        r"street you grew up (?:on|in)", r"(?:gata|gaten|gate) du vokste opp i",
        r"(?:gata|gate) du voks opp i", r"(?:mors|morens|moras|mora di sitt) (?:pikenavn|pikenamn|jentenamn)",
        r"pet s name", r"pets name",
    ),
    "credentials": _rx(r"(?:login|log in|sign in|signin|logon|log on) (?:details|credentials|information|info|data)",
                       r"(?:online )?(?:bank|banking|netbank|nettbank|nettbanken) (?:login|logins|log in|pålogging|innlogging)",
                       r"(?:login|logins|innlogging(?:a|en)?|pålogging(?:a|en)?) (?:til|for|to|på|i|into) (?:the |your |din |di )?"
                       r"(?:nettbank(?:en)?|online bank(?:ing)?|bank(?:en)?|netbank)",
                       r"user ?name", r"bruker navn(?:et)?", r"user id",
                       r"(?:pålogging|innlogging)s? (?:informasjon|info|detaljer|opplysninger)"),
}

# Bare "code"/"kode" is confidential only with a context word nearby (see requests.py).
CODE_RX = _rx(r"kode(?:n|r|ne|a)?", r"kod(?:ane|ar|a)", r"code(?:s)?", r"koder", r"digits", r"siffer", r"sifrene",
              r"sifra", r"siffera", r"tala", r"sifre", r"numbers")
DIGIT_WORDS = {"digits", "siffer", "sifrene", "sifra", "siffera", "tala", "sifre", "numbers"}
CODE_CONTEXT = _rx(r"sms(?:en)?", r"text(?:ed|s|ing)?", r"tekstmelding(?:en)?", r"sent", r"sendt(?:e)?", r"fikk",
                   r"fekk", r"received", r"mottok", r"mottatt", r"motteke", r"mobil(?:en)?",
                   r"phone", r"telefon(?:en)?", r"app(?:en)?", r"login", r"pålogging", r"innlogging",
                   r"bankid", r"bank", r"vipps", r"nettbank(?:en)?", r"ur", r"yr", r"sender", r"sending",
                   r"sends", r"sende", r"autentiserings?", r"verification",
                   r"generated", r"generert", r"your", r"din", r"di", r"dykkar", r"deres", r"brikke(?:n|a)?",
                   r"authenticator", r"bankid\w*", r"app\w*", r"kodebrikke\w*", r"token", r"sikkerhets\w*",
                   r"security", r"card", r"kort(?:et|ets)?", r"betalingskort\w*", r"bankkort\w*",
                   # sixth round: a message that contains it, the chat or reply it goes into
                   r"inneholder", r"inneheld", r"contains", r"containing", r"chatten", r"chat", r"svaret",
                   r"varselet", r"varslet", r"kommer", r"kjem", r"arrives", r"comes")
CARD_CONTEXT = {"card", "kort", "kortet", "kortets", "betalingskortet", "bankkortet", "kortnummeret"}


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
