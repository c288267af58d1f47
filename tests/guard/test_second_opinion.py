"""The statistical second opinion (gateway/guard/second_opinion.py, trained by
bench/guard_train.py): deterministic, never removes a rule's refusal, explains itself, refuses
described asks it has learnt in general and passes benign texts of the hard kinds. The sentences
here are written for these tests; none is a training item."""

from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.guard_speed import billing_texts
from gateway.guard import check_template, check_text, is_refused, second_opinion
from gateway.guard.normalize import normalize
from gateway.guard.second_opinion import REGIMES, Model

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def with_model(monkeypatch):
    """Put a hand-made model in place of the shipped one."""
    def use(model: Model | None) -> None:
        monkeypatch.setattr(second_opinion, "model", lambda: model)
    return use


def _always(refuse: bool, *texts: str) -> Model:
    """A model that refuses (every word of ``texts`` weighs 30) or never refuses."""
    if not refuse:
        return Model(-30.0, {}, dict.fromkeys(REGIMES, 0.5))
    words = {"w:" + w: 30.0 for t in texts for w in second_opinion.keys_of(normalize(t)[0])}
    return Model(0.0, words, dict.fromkeys(REGIMES, 0.5))


# --- determinism ------------------------------------------------------------------------------
_TINY = {
    "tinyA": [("nb", "refuse", "Send oss det lange nummeret foran på kortet ditt."),
              ("nb", "pass", "Send oss målerstanden din innen fredag."),
              ("en", "refuse", "Reply with the street you grew up on."),
              ("en", "pass", "Reply with your moving date and the new address.")],
    "tinyB": [("nn", "refuse", "Skriv inn talet den vesle brikka viser."),
              ("nn", "pass", "Skriv inn målarstanden frå straummålaren."),
              ("en", "refuse", "Type what the little device shows into the reply."),
              ("en", "pass", "Type the meter number into the reply.")],
}


def _train_tiny(tmp: Path, seed: str, out: Path, *options: str) -> bytes:
    args = []
    for name, rows in _TINY.items():
        path = tmp / f"{name}.jsonl"
        path.write_text("".join(json.dumps({"id": f"{name}-{k}", "lang": lang, "kind": "text", "label": label,
                                            "family": "x", "source": src}, ensure_ascii=False) + "\n"
                                for k, (lang, label, src) in enumerate(rows)), encoding="utf-8")
        args += ["--set", str(path)]
    env = {**os.environ, "PYTHONHASHSEED": seed}
    subprocess.run([sys.executable, str(ROOT / "bench" / "guard_train.py"), "--no-repo-sets", "--epochs", "3",
                    "--phrasing-weight", "0", "--out", str(out), *options, *args],
                   check=True, env=env, cwd=ROOT, capture_output=True)
    return out.read_bytes()


def test_retraining_on_the_same_data_gives_the_same_weights(tmp_path):
    # Different hash seeds, so no set or dict order can leak into the weights.
    first = _train_tiny(tmp_path, "1", tmp_path / "a.json")
    second = _train_tiny(tmp_path, "2", tmp_path / "b.json")
    assert first == second
    data = json.loads(first)
    assert set(data["thresholds"]) == set(REGIMES)
    assert data["meta"]["sets"] == {"tinyA": 4, "tinyB": 4}
    assert data["weights"]  # it learnt something from eight sentences


def test_stems_join_the_inflected_forms_of_a_word():
    stem = second_opinion.stem
    assert stem("koden") == stem("koda") == stem("kodene") == stem("koder") == stem("kode")
    assert stem("nummeret") == stem("nummer") and stem("kortnummeret") == stem("kortnummer")
    assert stem("passordet") == stem("passord") and stem("numbers") == stem("number")
    assert stem("pin") == "pin"  # three letters stay


