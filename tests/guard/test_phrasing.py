"""Issue 11: the phrasing classes, each in bokmål, nynorsk and English, refused by design, and
the benign look-alikes passing; findings keep rule id, position and a masked excerpt and say what
to do instead; the statistical second opinion only adds refusals."""

from __future__ import annotations

import pytest

from gateway.guard import check_template, check_text, is_refused, second_opinion
from gateway.guard import findings as F
from gateway.guard.normalize import normalize

REFUSE = {
    "negation_scope": [
        "Skal du slippe gebyret, må du sende oss kortnummeret ditt i dag.",
        "Utan fødselsnummeret ditt kjem vi ikkje vidare, så send det til oss.",
        "If you don't want the account closed, reply with your PIN.",
    ],
    "object_first": [
        "Kortnummeret trenger vi før fredag.",
        "Eingongskoden frå SMS-en må me ha no.",
        "Your PIN is required to finish this.",
    ],
    "condition": [
        "Hvis du legger ved kortnummeret, går det raskere.",
        "Så snart vi har fødselsnummeret ditt, kan vi betale ut.",
        "Once we have your card number we can process the refund.",
    ],
    "described": [
        "Oppgi det 11-sifrede nummeret som identifiserer deg.",
        "Skriv inn tala som står på kodebrikka di.",
        "We need the last four digits and the three on the back.",
    ],
    "cross_sentence": [
        "En ting til før vi kan fullføre. Det er koden du fikk på SMS.",
        "Vi manglar berre éin ting. Kontonummeret ditt.",
        "One more thing before we can finish. It's the code we texted you.",
    ],
    "informal": [
        "Oppgi kto.nr. til refusjonen.",
        "Kva for kortnr. skal vi bruke?",
        "Please reply with your acct no.",
        "Send fødselsnumer ditt.",
        "Send oss passwordet ditt.",
    ],
    "security_question": [
        "Hva er svaret på sikkerhetsspørsmålet ditt?",
        "Oppgje namnet på barndomsvenen din.",
        "Please tell us the street you grew up on.",
    ],
    "normaliser": [
        "Oppgi ΡΙΝ-koden din.",
        "Send oss pass-\nordet ditt.",
        "Ηva er PΙΝ-kοden din?",
    ],
}
PASS = [
    "Skriv inn koden på gavekortet vi sender deg for å løse det inn.",
    "Enter the code on the gift card we send you.",
    "Les av tala på målaren og send oss målarstanden.",
    "Be elektrikeren om samsvarserklæringen.",
    "Ask your bank for the IBAN if you pay from abroad.",
    "Lag et sterkt passord og del det ikke med noen.",
    "Lag eit sterkt passord og del det ikkje med nokon.",
    "Loven krever at vi oppbevarer fakturaer i fem år.",
    "Får du en SMS der det står «Bekreft BankID-koden din her», er det svindel.",
    'If you get an e-mail saying "Reply with your PIN to avoid closure", it is a scam.',
    "Du kan selv oppdatere kontonummeret ditt på Min side.",
    "Vi bruker fødselsnummeret ditt bare til å identifisere deg.",
    "En ting til: send oss målerstanden din.",
]


@pytest.mark.parametrize("text", [t for texts in REFUSE.values() for t in texts])
def test_each_phrasing_class_is_refused(text):
    assert is_refused(check_text(text)), text


@pytest.mark.parametrize("text", PASS)
def test_the_benign_look_alikes_pass(text):
    assert check_text(text) == [], text


def test_post_verb_negation_protects_only_its_own_clause():
    assert check_text("Del det ikke med noen.") == []
    assert is_refused(check_text("Del aldri engangskoden med andre enn oss."))
    assert is_refused(check_text("Vi spør ikke om passordet ditt, bare kortnummeret."))


def test_a_finding_across_sentences_points_at_the_object_and_masks_numbers():
    text = "Hei!\nEn ting til før vi kan fullføre. Det er koden du fikk på SMS, f.eks. 902117."
    [f] = check_text(text)
    assert f.rule == "request.one_time_code"
    assert (f.line, f.column) == (2, text.splitlines()[1].index("koden") + 1)
    assert "902117" not in f.excerpt


def test_a_word_hyphenated_across_lines_is_read_as_one_and_located_in_the_source():
    [f] = check_text("Hei!\nSend oss pass-\nordet ditt.")
    assert (f.rule, f.line, f.column) == ("request.password", 2, 1)  # the request starts at "Send"
    assert "pass-" in f.excerpt


@pytest.mark.parametrize("rule", sorted(F.RULES))
def test_every_message_says_what_to_do_instead(rule):
    _, en, nb = F.RULES[rule]
    assert "Instead," in en and "heller" in nb, rule


def test_the_second_opinion_adds_a_refusal_with_its_own_rule_and_names_its_words():
    text = "BankID-koden din treng rådgjevaren for å fullføre byttet."
    findings = check_text(text)
    assert [f.rule for f in findings] == ["request.statistical"]
    model = second_opinion.model()
    assert model is not None
    verdict = model.verdict(normalize(text)[0])
    assert verdict.score >= model.threshold
    assert "bankidkoden" in [w for w, _, _ in verdict.words]
    assert model.verdict(normalize(text)[0]) == verdict  # deterministic


def test_the_second_opinion_never_removes_a_rule_finding_and_skips_statements():
    # A rule refusal stays, whatever the model scores.
    assert [f.rule for f in check_text("Oppgi passordet ditt.")] == ["request.password"]
    # A statement that names confidential data but asks nothing is not the model's to judge.
    assert check_text("Fødselsnummeret ditt er lagret kryptert hos oss.") == []
    # Message templates get it too; the rendered e-mail re-check relies on the rules.
    src = "Hei {{ name }}! BankID-koden din treng rådgjevaren for å fullføre byttet."
    assert "request.statistical" in {f.rule for f in check_template(src, kind="message")}
