"""Writes tests/guard/corpus_phrasing.jsonl: the second-round phrasing classes of issue 11.

Each class has its own sentence frames per language (bokmål, nynorsk, English), written from how
phishing mails (bank, BankID, Nets, Skatteetaten, power companies) and hurried support replies
phrase things, and filled from varied vocabulary (objects with their inflections, verbs,
pretexts, deadlines, benefits). Deterministic: ``python tests/guard/phrasing_corpus.py`` writes
the same file every time. The frames aim at phrasing, not at one sentence; the held-out set
(heldout.jsonl) is written separately, by hand, and is never tuned against.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).with_name("corpus_phrasing.jsonl")
PER = {"refuse": 46, "pass": 46}  # per class and language (before de-duplication)

# --- vocabulary ---------------------------------------------------------------------------
OBJ = {
    "nb": [("kortnummeret ditt", "kortnummer"), ("fødselsnummeret ditt", "fødselsnummer"),
           ("passordet ditt", "passord"), ("PIN-koden din", "PIN-kode"),
           ("engangskoden du fikk på SMS", "engangskode"), ("kontonummeret ditt", "kontonummer"),
           ("BankID-passordet ditt", "BankID-passord"), ("CVC-koden på kortet", "CVC-kode"),
           ("personnummeret ditt", "personnummer"), ("en kopi av passet ditt", "kopi av pass"),
           ("brukernavnet og passordet til nettbanken", "brukernavn og passord"),
           ("koden fra kodebrikken", "kode fra kodebrikken"), ("bankkontonummeret ditt", "kontonummer"),
           ("BankID-koden din", "BankID-kode"), ("kortopplysningene dine", "kortopplysninger"),
           ("D-nummeret ditt", "D-nummer"), ("utløpsdatoen og CVC-koden på kortet", "CVC"),
           ("bekreftelseskoden vi sendte deg", "bekreftelseskode")],
    "nn": [("kortnummeret ditt", "kortnummer"), ("fødselsnummeret ditt", "fødselsnummer"),
           ("passordet ditt", "passord"), ("PIN-koden din", "PIN-kode"),
           ("eingongskoden du fekk på SMS", "eingongskode"), ("kontonummeret ditt", "kontonummer"),
           ("BankID-passordet ditt", "BankID-passord"), ("tryggleikskoden på kortet", "tryggleikskode"),
           ("personnummeret ditt", "personnummer"), ("ein kopi av passet ditt", "kopi av pass"),
           ("brukarnamnet og passordet til nettbanken", "brukarnamn og passord"),
           ("koden frå kodebrikka", "kode frå kodebrikka"), ("BankID-koden din", "BankID-kode"),
           ("kortopplysningane dine", "kortopplysningar"), ("D-nummeret ditt", "D-nummer"),
           ("stadfestingskoden vi sende deg", "stadfestingskode"), ("bankkontoen din", "bankkonto")],
    "en": [("your card number", "card number"), ("your national identity number", "national ID number"),
           ("your password", "password"), ("your PIN", "PIN"), ("the one-time code we texted you", "one-time code"),
           ("your bank account number", "account number"), ("your BankID password", "BankID password"),
           ("the CVC on the back of your card", "CVC"), ("your personal number", "personal number"),
           ("a copy of your passport", "passport copy"), ("your online banking username and password", "login details"),
           ("the code from your code device", "code device code"), ("your BankID code", "BankID code"),
           ("your card details", "card details"), ("your D-number", "D-number"),
           ("the verification code we sent you", "verification code"), ("your card's expiry date and CVV", "CVV"),
           ("your social security number", "social security number")],
}
IMP = {
    "nb": ["send oss", "oppgi", "bekreft", "svar med", "skriv inn", "legg ved", "gi oss", "tast inn",
           "fyll inn", "oppdater", "verifiser", "del"],
    "nn": ["send oss", "oppgje", "stadfest", "svar med", "skriv inn", "legg ved", "gje oss", "tast inn",
           "fyll inn", "oppdater", "del"],
    "en": ["send us", "provide", "confirm", "reply with", "enter", "attach", "give us", "type in",
           "fill in", "update", "verify", "share"],
}
PRES = {  # second-person present (after "du"/"you")
    "nb": ["legger ved", "sender oss", "oppgir", "svarer med", "bekrefter", "gir oss", "taster inn"],
    "nn": ["legg ved", "sender oss", "oppgjev", "svarar med", "stadfestar", "gjev oss", "tastar inn"],
    "en": ["attach", "send us", "provide", "reply with", "confirm", "give us", "enter"],
}
DEADLINE = {
    "nb": ["i dag", "innen 24 timer", "før fredag", "snarest", "innen kl. 16", "innen fristen", "nå", ""],
    "nn": ["i dag", "innan 24 timar", "før fredag", "snarast", "innan kl. 16", "no", ""],
    "en": ["today", "within 24 hours", "before Friday", "as soon as possible", "by 4 pm", "now", ""],
}
BAD = {
    "nb": ["at strømmen blir stengt", "purregebyr", "at avtalen blir sagt opp", "inkasso",
           "at kontoen din blir sperret", "ekstra gebyr", "at refusjonen blir trukket tilbake"],
    "nn": ["at straumen blir stengd", "purregebyr", "at avtalen blir sagd opp", "inkasso",
           "at kontoen din blir sperra", "ekstra gebyr"],
    "en": ["a disconnection", "a late fee", "the contract being cancelled", "debt collection",
           "your account being locked", "an extra charge", "losing your refund"],
}
PRETEXT = {
    "nb": ["for å fullføre flyttemeldingen", "slik at refusjonen kan utbetales", "for å bekrefte identiteten din",
           "før vi kan aktivere avtalen", "for å gjenopprette tilgangen til Min side", "så vi kan oppdatere avtalen"],
    "nn": ["for å fullføre flyttemeldinga", "slik at tilbakebetalinga kan gå ut", "for å stadfeste identiteten din",
           "før vi kan aktivere avtalen", "for å få tilbake tilgangen til Mi side"],
    "en": ["to complete your move", "so the refund can be paid", "to confirm your identity",
           "before we can activate the contract", "to restore access to your account", "to update your agreement"],
}
BENEFIT = {
    "nb": ["går det raskere", "får du pengene tilbake i dag", "slipper du gebyret", "blir saken løst med en gang",
           "aktiverer vi avtalen straks", "unngår du stenging"],
    "nn": ["går det fortare", "får du pengane tilbake i dag", "slepp du gebyret", "blir saka løyst med ein gong",
           "aktiverer vi avtalen straks"],
    "en": ["it goes faster", "you get your money back today", "you avoid the fee", "we can close the case at once",
           "we activate the contract right away", "the refund is released"],
}
WE_BENEFIT = {
    "nb": ["betaler vi tilbake beløpet", "aktiverer vi avtalen", "sender vi refusjonen", "åpner vi kontoen igjen",
           "kan vi fullføre flyttingen", "slipper du gebyret"],
    "nn": ["betaler vi tilbake beløpet", "aktiverer vi avtalen", "sender vi pengane", "opnar vi kontoen att",
           "kan vi fullføre flyttinga"],
    "en": ["we pay the refund", "we activate the contract", "we reopen your account", "we can finish your move",
           "the money is on its way", "the fee is waived"],
}


INF = {  # imperative -> infinitive, for "kan du ...", "må du ..."
    "send oss": "sende oss", "oppgi": "oppgi", "bekreft": "bekrefte", "svar med": "svare med",
    "skriv inn": "skrive inn", "legg ved": "legge ved", "gi oss": "gi oss", "tast inn": "taste inn",
    "fyll inn": "fylle inn", "oppdater": "oppdatere", "verifiser": "verifisere", "del": "dele",
    "oppgje": "oppgje", "stadfest": "stadfeste", "gje oss": "gje oss",
}


def inf(imp: str) -> str:
    return INF.get(imp, imp)


def cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def tidy(s: str) -> str:
    s = " ".join(s.split())
    return s.replace(" .", ".").replace(" ,", ",").replace(" ?", "?").replace(",,", ",")


# --- refuse frames per class ----------------------------------------------------------------
def negation_scope(lang: str, r: random.Random) -> str:
    o, _ = r.choice(OBJ[lang])
    imp, dl, bad = r.choice(IMP[lang]), r.choice(DEADLINE[lang]), r.choice(BAD[lang])
    pres = r.choice(PRES[lang])
    f = {
        "nb": [f"Skal du slippe {bad}, må du {inf(imp)} {o} {dl}.",
               f"For å unngå {bad}, {imp} {o} {dl}.", f"Uten {o} kommer vi ikke videre, så {imp} det {dl}.",
               f"Vi kan ikke betale ut pengene før du {pres} {o}.", f"Ikke vent – {imp} {o} {dl}.",
               f"Du trenger ikke ringe oss; {imp} bare {o} her.", f"Har du ikke betalt ennå, kan du {inf(imp)} {o} {dl}.",
               f"Ønsker du ikke {bad}? {cap(imp)} {o} {dl}.", f"Ingen grunn til bekymring, men {imp} {o} {dl}.",
               f"Vi vil ikke at du skal miste refusjonen, så {imp} {o} {dl}.",
               f"Dette er ikke en purring, men vi ber deg {inf(imp)} {o} {dl}."],
        "nn": [f"Skal du sleppe {bad}, må du {inf(imp)} {o} {dl}.", f"For å unngå {bad}, {imp} {o} {dl}.",
               f"Utan {o} kjem vi ikkje vidare, så {imp} det {dl}.", f"Vi kan ikkje betale ut før du {pres} {o}.",
               f"Ikkje vent – {imp} {o} {dl}.", f"Du treng ikkje ringje oss; {imp} berre {o} her.",
               f"Vil du ikkje ha {bad}? {cap(imp)} {o} {dl}.", f"Ingen grunn til uro, men {imp} {o} {dl}.",
               f"Har du ikkje betalt enno, kan du {inf(imp)} {o} {dl}."],
        "en": [f"If you don't want {bad}, {imp} {o} {dl}.", f"To avoid {bad}, {imp} {o} {dl}.",
               f"Without {o} we cannot continue, so {imp} it {dl}.", f"We can't release the refund until you {pres} {o}.",
               f"No need to call us – just {imp} {o} {dl}.", f"Don't worry, simply {imp} {o} and we will sort it out.",
               f"Unless you {pres} {o} {dl}, we will have to close the account.",
               f"This is not a reminder, but please {imp} {o} {dl}.",
               f"Never mind the previous letter; {imp} {o} {dl}."],
    }[lang]
    return r.choice(f)


def object_first(lang: str, r: random.Random) -> str:
    o, _ = r.choice(OBJ[lang])
    dl, pre = r.choice(DEADLINE[lang]), r.choice(PRETEXT[lang])
    f = {
        "nb": [f"{cap(o)} må oppgis {dl}.", f"{cap(o)} må fylles inn {pre}.", f"{cap(o)} trenger vi {dl}.",
               f"{cap(o)} må vi ha {pre}.", f"{cap(o)} skal du oppgi i skjemaet under.",
               f"{cap(o)} må sendes inn {dl}.", f"{cap(o)} skal leses opp for rådgiveren.",
               f"{cap(o)} ber vi deg sende {dl}.", f"Det vi trenger fra deg, er {o}.",
               f"{cap(o)} kreves {pre}.", f"{cap(o)} må bekreftes {dl}.", f"{cap(o)} er påkrevd {pre}."],
        "nn": [f"{cap(o)} må fyllast inn {dl}.", f"{cap(o)} treng vi {dl}.", f"{cap(o)} må me ha {pre}.",
               f"{cap(o)} skal du oppgje i skjemaet under.", f"{cap(o)} må sendast inn {dl}.",
               f"{cap(o)} ber vi deg sende {dl}.", f"{cap(o)} må stadfestast {dl}.", f"{cap(o)} er påkravd {pre}.",
               f"Det vi treng frå deg, er {o}."],
        "en": [f"{cap(o)} is required {pre}.", f"{cap(o)} must be provided {dl}.", f"{cap(o)} is needed {pre}.",
               f"{cap(o)} we need {dl}.", f"{cap(o)} has to be entered below.", f"{cap(o)} should be sent to us {dl}.",
               f"What we need from you is {o}.", f"{cap(o)} must be confirmed {dl}.",
               f"{cap(o)} needs to be read out to our agent.", f"{cap(o)} is mandatory {pre}."],
    }[lang]
    return r.choice(f)


def condition(lang: str, r: random.Random) -> str:
    o, _ = r.choice(OBJ[lang])
    pres, ben, web = r.choice(PRES[lang]), r.choice(BENEFIT[lang]), r.choice(WE_BENEFIT[lang])
    imp = r.choice(IMP[lang])
    f = {
        "nb": [f"Hvis du {pres} {o}, {ben}.", f"Dersom du {pres} {o}, {ben}.", f"Så snart vi har {o}, {web}.",
               f"Straks vi får {o}, {web}.", f"Når vi har mottatt {o}, {web}.",
               f"Vi {r.choice(['betaler tilbake beløpet', 'aktiverer avtalen', 'sender refusjonen'])} så snart du har sendt oss {o}.",
               f"{cap(imp)} {o}, så {web}.", f"Om du {pres} {o} i svaret, {ben}."],
        "nn": [f"Viss du {pres} {o}, {ben}.", f"Dersom du {pres} {o}, {ben}.", f"Så snart vi har {o}, {web}.",
               f"Straks me får {o}, {web}.", f"Når vi har motteke {o}, {web}.", f"Om du {pres} {o}, {ben}.",
               f"{cap(imp)} {o}, så {web}."],
        "en": [f"If you {pres} {o}, {ben}.", f"Once we have {o}, {web}.", f"As soon as we receive {o}, {web}.",
               f"When we get {o}, {web}.", f"{cap(web)} as soon as you {pres} {o}.", f"{cap(imp)} {o} and {web}.",
               f"The moment we have {o}, {web}."],
    }[lang]
    return r.choice(f)


DESC = {
    "nb": ["det lange nummeret foran på kortet ditt", "de 16 sifrene på bankkortet", "de tre sifrene bak på kortet",
           "de fire første sifrene på kortet og de tre bak på kortet", "det 11-sifrede nummeret som identifiserer deg",
           "fødselsdatoen din og de fem siste sifrene", "det som står i displayet på kodebrikken",
           "tallene som vises i BankID-appen", "koden du fikk på SMS", "et bilde av bankkortet ditt",
           "et bilde av passet ditt", "en kopi av førerkortet ditt", "innloggingsinformasjonen til nettbanken",
           "det du bruker for å logge inn i nettbanken", "nummeret på forsiden av kortet",
           "en selfie der du holder legitimasjonen din", "bildesiden i passet"],
    "nn": ["det lange nummeret framme på kortet ditt", "dei 16 sifra på bankkortet", "dei tre sifra bak på kortet",
           "det 11-sifra nummeret som identifiserer deg", "fødselsdatoen din og dei fem siste sifra",
           "det som står i displayet på kodebrikka", "tala som kjem opp i BankID-appen", "koden du fekk på SMS",
           "eit bilete av bankkortet ditt", "eit bilete av passet ditt", "ein kopi av førarkortet ditt",
           "det du brukar for å logge inn i nettbanken", "tala på kodebrikka"],
    "en": ["the long number on the front of your card", "the 16-digit number on your card", "the three digits on the back",
           "the last four digits and the three on the back", "the 11-digit number that identifies you",
           "the five digits after your date of birth", "what the little BankID device displays",
           "the numbers shown in your BankID app", "the code we just texted you", "a photo of your bank card",
           "a photo of your passport page", "a picture of your driving licence", "the login details for your online bank",
           "what you use to log in to your bank", "the code on the back of your card",
           "a selfie holding your ID", "both sides of your card in a photo of your card"],
}


def described(lang: str, r: random.Random) -> str:
    d = r.choice(DESC[lang])
    imp, dl, pre = r.choice(IMP[lang]), r.choice(DEADLINE[lang]), r.choice(PRETEXT[lang])
    f = {
        "nb": [f"{cap(imp)} {d} {dl}.", f"Vi trenger {d} {pre}.", f"Kan du {inf(imp)} {d}?",
               f"Vennligst {imp} {d} {pre}.", f"Svar på denne e-posten med {d}."],
        "nn": [f"{cap(imp)} {d} {dl}.", f"Vi treng {d} {pre}.", f"Kan du {inf(imp)} {d}?", f"Ver venleg og {inf(imp)} {d}.",
               f"Svar på denne e-posten med {d}."],
        "en": [f"{cap(imp)} {d} {dl}.", f"We need {d} {pre}.", f"Could you {imp} {d}?", f"Please {imp} {d} {pre}.",
               f"Reply to this e-mail with {d}."],
    }[lang]
    return r.choice(f)


NEED = {
    "nb": ["En ting til før vi kan fullføre.", "Vi mangler bare én opplysning.", "Svar på denne e-posten i dag.",
           "Send det til oss snarest.", "Vi trenger én ting til fra deg.", "Nesten ferdig!", "Før vi kan utbetale refusjonen:",
           "Det siste vi trenger, er lite.", "Vennligst svar innen fredag."],
    "nn": ["Ein ting til før vi kan fullføre.", "Vi manglar berre ei opplysning.", "Svar på denne e-posten i dag.",
           "Send det til oss snarast.", "Vi treng ein ting til frå deg.", "Nesten ferdig!", "Ver venleg og svar innan fredag."],
    "en": ["One more thing before we can finish.", "We just need one more detail.", "Please reply to this e-mail today.",
           "Send it to us as soon as possible.", "We still need one thing from you.", "Almost done!",
           "Before we can release the refund:", "Kindly respond by Friday."],
}
FOLLOW = {
    "nb": ["Det er {o}.", "Det gjelder {o}.", "{O}.", "Altså {o}.", "Nemlig {o}.", "Vi snakker om {o}.", "Bare {o}, takk."],
    "nn": ["Det er {o}.", "Det gjeld {o}.", "{O}.", "Altså {o}.", "Nemleg {o}.", "Berre {o}, takk."],
    "en": ["It's {o}.", "That is {o}.", "{O}.", "Namely {o}.", "Just {o}, please.", "We mean {o}.", "Only {o}."],
}


def cross_sentence(lang: str, r: random.Random) -> str:
    o, _ = r.choice(OBJ[lang])
    n = r.choice(NEED[lang])
    fol = r.choice(FOLLOW[lang]).replace("{O}", cap(o)).replace("{o}", o)
    mid = r.choice(["", "", " Takk for hjelpen." if lang != "en" else " Thanks for your help."])
    return f"{n}{mid} {fol}"


INFORMAL = {
    "nb": ["fnr.", "fnr", "kto.nr.", "kontonr.", "kortnr.", "pers.nr.", "passrod", "fødselsnumer", "engangskde",
           "kontonumer", "kortnumeret", "passwordet", "pin-coden", "personummeret", "fødselsnr.", "bankid-pasordet",
           "kortnummere", "pinkoden", "engangskodn", "kontonummert"],
    "nn": ["fnr.", "kto.nr.", "kortnr.", "passorda dine", "kortnummera dine", "eingongskodane", "pinkodane",
           "fødselsnumeret", "kontonumeret", "passoret", "bankkontoen din", "eingongskoda", "personnr."],
    "en": ["acct no", "acct no.", "acct number", "card no.", "card nr", "ur pasword", "verificaton code", "pincode",
           "SSN", "passwrd", "pasword", "accountnumber", "credit card no.", "cardnumber", "one time pass code"],
}


def informal(lang: str, r: random.Random) -> str:
    w = r.choice(INFORMAL[lang])
    imp, dl = r.choice(IMP[lang]), r.choice(DEADLINE[lang])
    f = {
        "nb": [f"{cap(imp)} {w} {dl}.", f"Pls {imp} {w} asap.", f"Hei! Trenger {w} ditt {dl} :)",
               f"Kan du {inf(imp)} {w}?", f"{cap(imp)} {w} her -> ______"],
        "nn": [f"{cap(imp)} {w} {dl}.", f"Kva for {w.split()[0]} skal vi bruke?", f"Kan du {inf(imp)} {w}?",
               f"Hei! Treng {w} {dl}.", f"{cap(imp)} {w} her."],
        "en": [f"{cap(imp)} ur {w} {dl}.", f"pls {imp} {w} asap", f"Hi! Need ur {w} {dl} thx",
               f"Can u {imp} your {w}?", f"{cap(imp)} {w} here pls."],
    }[lang]
    return tidy(r.choice(f).replace("ur ur", "ur").replace("your ur", "your"))


SECQ = {
    "nb": ["svaret på sikkerhetsspørsmålet ditt", "navnet på barndomsvennen din", "navnet på ditt første kjæledyr",
           "morens pikenavn", "gaten du vokste opp i", "sikkerhetsspørsmålet og svaret", "navnet på din første lærer",
           "svarene på sikkerhetsspørsmålene"],
    "nn": ["svaret på tryggleiksspørsmålet ditt", "namnet på barndomsvenen din", "namnet på det fyrste kjæledyret ditt",
           "gata du vaks opp i", "mora di sitt jentenamn", "svaret på kontrollspørsmålet"],
    "en": ["the answer to your security question", "your childhood best friend's name", "the name of your first pet",
           "your mother's maiden name", "the street you grew up on", "your memorable word", "the name of your first school",
           "the answers to your security questions"],
}


def security_question(lang: str, r: random.Random) -> str:
    q = r.choice(SECQ[lang])
    imp, dl, pre = r.choice(IMP[lang]), r.choice(DEADLINE[lang]), r.choice(PRETEXT[lang])
    f = {
        "nb": [f"{cap(imp)} {q} {pre}.", f"Hva er {q}?", f"Vi trenger {q} {dl}.", f"Svar med {q} {pre}."],
        "nn": [f"{cap(imp)} {q} {pre}.", f"Kva er {q}?", f"Vi treng {q} {dl}.", f"Svar med {q}."],
        "en": [f"{cap(imp)} {q} {pre}.", f"What is {q}?", f"We need {q} {dl}.", f"Reply with {q} {pre}."],
    }[lang]
    return r.choice(f)


_LOOK = {"P": "Ρ", "I": "Ι", "N": "Ν", "H": "Η", "A": "Α", "O": "Ο", "E": "Ε", "K": "Κ", "M": "Μ", "T": "Τ",
         "B": "Β", "X": "Χ", "Y": "Υ", "C": "С", "S": "Ѕ"}


def normaliser(lang: str, r: random.Random) -> str:
    base = r.choice([negation_scope, object_first, condition, described])(lang, r)
    words = base.split(" ")
    long = [k for k, w in enumerate(words) if sum(c.isalpha() for c in w) >= 6]
    k = r.choice(long) if long else 0
    w = words[k]
    if r.random() < 0.5 and len(w) > 6:
        cut = r.randint(3, len(w) - 3)
        words[k] = w[:cut] + "-\n" + w[cut:]
    else:
        words[k] = "".join(_LOOK.get(c.upper(), c) if c.isalpha() and r.random() < 0.6 else c for c in w.upper())
    return " ".join(words)


# --- benign hard negatives -------------------------------------------------------------------
BENIGN = {
    "nb": [
        "Skriv inn koden på gavekortet vi sender deg for å løse det inn.", "Rabattkoden din er {code} og gjelder ut måneden.",
        "Les av tallene på måleren og send oss målerstanden {dl}.", "Send oss de fire siste sifrene i målernummeret.",
        "Hentekoden for pakken står i SMS-en fra Posten.", "Kundenummeret ditt står øverst på fakturaen.",
        "Be elektrikeren om samsvarserklæringen og send den til oss.", "Spør utleieren din om målernummeret.",
        "Be banken din om IBAN hvis du skal betale fra utlandet.", "Kontakt nettselskapet om du trenger målerens ID.",
        "Lag et sterkt passord og del det ikke med noen.", "Gi aldri PIN-koden din til noen, heller ikke til oss.",
        "Del aldri engangskoden med noen som ringer deg.", "Oppgi ikke kortnummeret ditt på telefon.",
        "Som forskriften krever, må måleren være tilgjengelig.", "Loven krever at vi oppbevarer fakturaer i fem år.",
        "Hvitvaskingsloven krever at vi kjenner kundene våre; derfor logger du inn med BankID.",
        "Får du en SMS der det står «Bekreft BankID-koden din her», er det svindel.",
        "Svindlere skriver ofte «Oppgi kortnummeret ditt for å unngå stenging». Slett slike meldinger.",
        "Vi ber deg aldri om passord, PIN-kode eller engangskoder.", "Du trenger ikke oppgi fødselsnummer for å melde flytting.",
        "Hvis du vil endre kontonummeret for utbetalinger, logger du inn på Min side.",
        "Du kan selv oppdatere kontonummeret ditt på Min side.", "Fødselsnummeret ditt er lagret kryptert hos oss.",
        "Oppgi ny adresse og flyttedato {dl}.", "Send oss målerstanden din {dl}.", "Hva er målerstanden din i dag?",
        "Husk å ha målernummeret klart når du ringer oss.", "En ting til: send oss målerstanden din.",
        "Vi trenger én ting til før vi kan fullføre flyttingen. Det er målerstanden på flyttedagen.",
        "Hvis du har glemt PIN-koden til BankID, må du kontakte banken din.",
        "Vi bruker ikke sikkerhetsspørsmål; innlogging skjer med BankID.",
        "Sikkerhetsspørsmål som «Hva het ditt første kjæledyr?» er lette å gjette, så vi bruker dem ikke.",
        "Refusjonen går til kontonummeret du allerede har registrert hos oss.",
        "Betal til kontonummer 1503.40.12345 innen forfall.", "Koden til nøkkelboksen får du av montøren på SMS.",
        "Vi sender deg en ny kode til døra i målerrommet når låsen er byttet.",
        "Passordet til Wi-Fi-en i butikken henger ved kassa.",
        "Hvis noen ringer og ber om koden fra BankID, legg på og ring oss.",
        "Skal du slippe gebyret, må du betale fakturaen innen forfall.", "For å unngå purregebyr, betal {dl}.",
        "Uten målerstanden kan vi ikke beregne sluttfakturaen, så send den {dl}.",
        "Når vi har mottatt målerstanden din, sender vi sluttfakturaen.",
        "Så snart vi har flyttedatoen din, bekrefter vi avtalen.", "Hvis du legger ved et bilde av måleren, går det raskere.",
    ],
    "nn": [
        "Skriv inn koden på gåvekortet vi sender deg.", "Rabattkoden din er {code} og gjeld ut månaden.",
        "Les av tala på målaren og send oss målarstanden {dl}.", "Send oss dei fire siste sifra i målarnummeret.",
        "Kundenummeret ditt står øvst på fakturaen.", "Be elektrikaren om samsvarserklæringa.",
        "Spør utleigaren din om målarnummeret.", "Spør banken din om IBAN viss du skal betale frå utlandet.",
        "Lag eit sterkt passord og del det ikkje med nokon.", "Gje aldri PIN-koden din til nokon, heller ikkje til oss.",
        "Del aldri eingongskoden med nokon som ringjer deg.", "Som forskrifta krev, må målaren vere tilgjengeleg.",
        "Lova krev at vi tek vare på fakturaer i fem år.",
        "Får du ein SMS der det står «Stadfest BankID-koden din her», er det svindel.",
        "Svindlarar skriv ofte «Oppgje kortnummeret ditt for å unngå stenging». Slett slike meldingar.",
        "Vi ber deg aldri om passord, PIN-kode eller eingongskodar.", "Du treng ikkje oppgje fødselsnummer for å melde flytting.",
        "Viss du vil endre kontonummeret for utbetalingar, loggar du inn på Mi side.",
        "Du kan sjølv oppdatere kontonummeret ditt på Mi side.", "Fødselsnummeret ditt er lagra kryptert hos oss.",
        "Oppgje ny adresse og flyttedato {dl}.", "Send oss målarstanden din {dl}.", "Kva er målarstanden din i dag?",
        "Hugs å ha målarnummeret klart når du ringjer oss.", "Ein ting til: send oss målarstanden din.",
        "Viss du har gløymt PIN-koden til BankID, må du kontakte banken din.",
        "Vi brukar ikkje tryggleiksspørsmål; innlogging skjer med BankID.",
        "Tilbakebetalinga går til kontonummeret du alt har registrert hos oss.",
        "Viss nokon ringjer og ber om koden frå BankID, legg på og ring oss.",
        "Skal du sleppe gebyret, må du betale fakturaen innan forfall.", "For å unngå purregebyr, betal {dl}.",
        "Utan målarstanden kan vi ikkje rekne ut sluttfakturaen, så send han {dl}.",
        "Når vi har motteke målarstanden din, sender vi sluttfakturaen.",
        "Så snart vi har flyttedatoen din, stadfestar vi avtalen.", "Viss du legg ved eit bilete av målaren, går det fortare.",
        "Hentekoden for pakken står i SMS-en frå Posten.",
    ],
    "en": [
        "Enter the code on the gift card we send you.", "Your discount code is {code} and is valid all month.",
        "Read the numbers on the meter and send us the reading {dl}.", "Send us the last four digits of your meter number.",
        "Your pickup code for the parcel is in the text from the carrier.", "Your customer number is at the top of the invoice.",
        "Ask the electrician for his certificate and send it to us.", "Ask your landlord for the meter number.",
        "Ask your bank for the IBAN if you pay from abroad.", "Contact the grid company if you need the meter ID.",
        "Create a strong password and never share it with anyone.", "Never give your PIN to anyone, not even to us.",
        "Never share a one-time code with someone who calls you.", "Do not give your card number over the phone.",
        "As the law requires, we keep invoices for five years.", "Regulations require us to store your national ID number encrypted.",
        "If you get an e-mail saying \"Reply with your PIN to avoid closure\", it is a scam.",
        "Scammers often write 'confirm your card number to avoid disconnection'. Delete such messages.",
        "We will never ask for your password, PIN or one-time codes.", "You never need to give us your card number.",
        "If you want to change the account number for refunds, log in to Min side.",
        "You can update your account number yourself on Min side.", "Your national ID number is stored encrypted.",
        "Please give us your new address and moving date {dl}.", "Send us your meter reading {dl}.",
        "What is your meter reading today?", "Keep your meter number handy when you call.",
        "One more thing: please send us your meter reading.",
        "We need one more thing before we can finish your move. It's the meter reading on moving day.",
        "If you have forgotten your BankID PIN, contact your bank.", "We do not use security questions; you sign in with BankID.",
        "The refund goes to the account number you already registered with us.",
        "If someone calls and asks for your BankID code, hang up and call us.",
        "To avoid a late fee, pay the invoice {dl}.", "Without the meter reading we cannot work out the final bill, so send it {dl}.",
        "Once we have your meter reading, we will send the final invoice.",
        "As soon as we have your moving date, we confirm the contract.", "If you attach a photo of the meter, it goes faster.",
        "The code to the meter room door is on the note from the technician.",
    ],
}


def benign(lang: str, r: random.Random) -> str:
    s = r.choice(BENIGN[lang])
    return tidy(s.replace("{dl}", r.choice(DEADLINE[lang])).replace("{code}", r.choice(["SOMMER25", "VINTER10", "STRØM50", "HELLO20"])))


# --- benign mirrors: the same phrasings with harmless data, or with the data protected ----------
SAFE = {
    "nb": ["målerstanden din", "den nye adressen din", "flyttedatoen", "telefonnummeret ditt", "e-postadressen din",
           "kundenummeret ditt", "målernummeret", "et bilde av måleren", "fakturanummeret", "datoen du flytter inn",
           "navnet på den nye eieren", "en kopi av kjøpekontrakten for boligen", "målepunkt-ID-en"],
    "nn": ["målarstanden din", "den nye adressa di", "flyttedatoen", "telefonnummeret ditt", "e-postadressa di",
           "kundenummeret ditt", "målarnummeret", "eit bilete av målaren", "fakturanummeret", "namnet på den nye eigaren"],
    "en": ["your meter reading", "your new address", "the moving date", "your phone number", "your e-mail address",
           "your customer number", "the meter number", "a photo of the meter", "the invoice number",
           "the name of the new owner", "the date you move in", "a copy of the tenancy agreement"],
}
PROTECT = {  # frames that protect a confidential object: {o} is the object
    "nb": ["Del aldri {o} med noen.", "Vi ber deg aldri om {o}.", "{O} skal du aldri oppgi til noen.",
           "Hvis noen ber deg om {o}, er det svindel.", "Svindlere ber ofte om {o}; vi gjør aldri det.",
           "Du trenger ikke sende oss {o}.", "Ikke oppgi {o} i e-post eller på telefon.",
           "{O} er ditt, og det skal ingen andre vite.", "Vi spør ikke etter {o} – verken nå eller senere.",
           "Har noen bedt deg om {o}, bør du kontakte banken din.", "Ingen fra oss vil be om {o}.",
           "{O} trenger vi ikke; vi har alt vi trenger.", "Hvis du har gitt {o} til noen, kontakt banken din straks.",
           "Vi bruker {o} bare til å identifisere deg.", "{O} er lagret kryptert hos oss.",
           "Vi har allerede registrert {o}.", "{O} vises aldri i e-post.", "Kundeservice kan ikke se {o}.",
           "Du velger selv {o} når du aktiverer tjenesten.", "{O} brukes bare i BankID-vinduet.",
           "Endringen gjelder ikke {o}.", "Vi lagrer {o} slik loven krever.",
           "Vi har registrert {o} fra før, så du trenger ikke gjøre noe."],
    "nn": ["Del aldri {o} med nokon.", "Vi ber deg aldri om {o}.", "{O} skal du aldri oppgje til nokon.",
           "Viss nokon ber deg om {o}, er det svindel.", "Svindlarar ber ofte om {o}; vi gjer aldri det.",
           "Du treng ikkje sende oss {o}.", "Ikkje oppgje {o} i e-post eller på telefon.",
           "Vi spør ikkje etter {o} – verken no eller seinare.", "Ingen frå oss vil be om {o}.",
           "{O} treng vi ikkje; vi har alt vi treng.", "Vi brukar {o} berre til å identifisere deg.",
           "{O} er lagra kryptert hos oss.", "Vi har alt registrert {o}.", "{O} blir aldri vist i e-post.",
           "Du vel sjølv {o} når du aktiverer tenesta.", "Endringa gjeld ikkje {o}."],
    "en": ["Never share {o} with anyone.", "We will never ask you for {o}.", "You should never give {o} to anyone.",
           "If someone asks you for {o}, it is a scam.", "Fraudsters often ask for {o}; we never do.",
           "You do not need to send us {o}.", "Do not give {o} by e-mail or over the phone.",
           "No one from our company will ask for {o}.", "We don't need {o}; we already have what we need.",
           "If you have given {o} to anyone, contact your bank at once.", "We do not ask for {o}, now or later.",
           "We use {o} only to identify you.", "{O} is stored encrypted.", "We have already registered {o}.",
           "{O} is never shown in e-mail.", "You choose {o} yourself when you activate the service.",
           "The change does not affect {o}.", "We keep {o} as the law requires."],
}


def _safe_frames(fn, lang: str, r: random.Random) -> str:
    """A refusing frame with its object swapped for harmless data."""
    saved = OBJ[lang]
    OBJ[lang] = [(o, o) for o in SAFE[lang]]
    try:
        return fn(lang, r)
    finally:
        OBJ[lang] = saved


def benign_mirror(lang: str, r: random.Random) -> str:
    roll = r.random()
    if roll < 0.5:
        fn = r.choice([negation_scope, object_first, condition, cross_sentence])
        return _safe_frames(fn, lang, r)
    o, _ = r.choice(OBJ[lang])
    f = r.choice(PROTECT[lang])
    return f.replace("{O}", cap(o)).replace("{o}", o)


CLASSES = {"negation_scope": negation_scope, "object_first": object_first, "condition": condition,
           "described": described, "cross_sentence": cross_sentence, "informal": informal,
           "security_question": security_question, "normaliser": normaliser}
CODES = {"negation_scope": "nsc", "object_first": "obf", "condition": "cnd", "described": "dsc",
         "cross_sentence": "xsn", "informal": "inf", "security_question": "sec", "normaliser": "nrm",
         "hard_negative": "hdn"}


def generate() -> list[dict]:
    r = random.Random(20261207)
    out: list[dict] = []
    seen: set[str] = set()
    for lang in ("nb", "nn", "en"):
        jobs = [(cls, fn, "refuse") for cls, fn in CLASSES.items()] + [
            ("hard_negative", benign, "pass"), ("hard_negative", benign_mirror, "pass")]
        for cls, fn, label in jobs:
            want = PER[label] * (8 if fn is benign_mirror else 2 if cls == "hard_negative" else 1)
            n = sum(1 for rec in out if rec["lang"] == lang and rec["family"] == cls)
            start, tries = n, 0
            while n - start < want and tries < want * 40:
                tries += 1
                text = tidy(fn(lang, r)) if cls != "normaliser" else fn(lang, r)
                if text in seen:
                    continue
                seen.add(text)
                n += 1
                out.append({"id": f"{lang}-{CODES[cls]}-{n:03d}", "lang": lang, "kind": "text", "label": label,
                            "family": cls, "source": text, "note": "generated (tests/guard/phrasing_corpus.py)"})
    return out


if __name__ == "__main__":
    with OUT.open("w", encoding="utf-8") as fh:
        for rec in generate():
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