def test_the_runtime_sums_exactly_the_features_the_trainer_saw(tmp_path):
    out = tmp_path / "stems.json"
    data = json.loads(_train_tiny(tmp_path, "0", out, "--stems", "--ngrams", "3", "--no-loso",
                                  "--thresholds", "0.5,0.5"))
    assert data["features"] == {"ngrams": [3], "stems": True}
    model = second_opinion.load(out)
    assert model is not None and model.feats.stems
    assert any(f.startswith(("p:", "q:", "s:")) for f in data["weights"])
    for text in ["Send oss det lange nummeret foran på kortet ditt, og nummeret bak på kortet.",
                 "Skriv inn talet den vesle brikka viser.", "Type the meter number into the reply."]:
        norm = normalize(text)[0]
        expected = data["bias"] + sum(data["weights"].get(f, 0.0)
                                      for f, _ in second_opinion.features(second_opinion.keys_of(norm), model.feats))
        assert abs(model.logit(norm) - expected) < 1e-9
        full = model.verdict(norm)
        for regime in REGIMES:  # the cheap bound decides as the full score does
            assert (model.refuses(norm, regime) is not None) == (full.score >= 0.5 and bool(full.words))


def test_the_trainer_refuses_the_held_out_judge(tmp_path):
    judge = tmp_path / "setC.jsonl"
    judge.write_text("", encoding="utf-8")
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "guard_train.py"), "--set", str(judge),
                           "--dry-run"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode != 0 and "held-out judge" in proc.stderr


def test_the_shipped_model_is_small_and_scores_deterministically():
    assert (ROOT / "gateway" / "guard" / "second_opinion.json").stat().st_size < 3_000_000
    model = second_opinion.model()
    assert model is not None
    assert model.thresholds["ask"] <= model.thresholds["other"]  # stricter where the rules see less
    norm = normalize("Skriv navnet på gata du vokste opp i.")[0]
    assert model.verdict(norm) == model.verdict(norm)
    fresh = second_opinion.load()
    assert fresh is not None and fresh.verdict(norm) == model.verdict(norm)
    assert abs(model.logit(norm) - model.logit(norm)) == 0


def test_the_loaded_model_scores_the_pinned_texts_as_pinned():
    # The scores bench/guard_pin_scores.py computed from the weights file as the trainer defines
    # them, not by the runtime's compact tables: the runtime must give the same to 1e-9.
    from bench.guard_pin_scores import PINNED
    pinned = json.loads(PINNED.read_text(encoding="utf-8"))
    shipped = hashlib.sha256((ROOT / "gateway" / "guard" / "second_opinion.json").read_bytes()).hexdigest()
    assert pinned["weights_sha256"] == shipped, "weights retrained: python bench/guard_pin_scores.py"
    model = second_opinion.model()
    assert model is not None
    for row in pinned["texts"]:
        norm = normalize(row["text"])[0]
        assert abs(model.logit(norm) - row["logit"]) < 1e-9, row["text"]
        assert abs(model.verdict(norm).score - 1 / (1 + math.exp(-row["logit"]))) < 1e-9, row["text"]
        for regime in REGIMES:
            assert (model.refuses(norm, regime) is not None) == row[regime], (regime, row["text"])
    assert {row[regime] for row in pinned["texts"] for regime in REGIMES} == {True, False}


def test_the_runtime_sums_the_shipped_weights_as_the_trainer_defines_them():
    # Every 20th corpus text and rendered billing texts, against the weights file read as plain JSON.
    from bench.guard_pin_scores import corpus_texts, reference_logit
    data = _shipped()
    model = second_opinion.model()
    assert model is not None
    texts = [t for ts in corpus_texts().values() for t in ts][::20] + [t for _, t in billing_texts(count=60)]
    for text in texts:
        norm = normalize(text)[0]
        assert abs(model.logit(norm) - reference_logit(data, text)) < 1e-9, text


