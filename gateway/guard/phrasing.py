"""Second-round vocabulary for the request rules: confidential data described instead of named,
misspelt object words, and the words that decide the harder phrasings (code in a harmless sense,
a third party asked, a law that requires, a quoted scam inside a warning, a need stated in one
sentence and its object in the next). Matched on normalised text (see normalize.py)."""

from __future__ import annotations

import re
from functools import lru_cache

from . import segments

_GAP = r"[\s\-']+"


def _p(pattern: str) -> str:
    """A phrase pattern: a space stands for any run of spaces, hyphens or apostrophes."""
    body = pattern.replace(" ?", f"(?:{_GAP})?").replace(" ", _GAP)
    # No look-behind in front: re then skips ahead by the first characters; the start of a word
    # is checked on each match instead (_at_word_start).
    return body + r"(?![^\W_])"


_YOUR = r"(?:your|ur|yr|the|din|ditt|di|dine|dykkar|deres|this|dette|denne|det|den)"
_CARD = r"(?:(?:bank|betalings|kreditt|debet|visa|master|plast)?kort(?:et|a)?|(?:bank |credit |debit |payment |plastic )?card|bankcard)"
_DIGITS = r"(?:digits|numbers|siffer|sifrene|sifra|siffera|sifre|tal|tala|tall|tallene|nummer|nummeret)"
_NUM4 = r"(?:four|4|a|fire|six|6|seks|tre|three|3|e|sixteen|16|i6|ib|seksten)"

