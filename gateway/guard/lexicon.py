"""Word lists for the request rules, in bokmål, nynorsk and English.

Tokens are matched after normalisation (lower case, look-alikes folded) with hyphens and
apostrophes removed, so "PIN-kode", "pin kode" (joined by the matcher) and "pinkode" are one key.
Patterns accept o for ø, a for å, ae for æ and i for l (leet "1"), because obfuscated or
ASCII-only text is common in phishing.
"""

from __future__ import annotations

import re
from functools import lru_cache

# The object vocabulary lives in lexicon_objects.py; re-exported here for the rules.
from .lexicon_objects import _NOUNS as _NOUNS
from .lexicon_objects import _PHRASES as _PHRASES
from .lexicon_objects import CARD_CONTEXT as CARD_CONTEXT
from .lexicon_objects import CODE_CONTEXT as CODE_CONTEXT
from .lexicon_objects import CODE_RX as CODE_RX
from .lexicon_objects import DIGIT_WORDS as DIGIT_WORDS
from .lexicon_objects import noun_category as noun_category
from .lexicon_objects import phrase_category as phrase_category


def _verbs(*patterns: str) -> re.Pattern[str]:
    """Verbs are short, so only long ones get the o-for-ø tolerance (never i-for-l)."""
    return re.compile("(?:" + "|".join(
        p.replace("ø", "(?:ø|o)").replace("å", "(?:å|a)") if len(p) >= 6 else p for p in patterns) + ")")


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
    r"return", r"returning", r"re-send", r"retype", r"reregister", r"re-register",
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
    r"sett", r"sette", r"logg", r"logge", r"kopier", r"lim", r"lime", r"limer", r"limar", r"lima", r"nevn", r"nevne", r"tilsend",
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
    "read": {"out", "back", "aloud", "me", "us"}, "key": {"in"}, "hand": {"over"}, "fill": {"in", "out"},
    "filling": {"in", "out"}, "legg": {"ved", "inn", "til"}, "legge": {"ved", "inn", "til"},
    "legger": {"ved", "inn", "til"}, "leggja": {"ved", "inn"}, "leggjer": {"ved", "inn"},
    "leggje": {"ved", "inn"}, "let": {"us", "me", "oss"}, "meld": {"inn", "fra", "frå"},
    "melde": {"inn", "fra", "frå"}, "sjekk": {"inn"}, "rapporter": {"inn"}, "innrapporter": {"inn"},
    "last": {"opp"}, "laste": {"opp"}, "laster": {"opp"}, "ta": {"bilde", "bilete", "foto", "kopi"},
    "før": {"inn", "opp"}, "føre": {"inn", "opp"}, "sett": {"inn"}, "sette": {"inn"},
    "lim": {"inn"}, "lime": {"inn"}, "limer": {"inn"}, "limar": {"inn"}, "lima": {"inn"}, "jot": {"down"}, "note": {"down"}, "ring": {"oss", "inn", "us"},
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
                 "kindly", "please", "vennligst", "venligst", "gotta", "gonna"}
# Passive or adjectival demands: "kortnummer må oppgis", "PIN is required".
PASSIVE = _verbs(
    r"oppgis", r"oppgjevast", r"oppgjevst", r"tastes", r"tastast", r"skrives", r"skrivast",
    r"fylles", r"fyllast", r"legges", r"leggjast", r"lastes", r"lastast", r"bekreftes",
    r"stadfestast", r"verifiseres", r"verifiserast", r"oppdateres", r"oppdaterast", r"registreres",
    r"kreves", r"krevst", r"krevjast", r"trengs", r"trengst", r"behøves", r"etterspørres",
    r"påkrevd", r"påkravd", r"obligatorisk", r"required", r"mandatory", r"needed", r"requested",
    r"sendes", r"sendast", r"gis", r"gjevast", r"innhentes", r"avkreves", r"limes", r"limast",
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
# "without": after another negation it states a requirement ("we can't proceed without …").
WITHOUT = {"uten", "utan", "without"}
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
                 "deres", "dykkar", "your", "din", "ditt", "dine", "di",
                 "youll", "youd", "youre"}  # "You'll need your BankID": the reader's own need
SECOND_SUBJECT = {"you", "du", "dere", "dykk", "u", "ya", "dokker", "de"}
POSSESSIVE = {"your", "ur", "yr", "din", "ditt", "dine", "di", "dykkar", "deres", "yours", "dokkers", "sin",
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
QUESTION_WORDS = {"what", "whats", "wat", "wats", "which", "hva", "kva", "hvilken", "hvilket", "kva for",
                  "kvar", "hvor", "ka"}  # "ka" (dialect "kva"): "ka e passordet ditt?"
ANAPHORA = {"it", "them", "this", "that", "these", "those", "den", "det", "dem", "dei", "disse",
            "desse", "dette", "denne", "han", "ho"}
ONLY = {"only", "kun", "bare", "berre", "utelukkende", "exclusively", "solely", "directly"}
INSTRUMENT = {"with", "med", "via", "using", "through", "gjennom", "by", "ved", "in", "i", "på",
              "on", "into", "inn", "til", "to", "from", "fra", "frå", "at", "hos"}
ABBREVIATIONS = {"nr", "kontonr", "fnr", "tlf", "f", "eks", "bl", "a", "dvs", "ca", "osv",
                 "mv", "etc", "e", "g", "i", "inkl", "evt", "ev", "jf", "vs", "ref", "kl", "pkt",
                 "mr", "mrs", "dr", "no", "personnr", "fødselsnr", "t", "o", "m", "st", "kr",
                 "avd", "tel", "ph", "d", "h", "jr", "sr", "co", "ltd", "nb", "ps", "obs", "kortnr", "ktonr",
                 "kto", "pers", "persnr", "pnr", "acct", "acc", "adr", "el", "mob", "ekskl", "tlfnr"}




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