def test_the_weights_file_is_read_as_json_whatever_its_layout(tmp_path):
    # The loader reads the weights one by one (no dict of them all); any JSON layout gives the
    # model json.loads would: white space, escaped names, the weights before the other members.
    weights = {"w:kode": 1.5, 'w:a"b': -0.25, "c:<ko": 0.5, "s:kod": 0.125, "b:din_kode": 2.0, "p:kod_din": -1.0,
               "q:send_kod": 3.0e-1, "b:kode_din": 0.0}
    data = {"weights": weights, "bias": -1, "features": {"ngrams": [3], "stems": True},
            "thresholds": {"ask": 0.6, "other": 0.9}, "meta": {"weights": {"w:x": 9}}}
    path = tmp_path / "weights.json"
    path.write_text(json.dumps(data, indent=3, ensure_ascii=True), encoding="utf-8")
    loaded = second_opinion.load(path)
    plain = Model(-1.0, weights, data["thresholds"], second_opinion.Features((3,), True))
    assert loaded is not None and loaded.weights == plain.weights == {k: v for k, v in weights.items() if k[1] == ":"
                                                                      and k[0] in "wcs"}
    for text in ["Send koden din, kode din!", "din kode", 'a"b kode', "ingenting"]:
        assert loaded.logit(text) == plain.logit(text) == data["bias"] + sum(
            weights.get(f, 0.0) for f, _ in second_opinion.features(second_opinion.keys_of(text), plain.feats))
        assert loaded.verdict(text) == plain.verdict(text)
    path.write_text(json.dumps(data)[:-30], encoding="utf-8")
    with pytest.raises(ValueError):
        second_opinion.load(path)


# --- it adds, never removes --------------------------------------------------------------------
RULE_REFUSED = [
    "Oppgi passordet ditt.",
    "Kva er PIN-koden din?",
    "Reply to this e-mail with your card number and CVC.",
    "Kortnummeret trenger vi før fredag.",
]


@pytest.mark.parametrize("text", RULE_REFUSED)
def test_it_never_removes_or_replaces_a_rule_refusal(with_model, text):
    with_model(_always(False))
    rules_only = check_text(text)
    assert is_refused(rules_only) and all(f.rule != "request.statistical" for f in rules_only)
    with_model(_always(True, text))
    assert check_text(text) == rules_only  # the model is not even asked
    with_model(None)
    assert check_text(text) == rules_only


def test_a_model_that_always_says_no_changes_nothing_benign(with_model):
    with_model(_always(False))
    assert check_text("Send oss målerstanden din innen fredag.") == []
    with_model(_always(True, "Send oss målerstanden din innen fredag."))
    [f] = check_text("Send oss målerstanden din innen fredag.")
    assert f.rule == "request.statistical"


# --- it explains itself ------------------------------------------------------------------------
def test_the_finding_names_the_words_and_says_what_to_do_instead(with_model):
    weights = {"w:fargen": 4.0, "w:sykkelen": 4.0, "w:svaret": 1.0}
    with_model(Model(-6.0, weights, {"ask": 0.8, "other": 0.8}))
    text = "Hei!\nSkriv fargen på sykkelen din i svaret, takk."
    [f] = check_text(text)
    assert f.rule == "request.statistical" and f.severity == "error"
    assert f.excerpt.endswith("(words: fargen, sykkelen, svaret)")
    assert (f.line, f.column) == (2, text.split("\n")[1].index("fargen") + 1)
    assert "Instead," in f.message and "heller" in f.message_nb
    # The same in a message template, placed in the template's source.
    [t] = [x for x in check_template("Hei {{ name }}!\nSkriv fargen på sykkelen din.", kind="message")
           if x.rule == "request.statistical"]
    assert t.line == 2


def test_a_number_is_never_read_or_named(with_model):
    with_model(Model(-6.0, {"w:kode": 10.0}, {"ask": 0.9, "other": 0.9}))
    [f] = check_text("Kode 4417 er din.")
    assert "(words: kode)" in f.excerpt
    assert second_opinion.keys_of("kode 4417 pin-koden don't") == ["kode", "pinkoden", "dont"]


# --- what it has learnt -------------------------------------------------------------------------
DESCRIBED_ASKS = [
    "Your refund is on hold. Reply today with the long number on the front of your card.",
    "Kindly send a clear photo of both sides of your bank card so we can confirm the refund.",
    "What was the name of your first school? We need it to unlock the account.",
    "Refusjonen din er satt på vent. Svar i dag med det lange nummeret foran på kortet.",
    "Send oss et tydelig bilde av begge sider av bankkortet ditt, så bekrefter vi refusjonen.",
    "Hva het den første skolen din? Vi trenger det for å låse opp kontoen.",
    "Refusjonen din er sett på vent. Svar i dag med det lange nummeret framme på kortet.",
    "Send oss eit tydeleg bilete av begge sider av bankkortet ditt, så stadfestar vi refusjonen.",
    "Kva heitte den første skulen din? Vi treng det for å låse opp kontoen.",
]