# (category, needles, pattern): confidential data described, not named. A pattern is tried only
# on text that holds one of its needles (each match holds one), which keeps ordinary text cheap.
_DESCRIBED: list[tuple[str, tuple[str, ...], str]] = [
    ("card_number", ("card", "kort"), rf"(?:long|16 digit|i6 digit|ib digit|sixteen digit) (?:card )?number (?:on|across|printed on) (?:the front of )?{_YOUR}? ?{_CARD}"),
    ("card_number", ("card", "kort"), rf"(?:numbers?|digits) (?:on|across) the front of {_YOUR}? ?{_CARD}"),
    ("card_number", ("kort",), rf"(?:det lange|det store|det 16 sifrede|det sekstensifra) (?:nummeret|talet) (?:på|framme på|foran på|fremme på) {_YOUR}? ?{_CARD}"),
    ("card_number", ("kort",), rf"(?:de|dei) (?:16|i6|ib|seksten) (?:sifrene|sifra|siffera|tala|tallene) (?:på|i) {_YOUR}? ?{_CARD}"),
    ("card_number", ("kort",), rf"(?:nummeret|tallene|sifrene|tala|sifra|siffera|talet) (?:på|fra|frå) (?:forsiden|framsida|framsiden|fremsiden) (?:av|på|til) {_YOUR}? ?{_CARD}"),
    ("card_number", ("card", "kort"), rf"(?:first|last|(?:de|dei) (?:første|fyrste|siste)) {_NUM4} {_DIGITS} (?:of|on|from|in|i|på|av|fra|frå) {_YOUR}? ?{_CARD}(?: ?number| ?nummeret)?"),
    ("card_number", ("digits", "numbers"), rf"(?:last|first) {_NUM4} (?:digits|numbers)(?: of (?:the|your) card)?(?= and| og| \+| &)"),
    ("card_number", ("sifrene", "sifra", "tala"), r"(?:de|dei) (?:fire|4) (?:siste|første) (?:sifrene|sifra|siffera|tala)(?= og| \+| &)"),
    ("card_security_code", ("back",), rf"(?:the )?(?:three|3)(?: (?:digits|numbers|digit code|digit number))? (?:on|at|from) (?:the )?back(?: of {_YOUR}? ?{_CARD}|(?! of))"),
    ("card_security_code", ("back",), rf"(?:the )?code on the back of {_YOUR}? ?{_CARD}"),
    ("card_security_code", ("card",), rf"(?:the )?(?:three|3) (?:digits|numbers) (?:on|from|printed on) {_YOUR}? ?{_CARD}"),
    ("card_security_code", ("back", "bak"), r"(?:the )?(?:digits|numbers|code|sifrene|sifra|siffera|tala|tallene|tala|koden|tallkoden) (?:printed |shown |written |som står |som er trykt |som står trykt )?(?:on|at|på|bak på) (?:the )?(?:back|baksiden|baksida|bakside)(?! (?:of|av|på|til) (?!(?:(?:the|your|this) )?(?:(?:bank|credit|debit|payment) )?card|(?:bank|betalings|kreditt|debet)?kort))"),
    ("card_security_code", ("bak",), rf"(?:de|dei) (?:tre|3) (?:siste )?(?:sifrene|sifra|siffera|tala|tallene|tal|siffer)(?: som står)? (?:bak på|på baksiden av|på baksida av|på baksida|på baksiden) ?(?:{_YOUR} )?(?:{_CARD})?"),
    ("card_security_code", ("bak",), rf"(?:koden|nummeret|talet|tallet|koda) (?:som står |som stend |som er trykt )?(?:bak på|på baksiden av|på baksida av) {_YOUR}? ?{_CARD}"),
    # The card named elsewhere in the message: "Har du kortet framfor deg, les opp tala på framsida".
    ("card_number", ("framsid", "forsid", "fremsid", "the front"), r"(?:de |dei |the )?(?:nummeret|tallene|sifrene|tala|sifra|siffera|talet|tallet|numbers|digits|number) (?:på|fra|frå|on|across) (?:forsiden|framsida|framsiden|fremsiden|the front)(?! (?:av|på|til|of) (?!(?:kortet|kortet ditt|the card|your card)))"),
    ("card_security_code", ("tresif",), r"(?:tresifra|tresifrede|tresifret) (?:kode|koden|nummer|nummeret)"),
    ("national_id", ("digit", "sifre", "sifra", "siffer"), r"(?:11|ii|eleven|elleve) (?:digit|sifret|sifrede|sifra|siffera|siffer) (?:number|id|nummer|nummeret|talet|personal number|identity number)"),
    ("national_id", ("identif",), r"(?:number|nummeret|nummer|talet|(?:the )?(?:11|ii|eleven|elleve) (?:digits|sifrene|sifra|siffera|tala|siffer)) (?:that|which|som) identif(?:ies|y|iserer) (?:you|deg|dykk)"),
    ("national_id", ("fødselsdato",), r"(?:de|dei) (?:fem|5) (?:sifrene|sifra|siffera|tala|tallene|siste sifrene|siste sifra) (?:etter|bak) (?:fødselsdatoen|fødselsdato|fødselsdagen)"),
    ("national_id", ("birth",), r"(?:the )?(?:five|5) digits (?:after|following) (?:your|the) (?:date of birth|birth date|birthdate)"),
    ("national_id", ("fødselsdato", "birth"), r"(?:fødselsdato|fødselsdatoen|date of birth|birth date)(?: din| your)? (?:og|and|\+|&) (?:de|dei|the)? ?(?:fem|5|five) (?:siste )?(?:sifrene|sifra|siffera|tala|digits|numbers)"),
    ("one_time_code", ("device", "dongle", "token", "fob", "brikk", " app"), r"(?:what|the (?:number|numbers|code|digits)) (?:that )?(?:the|your) (?:little )?(?:bankid |code |security )?(?:device|dongle|token|key ?fob|brikke|app) (?:displays|shows|says|gives you|generates)"),
    ("one_time_code", ("som st", "som vis", "som kommer", "som kjem", "som dukk", "som blink"), r"(?:det|tallet|tallene|sifrene|koden|kodane|kodene|tala|sifra|siffera|talet|nummeret) som (?:står|vises|visast|kommer opp|kjem opp|dukker opp|dukkar opp|blinker) (?:akkurat no |akkurat nå |nå |no )?(?:i displayet |på skjermen |i vinduet )?(?:på|i) (?:den |din |di )?(?:lille |vesle |litle )?(?:kodebrikken|kodebrikka|brikken|brikka|dingsen|appen|bankid appen|bankid dingsen|bankid brikka|bankid brikken|mobilen|telefonen|bankid)"),
    ("one_time_code", ("kodebrikk", "brikk", "dingsen"), r"(?:tallet|tallene|sifrene|tala|sifra|siffera|koden|nummeret|talet) (?:på|i|fra|frå) (?:kodebrikken|kodebrikka|brikken|brikka|dingsen)"),
    ("one_time_code", ("code device", "bankid app", "authenticator", "display", "token", "screen of", "fob", "dongle", "device"), r"(?:the )?(?:numbers?|digits|code) (?:currently |now )?(?:shown |displayed |that appears? |that pops up |is showing |are showing |is shown |is displayed )?(?:on|in) (?:your|the) (?:little |small )?(?:bankid )?(?:code device|bankid app|authenticator|display|token|screen of your phone|key ?fob|fob|dongle|device)"),
    ("one_time_code", ("koden du", "koden de", "koden dere", "koden dykk", "nummeret du", "tallkoden"), r"(?:koden|koda|tallkoden|nummeret) (?:du|de|dere|dykk) (?:fikk|fekk|får|har fått|har fått tilsendt|mottok|har mottatt|ser) (?:på|i|per|via|fra|frå) (?:sms|tekstmelding|mobilen|telefonen|appen|bankid|banken|din bank|bank)"),
    ("one_time_code", ("code that", "code which", "code just", "came through", "came in", "arrived"), r"(?:the )?(?:code|number|digits|pin) (?:that |which )?(?:just )?(?:came through|came in|arrived|has arrived|just arrived)"),
    ("one_time_code", ("you get", "you receive"), r"(?:the )?(?:code|number|digits|pin) (?:that )?you (?:get|receive)(?: there| on your phone| by sms| by text| in the app| from (?:us|vipps|bankid))"),
    ("one_time_code", ("texted", "we sent", "we just", "you just", "i just", "you received", "you got", "i sent", "we have sent"), r"(?:the )?(?:code|number|digits|pin) (?:we|i|you) (?:just )?(?:texted|sent|received|got)(?: you| to your phone| by sms| by text| on your phone| in the app)?"),
    ("id_document", ("photo", "picture", "pic", "image", "scan", "copy", "selfie", "snapshot", "bilde", "bilete", "foto", "kopi", "skann"), rf"(?:photo|photos|picture|pictures|pic|pics|image|images|scan|scans|copy|copies|selfie|snapshot|bilde|bilder|bilete|foto|kopi|skann|skanning) (?:of|av) (?:both sides of |begge sider av |begge sidene av |begge sidane av |front and back of |forsiden og baksiden av |forsida og baksida av )?{_YOUR}? ?(?:{_CARD}|passport page|passport|pass|passet|passida|passiden|id|id kort|id kortet|førerkort|førerkortet|førarkortet|legitimasjon|legitimasjonen|leg|legen|driving licence|driver s license|drivers license)"),
    ("id_document", ("passport page", "passside", "passsida", "passiden", "bildesiden", "bilete sida", "photo page"), r"(?:passport page|passside|passsida|passiden|bildesiden i passet|bilete sida i passet|photo page)"),
    ("id_document", ("selfie", "bilde", "bilete", "photo", "picture"), rf"(?:selfie|bilde|bilete|photo|picture) (?:with|med|holding|der du holder) {_YOUR}? ?(?:passport|id|pass|passet|legitimasjon|legitimasjonen|id kort|førerkort)"),
    ("credentials", ("details for", "details to", "details of", "information for", "information to", "info for", "info to", "credentials for", "credentials to"), rf"(?:login|log in|sign in|logon) (?:details|information|info|credentials) (?:for|to|of) {_YOUR}? ?(?:online bank|nettbank|bank|account)"),
    ("credentials", ("innlogging", "pålogging"), r"(?:innloggingsinformasjon|innloggingsinfo|påloggingsinformasjon|innloggingsopplysninger|innloggingsdetaljer|påloggingsdetaljer|påloggingsopplysningar)(?:en|ane|ene|a)? (?:til|for|i) (?:nettbanken|banken|kontoen)"),
    ("credentials", ("bruker for", "brukar for", "bruker til", "brukar til", "use to"), r"(?:det|what|the details) (?:du|you) (?:bruker|brukar|use) (?:for å|til å|to) (?:(?:logge|logga|log|sign) (?:inn|in|på|on)|get into|komme inn (?:i|på)|kome inn (?:i|på))"),
    ("credentials", ("what you", "det du"), r"(?:what|det) (?:you|du) (?:type|log|sign|skriv|skriver|taster|tastar|logger|loggar) (?:in )?(?:with|med|inn med|på med)"),
    ("credentials", ("what you", "det du"), r"(?:what|det) (?:you|du) (?:type|enter|key|skriv|skriver|taster|tastar|bruker|brukar|use) (?:in |inn )?(?:when|når|da) (?:you|du) (?:log|logger|loggar|sign|signs) (?:in|on|inn|på)"),
    ("security_question", ("grew", "lived"), r"(?:the )?(?:street|road|town) (?:you|where you) (?:grew up|lived as a child)(?: on| in)?"),
    ("security_question", ("vokste", "voks", "vaks", "bodde", "budde"), r"(?:gata|gaten|vegen|veien|byen|gården) (?:du|de|dykk) (?:vokste|voks|vaks|bodde|budde) (?:opp )?(?:i|på)?(?: som barn)?"),
    ("security_question", ("barndom", "childhood", "as a child", "som barn", "som liten"), r"(?:hva het|kva heitte|kva het|what was(?: the name of)?|what s|what is|who was|kven var|hvem var)(?: [\w]+){0,6} (?:i barndommen|in (?:your )?childhood|as a child|som barn|som liten)"),
    ("security_question", ("skole", "skule", "school"), r"(?:hvilken|hvilke|kva|kva for ein|which|what) (?:skole|skule|barneskole|barneskule|school|primary school|elementary school) (?:gikk|gjekk|did|went|attended)(?: [\w]+){0,5}"),
    ("security_question", ("møttes", "møttest", "parents"), r"(?:byen|staden|stedet|plassen|the (?:city|town|place)) (?:der|hvor|kor|where) (?:foreldrene|foreldra|your parents|mor og far|mora og faren)(?: [\w]+){0,2} (?:møttes|møttest|met)"),
    ("security_question", ("first", "childhood"), r"(?:name of )?(?:your )?(?:first|childhood) (?:pet|dog|cat|school|teacher|car|best friend|friend|street)"),
    ("security_question", ("born", "født", "fødd"), r"(?:which|what|hvilken|hvilket|kva for ei|kva for ein|kva|hvor|kor) (?:city|town|place|by|stad|sted|by ble|by var) ?(?:was|were|ble|vart|var|er)? (?:your (?:mother|father|mum|dad)|moren din|mora di|mor di|faren din|far din|du) (?:born|født|fødd)"),
    ("security_question", ("første", "fyrste"), r"(?:navnet|namnet) på (?:den |det |ditt |di |din )?(?:første|fyrste) (?:kjæledyr|kjæledyret|hund|hunden|katt|katten|skole|skolen|skule|skulen|lærer|læreren|lærar|læraren|bil|bilen)(?: din| di| ditt)?"),
    ("security_question", ("første", "fyrste"), r"(?:ditt |din |di )?(?:første|fyrste) (?:kjæledyr|kjæledyret|hund|katt|bil|lærer|lærar)(?: ditt| din| di)? (?:het|heitte|hette)"),
    ("security_question", ("maiden", "pikenavn", "pikenamn", "jentenamn", "etternavn"), r"(?:mother s|mothers|mum s|mom s) (?:maiden|birth) name|(?:mors|morens|moras|mora di sitt|mor di sitt) (?:pikenavn|pikenamn|jentenamn|etternavn før hun giftet seg)"),
    # The question word before the place ("Hvilken gate vokste du opp i?", "Which street did you
    # grow up on?", "Kva skule gjekk du på som barn?").
    ("security_question", ("vokste", "voks", "vaks", "bodde", "budde", "grow", "grew", "live", "skole", "skule", "school"), r"(?:hvilken|hvilke|hvilket|kva for ei|kva for ein|kva for eit|kva for|kva|which|what|in which|in what|on which|on what) (?:gate|gata|gaten|vei|veg|veien|vegen|street|road|by|town|city|sted|stad|place|bydel|grend|skole|skule|barneskole|barneskule|school|primary school) (?:vokste|voks|vaks|bodde|budde|gikk|gjekk|did you grow|did you live|did you go to|did you attend|grew|lived)"),
    # The name of a childhood place or person ("navnet på barneskolen din").
    ("security_question", ("barneskol", "barneskul", "primary school", "elementary school", "barndomsven", "barndomsgat", "barndomshjem", "childhood"), r"(?:navnet|namnet|the name) (?:på|of|til) (?:den |det |din |ditt |di |your )?(?:barneskolen|barneskulen|primary school|elementary school|barndomsvennen|barndomsvenen|barndomsvenninna|barndomsvenninnen|barndomsgata|barndomsgaten|barndomshjemmet|childhood (?:friend|best friend|home|street|pet|hero|nickname))"),
    # A relative's maiden or middle name ("mellomnamnet til mora di før ho gifta seg").
    ("security_question", ("mellomnavn", "mellomnamn", "middle name", "giftet", "gifta", "married"), r"(?:(?:mellomnavn|mellomnamn|etternavn|etternamn|navn|namn)(?:et)? (?:til|på) (?:moren|mora|mor|faren|far|broren|bror|søstera|søsteren|søster|besteforeldrene|bestemor|bestefar) (?:din|di|ditt)(?: før (?:hun|ho) (?:giftet|gifta) seg)?|(?:mother|father|mum|mom|dad|sibling|brother|sister|oldest sibling|grandmother|grandfather)(?: s)? (?:middle name|name before (?:she|he) (?:got )?married|surname before marriage))"),
    # sixth round: the reader's personal history, asked the way security questions ask it
    ("security_question", ("første", "fyrste", "first"), r"(?:hva het|kva heitte|kva het|what was the name of|what was|hvem var|kven var|who was|hvilken|hvilket|kva for ein|kva for eit|kva for|which|what) (?:den |det |din |ditt |di |your )?(?:første|fyrste|first) (?:kjæledyr\w*|hund\w*|katt\w*|bil\w*|lærer\w*|lærar\w*|skole\w*|skule\w*|sjef\w*|jobb\w*|pet|dog|cat|car|teacher|school|boss|job|employer)"),
    ("security_question", ("først", "fyrst", "first"), r"(?:hvilken|hvilket|kva for ein|kva for eit|kva for|which|what) (?:bil|car|skole|skule|school|hund|dog|kjæledyr|pet|jobb|job|lærer|lærar|teacher) (?:kjørte|køyrde|hadde|gikk|gjekk|did|drove|had|owned|was)(?: [\w]+){0,3} (?:først|fyrst|first)"),
    ("security_question", ("primary school", "elementary school", "barneskol", "barneskul", "gikk du på", "gjekk du på"), r"(?:where|hvor|kvar|kor) (?:did you go to|did you attend|gikk du på|gjekk du på) (?:primary |elementary |barne|ungdoms)?(?:school|skole|skule|skolen|skulen)"),
    ("security_question", ("memorable",), r"(?:your )?memorable (?:place|date|name|word|phrase|answer|question)"),
    ("security_question", ("favourite", "favorite", "favoritt", "yndling"), r"(?:your |din |di |ditt )?(?:favourite|favorite|favoritt|yndlings) ?(?:childhood |barndoms)?(?:book|film|movie|song|food|dish|place|holiday|band|teacher|toy|subject|team|colour|color|animal|bok|boka|boken|film|filmen|sang|songen|mat|maten|rett|lærer|læraren|læreren|leike|leiken|leken)(?: title)?(?: (?:as a child|in childhood|som barn|i barndommen))?"),
    ("security_question", ("first", "første", "fyrste"), r"(?:navnet|namnet|the name|name|surname|the surname|etternavnet|etternamnet|fornavnet|fornamnet) (?:på|of|til) (?:your |din |di |ditt |den |det )?(?:first|første|fyrste) [\w]+"),
    ("security_question", ("grandparents", "besteforeldr", "bestemor", "bestefar", "mormor", "morfar", "farmor", "farfar", "grandmother", "grandfather"), r"(?:street|road|town|city|house|place|gata|gaten|vegen|veien|byen|staden|stedet|huset|garden|garden|gården) (?:where|der|som|that|kor|hvor) (?:your |dine |di )?(?:grandparents|besteforeldrene|besteforeldra|grandmother|grandfather|bestemor|bestefar|mormor|morfar|farmor|farfar)(?: di| din| dine)? (?:lived|bodde|budde|grew up|vokste opp|voks opp)"),
    ("security_question", ("traff", "møtte", "met"), r"(?:hvor|kvar|where|hvilken by|kva by|which (?:city|town)) (?:traff|møtte|did|first met|met) (?:du|you) (?:meet |first meet )?(?:ektefellen|kona|mannen|partneren|kjæresten|sambuaren|samboeren|your (?:wife|husband|spouse|partner))"),
    ("security_question", ("som barn", "as a child", "barndom", "childhood", "da du var", "då du var", "when you were"), r"(?:hva|kva|what|which|hvilken|hvilket|kva for|who|hvem|kven)(?: [\w]+){0,8} (?:som barn|as a child|i barndommen|in your childhood|da du var (?:liten|barn|\w+ år)|då du var (?:lita|liten|barn|\w+ år)|when you were (?:a child|little|young|small|a kid|\d+|ten|nine|eight|seven|six|five|twelve)(?: years old)?)"),
    ("security_question", ("bestefar", "bestemor", "morfar", "farfar", "mormor", "farmor", "grandfather", "grandmother", "grandma", "grandpa", "grandad"), r"(?:hva het|kva heitte|hva heter|kva heiter|what was the name of|what is the name of|what was|what s|what is) (?:your )?(?:bestefar|bestemor|morfar|farfar|mormor|farmor|oldefar|oldemor|grandfather|grandmother|grandad|grandma|grandpa)(?: din| di)?"),
    ("security_question", ("security", "secret", "sikkerhet", "tryggleik", "kontroll", "hemmeleg", "hemmelig"), r"(?:answer|answers|svaret|svara|svar) (?:to|på|til) (?:your |the |ditt |dine )?(?:security|secret|sikkerhets|tryggleiks|kontroll|hemmelege|hemmelige)(?: )?(?:question|questions|spørsmålet|spørsmål|spørsmåla|spørsmålene)"),
]
# --- described by what it does or where it is (issue 11, fourth round) -------------------------
_DEVICE = r"(?:den |det |the )?(?:little |small |vesle |lille |litle )?(?:bankid )?(?:code device|kodebrikken|kodebrikka|brikken|brikka|dingsen|dings|greia|gadget|thingy|key ?fob|fob|dongle|token|device|bankid appen|bankid app|appen|the app|app|dosa|dosen|dosa di)"
_NOT_OURS_NOUN = r"(?! ?(?:order|ordre|kunde|customer|måler|målar|meter|faktura|invoice|referanse|reference|sak|case|kid|post|tracking|sporing))"
_EXTRA: list[tuple[str, tuple[str, ...], str]] = [
    # national id by what it is: "nummeret du fikk da du ble født", "personal digits after it"
    ("national_id", ("født", "fødd", "born"), r"(?:nummeret|talet|tallet|the number|number) (?:du|you) (?:fikk|fekk|got|were given|was given|received) (?:da|når|when|at) (?:du|you) (?:ble|vart|were|was) (?:født|fødd|born)"),
    ("national_id", ("personal", "personlig", "personleg"), r"(?:the )?(?:personal|personlige|personlege) (?:digits|numbers|sifre|sifrene|sifra|siffera|tall|tala|tallene|nummeret|number)"),
    ("national_id", ("11 t", "11 s", "11 d", "11 n", "elleve", "eleven"), r"(?:11|elleve|eleven) (?:tall|tal|siffer|sifre|digits|numbers)(?! (?:til|på|of|for|in) (?:the |your |din |di )?(?:konto|account))"),
    # account number by what it is for
    ("account_number", ("kontoen", "konto ", "the account", "your account", "account where", "account for"), r"(?:nummeret|number|nummer|tala|sifra|siffera|sifrene|digits) (?:på|til|of|for) (?:the |your |din |di )?(?:kontoen|konto|account)(?! (?:hos oss|with us|vår|vårt|our))"),
    ("account_number", ("kontoen", "konto ", "account"), r"(?:hvilket|kva for eit|kva|what|which) (?:nummer|number) (?:har|has|is|er) (?:the |your )?(?:kontoen|account|konto)"),
    ("account_number", ("11 s", "11 d", "11 n", "11 t", "elleve", "eleven"), r"(?:11|elleve|eleven|alle 11|all 11) (?:sifrene|sifra|siffera|siffer|digits|numbers|tala|tallene) (?:til|på|of|for|in) (?:the |your |din |di )?(?:kontoen|konto|account)"),
    # one-time code by its length or where it appears
    ("one_time_code", ("sekssif", "seks sif", "six digit", "six-digit", "6 digit", "6-digit", "6 sif", "6-sif"), r"(?:sekssifra|sekssifrede|sekssifret|seks sifra|six digit|6 digit|6 sifret|6 sifra|6 sifrede) (?:koden|kode|tallet|talet|nummeret|number|code|pin)" + _NOT_OURS_NOUN),
    ("one_time_code", ("seks ", "six ", "6 t", "6 s", "6 d", "6 n"), r"(?:(?:de|dei|the) )?(?:seks|6|six) (?:tala|tallene|sifrene|sifra|siffera|sifre|siffer|tal|tall|digits|numbers)" + _NOT_OURS_NOUN),
    ("one_time_code", ("fra sms", "frå sms", "i sms", "in sms", "from sms", "the text", "that text", "the sms", "the message", "meldingen", "meldinga", "tekstmelding", "text message", "from text"), r"(?:tallet|talet|nummeret|koden|tala|tallene|sifrene|sifra|siffera|number|code|digits|numbers) (?:fra|frå|from|in|i) (?:the |den |that )?(?:sms ?en|sms|tekstmeldingen|tekstmeldinga|meldingen|meldinga|text message|text|message)(?: (?:vi|we|i|eg|jeg) (?:just |nettopp |nett |no )?(?:sendte|sende|sent|texted))?"),
    ("one_time_code", ("dukk", "popped", "appear", "viser", "shows", "display", "kom opp", "kjem fram", "kom fram"), r"(?:tallet|talet|tala|tallene|sifrene|sifra|siffera|number|numbers|digits|code|koden|kode|tal|tall) (?:som |that )?(?:just |nettopp |akkurat )?(?:dukket opp|dukka opp|kom opp|kjem opp|kjem fram|kom fram|popped up|appeared|appears|shows|vises|visast) (?:i|på|in|on) (?:the |your |din |di )?" + _DEVICE),
    ("one_time_code", ("viser", "shows", "displays", "say"), r"(?:tal|tall|tala|tallene|numbers|number|code|kode|koden|digits) (?:viser|shows|displays) (?:the |your |din |di )?" + _DEVICE),
    ("one_time_code", ("display", "skjerm", "vindu", "vindauge", "window", "screen"), r"(?:the )?(?:display|screen|skjermen|displayet|vinduet|vindauget|window) (?:on|of|på|i) (?:the |your |din |di )?" + _DEVICE),
    ("one_time_code", ("screen", "display"), _DEVICE + r" s (?:screen|display)"),
    ("one_time_code", ("showing", "displayed"), r"(?:showing|displayed|shown) (?:on|in) (?:the |your )?" + _DEVICE),
    # what the message we sent says: "Det som står der, skriv det tilbake", "Whatever it says"
    ("one_time_code", ("som står", "it says", "text says"), r"(?:det som står (?:der|i den|i han|i meldinga|i meldingen|i sms en)|whatever it says|what it says|whatever the text says|what the text says)"),
    # a question for what the message we sent says: "Kva stod i SMS-en me sende deg?"
    ("one_time_code", ("står i", "stod i", "sto i", "står det i", "stod det i", "sto det i", "does the", "did the"), r"(?:hva|kva|what) (?:står|stod|sto|does|did) (?:det )?(?:i |in )?(?:the |den |that )?(?:sms ?en|sms|tekstmeldingen|tekstmeldinga|text message|text|meldingen|meldinga|message)(?: (?:vi|me|we|i|eg|jeg) (?:just |nettopp |nett |no )?(?:sendte|sende|sent|texted)(?: (?:deg|you|dykk|dere))?)(?: say| says)?"),
    ("one_time_code", ("står i sms", "stod i sms", "sto i sms", "står det i sms", "stod det i sms"), r"(?:hva|kva) (?:står|stod|sto) (?:det )?i (?:den |sms en|sms)(?: sms en)?"),
    # sixth round: described by who issued it, what it starts with, what follows the birth date
    ("one_time_code", ("it shows", "it displays", "app shows", "app displays", "it gives you"), r"(?:the )?(?:code|number|digits|numbers) (?:that )?(?:it|the app|your app|the device) (?:shows|displays|gives you)"),
    ("one_time_code", ("brikk", "dings", "dosa", "fob", "device", "token", "gadget"), r"(?:hva|kva|what) (?:står|stend|stod|viser|shows|says|is) (?:det )?(?:på|i|on) " + _DEVICE),
    ("national_id", ("tax", "skatt", "folkeregist", "the state", "staten"), r"(?:the )?(?:number|identification number|id number|nummeret|talet|tallet) (?:that )?(?:the tax office|the tax authorities|skatteetaten|skatt|folkeregisteret|the population register|the state|staten) (?:uses|use|bruker|brukar|gave you|gives you|ga deg|gav deg|har gitt deg|har gjeve deg)"),
    ("national_id", ("starts with", "begins with", "starter med", "byrjar med", "begynner med"), r"(?:starts|begins|starter|byrjar|begynner) (?:with|med) (?:your |din |di )?(?:birth ?date|date of birth|fødselsdato\w*|fødselsdagen\w*)"),
    ("national_id", ("etter", "after"), r"(?:de|dei|the) (?:fem|5|five) (?:sifrene|sifra|siffera|tala|tallene|digits|numbers) (?:som kommer |som kjem |that come |that follow )?(?:etter|after)"),
    ("account_number", ("wages", "salary", "løn", "lønn"), r"(?:kontoen|the account|account details|account) (?:(?:du|you) (?:får|get|receive) (?:løn|lønn|lønna|lønnen|your (?:wages|salary|pay))|your (?:wages|salary|pay) (?:go|goes|is paid|are paid) (?:into|to))"),
    ("card_number", ("står på", "stend på", "is on", "står det"), rf"(?:hvilket|kva for eit|kva|which|what) (?:nummer|number|tal|tall) (?:står|stend|is|er) (?:på|on) {_YOUR}? ?{_CARD}"),
    ("card_number", ("opphøgd", "opphøyd", "preg", "raised", "embossed"), r"(?:opphøgde|opphøyde|pregede|preggja|preget|pregete|raised|embossed) (?:tal|tall|sifre|siffer|sifra|siffera|numbers|digits)"),
    ("card_expiry", ("month and year", "måned og år", "månad og år"), rf"(?:the )?(?:month and year|måned og år|månad og år|mnd og år) (?:printed |shown |written |som står )?(?:on|på) {_YOUR}? ?{_CARD}"),
    ("card_security_code", ("back code",), r"(?:the )?back code"),
    # "koden bak", "koda bak på kortet": the code on the back of the card
    ("card_security_code", ("koden bak", "koda bak", "kodane bak", "kodene bak"), r"(?:koden|koda|kodane|kodene) bak(?:på|pa)?\b"),
    ("one_time_code", ("digit txt", "digit text", "digit sms", "sifret sms", "sifra sms"), r"(?:6|six|seks) (?:digit|sifret|sifra) (?:txt|text|sms)"),
    ("credentials", ("to log", "to get", "for å", "til å"), r"(?:what|whatever|det|hva|kva) (?:do )?(?:you|du)? ?(?:type|enter|use|bruker|brukar|taster|tastar|skriv|skriver)(?: du)?(?: in| inn)? (?:to|for å|til å) (?:log|logge|logga|sign|get|komme|kome) (?:in|inn|on|into|på)"),
    ("password", ("løynlege", "hemmelige", "hemmelege", "secret word"), r"(?:det )?(?:løynlege|hemmelige|hemmelege|secret) (?:ordet|word)"),
    ("card_number", ("fotografer", "photograph", "knips"), rf"(?:fotografer|photograph|knips) {_YOUR}? ?{_CARD}"),
    ("national_id", ("ellevesif", "eleven digit", "11 digit", "11 sif"), r"(?:ellevesifrede|ellevesifra|ellevesifret|11 sifrede|11 sifret|11 sifra|eleven digit|11 digit) (?:nummeret|nummer|number|talet|id)"),
    ("card_number", ("16 ", "seksten", "sixteen"), r"(?:alle |all |de |dei |the )?(?:16|seksten|sixteen) (?:sifrene|sifra|siffera|siffer|digits|numbers|tall|tala|tallene)"),
    ("credentials", ("ordet", "word"), r"(?:det samme ordet|det same ordet|same ordet|samme ordet|the same word|ordet|the word) (?:som )?(?:du|you) (?:bruker|brukar|use|type) (?:når|when|to) (?:du |you )?(?:logger|loggar|log|sign|logge|logga) (?:på|inn|in|on|into)"),
    ("one_time_code", ("gadget", "thingy", "dings", "greia", "fob", "brikk", "dongle"), r"(?:code|number|numbers|digits|koden|tala|tallene|sifrene) (?:on|off|from|shown on|på|fra|frå) (?:the |your |ur |din |di )?" + _DEVICE),
    # PIN by where it is used
    ("pin", ("minibank", "atm", "cash machine", "shops", "butikk", "terminalen", "till", "checkout", "kassa", "kassen"), r"(?:koden|koda|kode|tallene|tala|sifrene|sifra|siffera|nummeret|number|code|digits|numbers|digit number|sifra|siffera)(?: [\w]+){0,6} (?:i|in|at|på|when you pay in) (?:the |an )?(?:minibanken|minibank|atm|cash machine|shops|shop|butikken|butikkar|butikker|terminalen|betalingsterminalen|till|checkout|kassa|kassen|disken)"),
    ("pin", ("four digit", "4 digit", "firesifr"), r"(?:four digit|4 digit|firesifra|firesifrede|firesifret) (?:number|code|kode|koden|tallet|talet|nummer)(?: [\w]+){0,5} (?:pay|betaler|use|bruker|brukar|card|kort)"),
    # card expiry and the code by the signature
    ("card_expiry", ("går ut", "expires", "utløper", "mm/", "mm /"), rf"(?:(?:når|when|the month and year|month and year|månaden og året|måneden og året|mnd og år) {_YOUR}? ?{_CARD} (?:går ut|expires|utløper)|mm ?/ ?(?:åå|yy|aa))"),
    ("card_security_code", ("signatur", "underskrift"), r"(?:koden|code|tallene|tala|sifrene|numbers|digits|tal) (?:som står |printed |written )?(?:ved siden av|attmed|ved|next to|beside|by) (?:the )?(?:signaturen|signaturfeltet|underskrifta|underskriften|signature strip|signature)"),
    # both sides of the card
    ("card_number", ("sider", "sides", "framsida", "forsiden", "front and back"), rf"(?:begge sider|both sides|framsida og baksida|forsiden og baksiden|front and back) (?:av|of|på) {_YOUR}? ?{_CARD}"),
    # the passport page with the photo
    ("id_document", ("passet", "passport"), r"(?:siden|sida|side|page|sidene|pages) (?:i|in|of|fra|frå) (?:the |your )?(?:passet|passport)"),
    # security answers and secret phrases
    ("security_question", ("født", "fødd", "born"), r"(?:hvor|kvar|kor|where) (?:ble|vart|var|was|were|is) (?:moren din|mora di|mor di|faren din|far din|your mother|your father|your mum|your mom|your dad|your parents|foreldra dine|foreldrene dine) (?:født|fødd|fødde|born)"),
    ("security_question", ("maiden", "birth", "surname"), r"(?:mother|mum|mom)(?: s)? (?:maiden|birth|original) (?:name|surname)"),
    ("password", ("secret", "memorable", "hemmelig", "hemmeleg", "frase", "kodeord"), r"(?:the )?(?:secret|memorable|hemmelige|hemmelege|hemmelig|hemmeleg) (?:memorable )?(?:word|phrase|ord|ordet|frase|frasen|sikkerhetsfrasen|sikkerheitsfrasen)"),
]
_DESCRIBED.extend(_EXTRA)
DESCRIBED: list[tuple[str, tuple[str, ...], re.Pattern[str]]] = [
    (cat, needles, re.compile(_p(p))) for cat, needles, p in _DESCRIBED]


