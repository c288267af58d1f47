"""The vocabulary of handing data over, shared by the broad ask (broad_ask.py): imperatives
that open an ask, participles and inflected forms of provide verbs. Split from broad_ask.py
(fifth round)."""

from __future__ import annotations

from functools import lru_cache

# Imperatives that open an ask in support and phishing text (nb, nn, en). Not "finn"/"find",
# "les"/"read" alone is fine: "les opp", "read out" are asks.
IMPERATIVES = frozenset({
    # bokmål / nynorsk
    "send", "gi", "gje", "oppgi", "oppgje", "skriv", "tast", "fyll", "legg", "last", "les", "si",
    "sei", "fortell", "svar", "bekreft", "stadfest", "verifiser", "oppdater", "del", "vis", "ta",
    "knips", "fotografer", "skann", "ring", "kontakt", "klikk", "trykk", "gå", "følg", "fylg",
    "husk", "hugs", "sørg", "sjå", "se", "la", "lat", "meld", "registrer", "videresend", "sett",
    "noter", "hent", "returner", "inkluder", "tekst", "sms", "mail",
    "kopier", "lim", "bruk", "godkjenn", "aktiver", "signer", "lever", "oppgjev",
    # English
    "give", "provide", "enter", "type", "fill", "put", "pop", "drop", "add", "include", "attach",
    "upload", "read", "say", "tell", "reply", "respond", "answer", "confirm", "verify", "update",
    "share", "show", "take", "snap", "scan", "call", "contact", "click", "tap", "press",
    "go", "follow", "remember", "make", "ensure", "let", "note", "write", "forward", "text",
    "email", "submit", "paste", "copy", "key", "punch", "list", "spell", "hand",
    "bring", "grab", "check", "input", "insert", "supply", "state", "specify",
    "complete", "message", "dm", "whatsapp", "post", "approve", "authorise", "authorize",
    "validate", "register", "re-enter", "reenter", "retype", "resend", "jot", "leave", "pass",
    "relay", "videreformidle", "formidle", "gjenta", "repeat", "skicka", "gimme", "sleng", "bung",
    "chuck", "ping", "shoot", "slenger", "slengjer",
})
# Participles of provide verbs after "vert/blir/må/skal" ("vert skrivne inn", "må leveres").
PARTICIPLES = frozenset({
    "skrivne", "skriven", "skrive", "skrevet", "skrivi", "oppgjeve", "oppgjevne", "oppgitt",
    "oppgitte", "oppgjevast", "sendt", "sende", "sendte", "gjeve", "gjevne", "gitt", "lagt",
    "tasta", "tastet", "fylt", "fylte", "fyllt", "stadfesta", "bekreftet", "bekrefta", "lest",
    "lesne", "levert", "delt", "lasta", "lastet", "innsendt", "innsend", "vedlagt", "vedlegges", "vedleggast",
    "oppdatert", "verifisert", "provided", "entered", "sent", "given", "typed", "filled",
    "supplied", "submitted", "attached", "uploaded", "shared", "included", "written", "stated",
    "confirmed", "reconfirmed", "verified", "validated", "updated", "resubmitted", "reentered",
    "read", "told", "texted", "emailed", "forwarded", "passed", "handed", "gjevast", "givast",
    "etterspurd", "etterspurde", "etterspurt", "etterspurte", "requested", "lesen", "opplesen",
})
PROVIDE_FORMS = frozenset({"svart", "svara", "replied", "sent", "gitt", "gave", "oppgitt", "oppgav",
                            "oppgjeve", "given", "provided", "entered", "tastet", "tasta",
                            "skrevet", "skrive", "written", "wrote", "lagt", "attached",
                            "confirmed", "bekreftet", "stadfesta", "read", "lest", "forwarded",
                            "videresendt", "vidaresendt", "vidaresender", "vidaresend", "shared",
                            "delt", "typed", "texted", "uploaded", "lastet", "lasta"})

@lru_cache(maxsize=8192)
def provide_form(w: str) -> bool:
    """An inflected provide verb: 'sender', 'videresender', 'svart', 'sent', 'replied'."""
    if w in IMPERATIVES or w in PARTICIPLES or w in PROVIDE_FORMS:
        return True
    return any(w.endswith(e) and w[: -len(e)] in IMPERATIVES for e in ("er", "ar", "r", "s", "es", "ed", "d", "t", "a"))