@pytest.mark.parametrize("text", DESCRIBED_ASKS)
def test_it_refuses_described_asks_on_its_own(text):
    model = second_opinion.model()
    assert model is not None
    # The model alone would refuse it where the rules see an ask without a request...
    assert model.verdict(normalize(text)[0]).score >= model.thresholds["ask"], text
    # ...and the guard refuses it (by a rule or by the model).
    assert is_refused(check_text(text))


BENIGN_HARD = [
    "The code on the gift card we posted to you can be used in our web shop until May.",
    "Please send us the number on the meter and the date you moved in.",
    "Ask the electrician for his certificate and keep it with the contract papers.",
    "As the regulation requires, we check your identity with BankID when you sign up.",
    "If anyone writes 'send us your card number', it is a scam: delete the message.",
    "Koden på gavekortet vi sendte deg, kan brukes i nettbutikken til mai.",
    "Lag et sterkt passord og del det ikke med noen.",
    "Be elektrikeren om samsvarserklæringen og ta vare på den.",
    "Vi sender pengene tilbake til kontoen du har registrert på Min strømside.",
    "Du kan logge inn på Min strømside med BankID og se fakturaene dine der.",
    "Koden på gåvekortet vi sende deg, kan brukast i nettbutikken til mai.",
    "Lag eit sterkt passord og del det ikkje med nokon.",
    "Spør elektrikaren om samsvarserklæringa og ta vare på ho.",
    "Som forskrifta krev, sjekkar vi identiteten din med BankID når du teiknar avtale.",
]


@pytest.mark.parametrize("text", BENIGN_HARD)
def test_it_passes_benign_texts_of_the_hard_kinds(text):
    assert all(f.rule != "request.statistical" for f in check_text(text)), text


def test_it_passes_every_rendered_billing_message():
    # Billing text never reaches the rules' analysis (the fast path); the model reads all of it.
    for name, text in billing_texts():
        assert all(f.rule != "request.statistical" for f in check_text(text, name=name)), (name, text)


def test_it_is_not_asked_about_rendered_notification_emails(with_model):
    from gateway.guard import check_email
    with_model(_always(True, "Du har en ny melding fra oss."))
    assert check_text("Du har en ny melding fra oss.") != []
    assert check_email("Du har en ny melding fra oss.", None, portal_url="https://min.example.no") == []


def test_the_cheap_bound_never_changes_a_verdict():
    # refuses() skips the word pairs when even their largest possible share cannot reach the
    # threshold; it must decide exactly as the full score does.
    model = second_opinion.model()
    assert model is not None
    texts = [t for _, t in billing_texts(count=120)] + DESCRIBED_ASKS + BENIGN_HARD + RULE_REFUSED
    for text in texts:
        norm = normalize(text)[0]
        for regime in REGIMES:
            full = model.verdict(norm)
            expected = full.score >= model.thresholds[regime] and bool(full.words)
            assert (model.refuses(norm, regime) is not None) == expected, (regime, text)


def test_a_text_with_the_same_pairs_as_the_last_one_is_decided_as_if_alone():
    # refuses() reuses what the pairs added for the last text that began and ended with the same
    # words when all its word (and stem) ids are the same: numbers changed (never read), or a word
    # the pairs do not know swapped for another (whose own features still count, fresh).
    model = second_opinion.load()
    assert model is not None
    from bench.guard_pin_scores import corpus_texts
    texts = [t for ts in corpus_texts().values() for t in ts][::15] + [t for _, t in billing_texts(count=60)]
    variants = []
    for text in texts:
        variants.append(text.replace("1", "7").replace("2", "9"))
        words = text.split(" ")
        if len(words) > 3:  # an unknown word in the middle: no pair holds it, its own score differs
            variants.append(" ".join(words[:2] + ["Zyxqvbrt" if len(words) % 2 else "Kortnumrqx"] + words[3:]))
            variants.append(" ".join(words[:2] + ["Blorfnik"] + words[3:]))
    reused = 0
    for text in texts + variants:
        norm = normalize(text)[0]
        full = model.verdict(norm)
        words, stems = model._ids_of(second_opinion.keys_of(norm))
        for regime in REGIMES:
            recent = model._recent.get((words[0], words[-1])) if len(words) > 1 else None
            reused += recent is not None and (recent.words, recent.stems) == (words, stems)
            expected = full.score >= model.thresholds[regime] and bool(full.words)
            assert (model.refuses(norm, regime) is not None) == expected, (regime, text)
    assert reused > len(texts)  # at least the second regime of each text, and the variants