_ALL_NEEDLES = tuple(sorted({n for _, needles, _ in DESCRIBED for n in needles}))


def _trie_regex(words: list[str]) -> str:
    """An alternation of ``words`` shaped as a trie, so that re tests one character at most
    positions; at each position it matches the longest word that starts there (greedy)."""
    tree: dict = {}
    for w in words:
        node = tree
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        end = "" in node
        alts = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if end else body
    return build(tree)


# Every needle present, in one scan: at each position the longest needle starting there, and the
# needles that are its prefixes (two needles starting at one position are prefixes of each other).
_NEEDLE_RX = re.compile("(?=(" + _trie_regex(list(_ALL_NEEDLES)) + "))")
_PREFIXES = {n: frozenset(m for m in _ALL_NEEDLES if n.startswith(m)) for n in _ALL_NEEDLES}
# For each needle, the indices of the DESCRIBED entries that list it: the entries whose needles
# meet the present ones, without testing every entry.
_ENTRIES: dict[str, tuple[int, ...]] = {
    n: tuple(k for k, (_, needles, _) in enumerate(DESCRIBED) if n in needles) for n in _ALL_NEEDLES}


def _at_word_start(text: str, k: int) -> bool:
    return k == 0 or not (text[k - 1].isalnum() or text[k - 1] == "_")


def described(text: str) -> list[tuple[str, int, int]]:
    """(category, start, end) of each confidential thing described in the normalised text."""
    found = segments.needles(_NEEDLE_RX, text)  # {m.group(1) for m in _NEEDLE_RX.finditer(text)}
    if not found:
        return []
    present = frozenset().union(*(_PREFIXES[n] for n in found))
    # the entries, in DESCRIBED's order, with a needle present
    entries: set[int] = set()
    for n in present:
        entries.update(_ENTRIES[n])
    out: list[tuple[str, int, int]] = []
    for k in sorted(entries):
        cat, _, rx = DESCRIBED[k]
        out.extend((cat, m.start(), m.end()) for m in rx.finditer(text) if _at_word_start(text, m.start()))
    return out


def may_describe(text: str) -> bool:
    return bool(described(text))


# --- misspellings within a small edit distance ---------------------------------------------
_CANONICAL = {
    "password": ["passord", "passordet", "password", "passwordet", "bankidpassord", "bankidpassordet",
                 "nettbankpassord", "nettbankpassordet"],
    "pin": ["pinkode", "pinkoden", "pincode"],
    "one_time_code": ["engangskode", "engangskoden", "eingongskode", "eingongskoden", "engangskoda", "eingongskoda",
                      "bekreftelseskode",
                      "bekreftelseskoden", "verifiseringskode", "verification", "stadfestingskode",
                      "sikkerhetskode", "sikkerhetskoden", "engangspassord"],
    "national_id": ["fødselsnummer", "fødselsnummeret", "personnummer", "personnummeret",
                    "fodselsnummer", "fodselsnummeret", "identitetsnummer"],
    "card_number": ["kortnummer", "kortnummeret", "kredittkort", "kredittkortet", "kortopplysninger",
                    "kortopplysningene", "betalingskort", "betalingskortet"],
    "account_number": ["kontonummer", "kontonummeret", "bankkonto", "bankkontoen",
                       "kontoopplysninger"],
    "card_security_code": ["sikkerhetskode", "sikkerhetskoden"],
    "credentials": ["brukernavn", "brukernavnet", "innloggingsinformasjon", "påloggingsinformasjon"],
    "security_question": ["sikkerhetsspørsmål", "sikkerhetsspørsmålet"],
}
_FUZZY: dict[str, str] = {}
for _cat, _words in _CANONICAL.items():
    for _w in _words:
        _FUZZY.setdefault(_w, _cat)