# --- the shipped weights are what one command makes of the repository ---------------------------
def _shipped() -> dict:
    return json.loads((ROOT / "gateway" / "guard" / "second_opinion.json").read_text(encoding="utf-8"))


def test_the_shipped_weights_were_trained_on_the_repositorys_sets_as_they_are_now():
    # The inputs' digest covers every training text, label and weight and the rules' verdict and
    # regime on it: a set added or edited, or a rule change that moves a verdict, without
    # `python bench/guard_train.py` run and its JSON committed, fails here (in seconds; the
    # byte-for-byte retrain below is the slow, complete check).
    from bench import guard_train
    _, _, meta = guard_train.prepare(guard_train.parser().parse_args([]))
    shipped = _shipped()["meta"]
    assert shipped["sets"] == meta["sets"]
    assert shipped["inputs_sha256"] == meta["inputs_sha256"], "retrain: python bench/guard_train.py"


def test_every_written_set_is_read_and_the_judge_is_not():
    from bench import guard_train
    sets = _shipped()["meta"]["sets"]
    for path in sorted(guard_train.WRITTEN_DIR.glob("*.jsonl")):
        assert path.stem in sets, path
    assert {"setA", "setB"} <= set(sets)
    assert not any(name.lower().startswith("setc") for name in sets)


@pytest.mark.slow
def test_one_command_retrains_the_shipped_weights_byte_for_byte(tmp_path):
    out = tmp_path / "second_opinion.json"
    # Not under coverage (CI measures subprocesses): the trainer's pure-Python training ran 2.3 times
    # slower traced, over two minutes, and the rules it calls are covered by the other tests.
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    subprocess.run([sys.executable, str(ROOT / "bench" / "guard_train.py"), "--out", str(out)],
                   check=True, cwd=ROOT, capture_output=True, env={**env, "PYTHONHASHSEED": "7"})
    assert out.read_bytes() == (ROOT / "gateway" / "guard" / "second_opinion.json").read_bytes()


def test_thresholds_keep_the_false_alarm_budget_and_prefer_the_stricter_at_nearly_the_same_recall():
    from bench import guard_train

    def item(k: int, lang: str, label: str, regime: str) -> guard_train.Item:
        it = guard_train.Item("s1", {"id": f"i{k}", "lang": lang, "label": label, "source": f"tekst {k}"})
        it.regime = regime
        return it
    # per language: 100 benign texts, one scoring 0.9 (a false alarm at thresholds up to 0.9);
    # refusals scoring 0.6 (ten of them) and 0.97 (one hundred).
    items, scores = [], {}
    k = 0
    for lang in guard_train.LANGS:
        for n, label, score in ((99, "pass", 0.1), (1, "pass", 0.9), (10, "refuse", 0.6), (100, "refuse", 0.97)):
            for _ in range(n):
                it = item(k, lang, label, "other")
                items.append(it)
                scores[it.set + "\x00" + it.id] = score
                k += 1
    # a budget of 1 false alarm in 100 allows every refusal (the strictest such threshold)...
    assert guard_train.choose_thresholds(items, scores, 0.01)["other"] == 0.6
    # ...none allows only thresholds above 0.9...
    assert guard_train.choose_thresholds(items, scores, 0.0)["other"] > 0.9
    # ...and with a slack of 10 % the strictest that still finds 100 of 110 is taken.
    assert guard_train.choose_thresholds(items, scores, 0.01, slack=0.1)["other"] == 0.97