# Every word one deletion away from a canonical word (SymSpell): a token within edit distance 1
# of a canonical word either is one of these, or one deletion of it is a canonical word or one
# of these. Transpositions are covered too (two deletions meet).
_DELETES: dict[str, str] = {}
for _w, _cat in _FUZZY.items():
    for _k in range(len(_w)):
        _DELETES.setdefault(_w[:_k] + _w[_k + 1:], _cat)
_FIRST2 = frozenset(w[:2] for w in _FUZZY)
_MIN_FUZZY = 7


@lru_cache(maxsize=65536)
def fuzzy_category(key: str) -> str | None:
    """The category of a canonical object word within edit distance 1 of ``key`` (7+ letters;
    same first two letters), e.g. "passrod", "fødselsnumer", "engangskde"."""
    if len(key) < _MIN_FUZZY - 1 or key[:2] not in _FIRST2 or not key.isalpha():
        return None
    if len(key) < _MIN_FUZZY:
        # six letters: only a letter dropped from a 7-letter word ("pasord"), keeping its first two
        # letters (so the gate's six-letter candidates, _FUZZY_SIX, see every one: not "inkode")
        cat = _DELETES.get(key)
        return cat if cat and key[:2] in _FIRST2_OF_7_SET else None
    if key in _FUZZY:
        return _FUZZY[key]
    if key in _DELETES:
        return _DELETES[key]
    for k in range(len(key)):
        d = key[:k] + key[k + 1:]
        if d in _FUZZY:
            return _FUZZY[d]
        if d in _DELETES:
            return _DELETES[d]
    return None


# Long words that begin like a canonical word (no look-behind, so re skips ahead by the first
# letters; the word start is checked on each match).
# Seven letters or more; six only where a 7-letter canonical word begins ("pasord", "pinkde").
_FIRST2_OF_7 = sorted({w[:2] for w in _FUZZY if len(w) == _MIN_FUZZY})
_FIRST2_OF_7_SET = frozenset(_FIRST2_OF_7)
_FUZZY_CANDIDATE = re.compile("(?:" + "|".join(sorted(_FIRST2)) + r")[^\W\d_]{5,}")
_FUZZY_SIX = re.compile("(?:" + "|".join(_FIRST2_OF_7) + r")[^\W\d_]{4}(?![^\W\d_])")


def may_be_fuzzy(text: str) -> bool:
    for rx in (_FUZZY_CANDIDATE, _FUZZY_SIX):
        for m in rx.finditer(text):
            k = m.start()
            if (k == 0 or not (text[k - 1].isalnum() or text[k - 1] == "_")) and fuzzy_category(m.group()):
                return True
    return False


# --- words that decide the harder phrasings ------------------------------------------------
# "code"/"digits" in a harmless sense: the code on a gift card we send, the number on the meter.
BENIGN_CODE_CONTEXT = re.compile(
    r"gavekort\w*|gåvekort\w*|gift|giftcard\w*|voucher\w*|rabatt\w*|discount\w*|promo\w*|"
    r"kampanje\w*|campaign\w*|verve\w*|referral\w*|kupong\w*|coupon\w*|måler\w*|målar\w*|meter\w*|"
    r"målepunkt\w*|postnummer\w*|postnr|postcode|zip|kundenummer\w*|kundenr|faktura\w*|invoice\w*|"
    r"kid|ordre\w*|order\w*|booking\w*|referanse\w*|reference\w*|saksnummer\w*|wifi|dør\w*|door\w*|"
    r"porttelefon\w*|nøkkelboks\w*|keybox|qr|strekkode\w*|barcode\w*|sporings\w*|tracking|"
    r"hentekode\w*|pakke\w*|parcel\w*|package\w*|ladebrikke\w*|ladekort\w*|ladestasjon\w*|"
    r"charging|aktiveringskode\w*|lader|laderen|ladeboks\w*|charger\w*|router\w*|alarm\w*|"
    r"garasje\w*|garage\w*|installasjonskort\w*|installation|pickup\w*|posten|postnord|helthjem|instabox|"
    # a gate, a cabinet or a welcome letter: the thing the code opens or came in
    r"port|porten|portar|grind\w*|skap\w*|\w+døra|\w+døren|\w+dør|velkomstbrev\w*|welcome|vekselrett\w*|"
    r"inverter\w*|wallbox\w*|"
    # numbers of the installation itself, on its plate: "anleggsnummeret", "serial number"
    r"anleggsnummer\w*|anleggsnr|installasjonsnummer\w*|serienummer\w*|serial|målernummer\w*|målarnummer\w*")
# People and bodies the reader may be told to ask: "be elektrikeren om ...".
THIRD_PARTY = re.compile(
    r"(?:elektriker|electrician|installatør|installer|rørlegger|plumber|utleier|landlord|huseier|"
    r"vaktmester|caretaker|borettslag|sameie|styret|nettselskap|grid|netteier|bank|banken|banks|"
    r"regnskapsfører|accountant|arbeidsgiver|employer|lege|doctor|advokat|lawyer|skatteetaten|"
    r"kommune|municipality|council|forsikringsselskap|insurer|leverandør|supplier|"
    r"installatøren|tidligere|previous|former|megler|realtor|takstmann|surveyor|folkeregister|"
    r"population register|skattekontor|personvernombud|personvernombod|personvernrådgiv)\w*|"
    # NAV, the welfare office, but not "navn" (name) or "navneendring"
    r"nav|navkontor\w*")
LAW_SUBJECT = re.compile(
    r"(?:forskrift|lov|loven|lova|law|laws|regulation|regelverk|regler|reglane|reglene|rules|"
    r"gdpr|standard|avtalevilkår|vilkår|terms|directive|direktiv|hvitvaskingslov|"
    r"anti money|aml|nve|rme|myndighet|authorit|compliance|legislation|statute)\w*|"
    # compounds: "personopplysningsloven", "personopplysingslova", "straumstøtteforskrifta"
    r"\w+(?:lov|lova|loven|lovens|forskrift|forskrifta|forskriften|forskrifter)")
QUOTE_OPEN = "«\"“„'‘"
QUOTE_CLOSE = "»\"”“'’"
_QUOTE_RE = re.compile(r"«[^»\n]{3,300}»|\"[^\"\n]{3,300}\"|“[^”\n]{3,300}[”“]|„[^“”\n]{3,300}[“”]|"
                       # single quotes; an apostrophe between letters ("mother's") does not close them
                       r"(?<![\w])'(?:[^'\n]|(?<=\w)'(?=\w)){6,300}'(?![\w])")
WARNING_WORDS = re.compile(
    r"svindel\w*|svindl\w*|scam\w*|fraud\w*|phish\w*|nettfisk\w*|falsk\w*|fake|forfalsk\w*|"
    r"bedrag\w*|lureri|juks\w*|mistenkelig\w*|mistenkjeleg\w*|suspicious|impersonat\w*|"
    r"never|aldri|ikke svar|ikkje svar|do not (?:reply|respond|click)|don t (?:reply|respond|click)|"
    r"ignore|ignorer|slett|delete|report it|meld fra|meld frå|varsle|warn\w*|åtvar\w*|advar\w*|"
    r"beware|pass på|vær obs|ver merksam|vær oppmerksom|look out|watch out|kriminell\w*|criminal\w*|"
    # "Phrases like '…' are a red flag"
    r"red flags?|rødt flagg|raudt flagg|warning signs?|varseltegn\w*|varselteikn\w*|faresignal\w*|"
    # a quotation that is mentioned, not used: "spørsmål som «...» bruker vi ikke"
    r"such as|for example|for eksempel|f\.? ?eks|slik som|spørsmål som|questions? like|ikke|ikkje|not|"
    # "It wasn't from us": the message quoted is not ours
    r"(?:wasn|isn|aren|weren)\W?t from us|(?:fra|frå) oss|"
    # someone's words reported, and the advice after them: "nokon som seier «…». Legg på"
    r"(?:noen|nokon|someone|somebody|en|ein|a (?:man|woman|caller)) (?:som |who |that )?(?:sier|seier|says|said|sa|spør|asks)|"
    r"legg på|hang up|legg røret på|legg røyret på|"
    # a message quoted by what it says, and the advice to reach us the usual way instead
    r"(?:sms|tekstmelding|melding|e ?post|epost|e ?mail|email|text|message)\w* (?:med|with|saying|som sei?er|der det står)|"
    r"på vanleg måte|på vanlig måte|the usual way|the normal way|som vanleg|som vanlig")


_NEED_NEEDLES = ("følgende", "følgjande", "following", "item", "waiting", "venter", "ventar", "gjenstår", "remains",
                 "ting", "thing", "sak ", "detalj", "detail", "item", "step", "steg", "opplys", "we can",
                 "vi kan", "me kan", "i can", "eg kan", "jeg kan", "need", "trenger", "treng", "mangler",
                 "manglar", "venter", "ventar", "waiting", "missing", "require", "krev", "nesten",
                 "almost", "nearly", "siste")


def need_markers(text: str) -> list[re.Match[str]]:
    """Where a need is stated without its object (NEED_MARKER), at word starts."""
    if not any(n in text for n in _NEED_NEEDLES):
        return []
    return [m for m in NEED_MARKER.finditer(text) if _at_word_start(text, m.start())]


def quoted_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _QUOTE_RE.finditer(text)]


# A need stated without its object ("En ting til før vi kan fullføre.", "One more thing:").
NEED_MARKER = re.compile(_p(
    r"nesten ferdig|nesten i mål|almost done|almost there|nearly done|nearly there|last step|"
    r"siste steg|siste steget|one last thing|en siste ting|ein siste ting|"
    r"(?:one|1|en|ein|én) more (?:thing|detail|item|step|ting)|"
    r"(?:en|ein|eitt|én|ett|one|1) (?:ting|sak|opplysning|detalj|thing|detail|item|step|steg) "
    r"(?:til|more|igjen|left|remaining|mangler|manglar|gjenstår|står att|to go)"
    r"|(?:before|for|until|so that|to|før|for at|slik at|så) (?:we|vi|me|i|eg|jeg) (?:can|kan) "
    r"(?:finish|complete|proceed|continue|go on|process|fullføre|fullføra|gå videre|halde fram|"
    r"fortsette|behandle|handsame|avslutte|ferdigstille|refund|release|betale|utbetale|"
    r"sende|aktivere|gjenopprette|restore|reactivate|unlock|låse opp|opne|åpne)"
    r"|(?:all|only thing|the last thing|det eneste|det einaste|det siste|alt) (?:we|vi|me|som vi|som me) "
    r"(?:need|require|mangler|manglar|trenger|treng|trengs|trengst|krever|krev)"
    r"|(?:we|vi|me) (?:still |just |only |bare |berre |fortsatt |framleis |enda )?"
    r"(?:need|require|mangler|manglar|trenger|treng|venter på|ventar på|waiting for|missing|are missing)"
    r"(?: (?:one|en|ein|ett|eitt|a|én|something|noe|noko|litt|a little|one more|én til|ein til))?"
    r"(?: (?:ting|thing|more thing|detail|detalj|opplysning|opplysing|piece of information|bit))?"
    r"(?: (?:til|more|from you|fra deg|frå deg|frå dykk|fra dere))?(?= ?[.:!\n]|$)"
    # "Vi venter bare på én ting", "We're only waiting on one item from you"
    r"|(?:we|we re|were|vi|me) (?:are )?(?:bare |berre |only |just |still )?(?:venter|ventar|waiting) (?:bare |berre |only |just )?"
    r"(?:på|on|for) (?:en|ein|éin|én|eitt|ett|one|1|a) (?:ting|sak|detalj|opplysning|thing|item|detail|piece of information)"
    # "gjenstår én ting", "there remains one thing"
    r"|(?:gjenstår|står att|remains|mangler|manglar) (?:det )?(?:bare |berre |only |just )?(?:en|ein|éin|én|eitt|ett|one|1) "
    r"(?:ting|sak|detalj|opplysning|thing|item|detail|step|steg)"
    r"|(?:følgende|følgjande|the following)(?= ?:)"))
# How an object-only follow-up sentence begins: "Det er koden ...", "It's the code ...".
FOLLOW_UP = re.compile(_p(
    r"(?:det er|det gjeld|det gjelder|det dreier seg om|det handlar om|det handler om|nemlig|"
    r"altså|dvs|i e|that is|it is|it s|namely|specifically|just|only|bare|berre|kun|"
    r"concretely|konkret|vi tenker på|we mean|dette gjelder|this is|that s|the thing is)"))


# Words (or phrases) at least one of which every description above contains, in the lexicon's
# small regex language (gate.py): the gate looks for them as it looks for objects, so ordinary
# text that holds none skips the analysis. tests/guard/test_fast_path.py checks that every
# described object it meets is seen by the gate.
ANCHORS = re.compile("|".join([
    "card", "cards", "kort", "bankkort", "betalingskort", "kredittkort", "debetkort", "visakort",
    "digit", "digits", "siffer", "sifre", "sifrene", "sifra", "sifret", "sifrede", "tala", "tallene",
    "tresif", "nummeret", "on the back", "at the back", "from the back", "on back", "back of",
    "bak på", "baksid", "koden bak", "koda bak", "kodane bak", "kodene bak", "identif", "fødselsdato", "birth", "birthdate",
    "device", "dongle", "token", "fob", "brikke", "brikka", "kodebrikk", "display", "dingsen", "appen",
    "mobilen", "telefonen", "bankid", "screen", "authenticator", "texted", "tallkoden",
    "photo", "picture", "image", "scan", "copy", "selfie", "snapshot", "bilde", "bilete", "foto",
    "kopi", "skann", "passport", "passside", "passsida", "passiden", "bildesiden",
    "login", "log", "sign", "logon", "logge", "logga", "logger", "loggar", "type", "skriv", "tast",
    "innloggingsinf", "påloggingsinf", "innloggingsopp", "innloggingsdet", "påloggingsdet", "påloggingsopp",
    "grew", "vokste", "voks", "vaks", "bodde", "budde", "lived", "childhood", "maiden", "mothers",
    "first pet", "first dog", "first cat", "first school", "first teacher", "first car", "first street",
    "first best", "first friend", "born", "barndom", "childhood", "as a child", "som barn", "som liten",
    "school", "møttes", "møttest", "parents", "født", "fødd", "kjæledyr", "hund", "katt", "skole", "skule", "lærer", "lærar", "bil",
    "security", "secret", "sikkerhets", "tryggleiks", "kontroll", "hemmelege", "hemmelige",
    "grow", "live", "barneskol", "barneskul", "barndomsven", "barndomsgat", "barndomshjem",
    "mellomnavn", "mellomnamn", "middle name", "giftet", "gifta", "married", "framsid", "forsid",
    "fremsid", "the front",
    # fourth round: what it does or where it is (a word every match holds; not "number",
    # "message" or bare digits, which ordinary billing text holds)
    "født", "fødd", "personlig", "personleg", "personal", "tall", "tallet", "talet", "numbers",
    "kontoen", "the account", "your account", "sekssif", "firesif", "minibank", "atm", "cash machine",
    "butikken", "butikkar", "butikker", "shops", "terminalen", "betalingsterminal", "går ut", "expires",
    "utløper", "mm åå", "mm yy", "mm aa", "signatur", "underskrift", "begge sider", "both sides",
    "framsida og", "forsiden og", "front and back", "passet", "maiden", "surname", "memorable",
    "hemmelig", "hemmeleg", "pic", "gadget", "thingy", "dings", "greia", "display",
    "get into", "komme inn", "kome inn", "vindu", "vindauge", "window", "screen", "showing", "displayed",
    "som står", "it says", "text says", "ellevesif", "eleven digit", "seksten", "sixteen", "ordet",
    "same word", "the word", "dongle", "tax", "skatt", "folkeregist", "starts with", "starter med", "byrjar med",
    "wages", "salary", "lønn", "løn", "opphøgd", "opphøyd", "preg", "raised", "embossed", "month and year",
    "back code", "koden bak", "koda bak", "kodane bak", "kodene bak", "digit txt", "løynlege", "secret word", "fotografer",
    "photograph", "knips", "checkout", "kassa", "dosa", "bankcard", "it shows", "it displays", "app shows",
    "app displays", "it gives you", "først", "fyrst", "primary school", "elementary school", "gikk du",
    "gjekk du",
    # sixth round: security questions about the reader's history, the code that came through
    "favourite", "favorite", "favoritt", "yndling", "grandparents", "besteforeldr", "bestemor", "bestefar",
    "mormor", "morfar", "farmor", "farfar", "grandmother", "grandfather", "grandma", "grandpa", "grandad",
    "ektefell", "spouse", "when you were", "da du var", "då du var", "name of", "navnet på", "namnet på",
    "came through", "came in", "arrived", "stod i", "sto i", "står i",
]))
