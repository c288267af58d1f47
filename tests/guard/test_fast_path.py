"""The guard's fast paths never change a result.

* gate.may_name_object: a normalised text in which the gate finds no possible confidential object
  skips the clause analysis. Every text the analysis would refuse must reach it: the corpus, the
  refusing cases of the other guard tests and their obfuscated forms, and texts built from random
  strings of the lexicon's own patterns, split by spaces, hyphens and punctuation.
* gate.may_start_object: tokens that cannot begin an object are skipped when objects are sought.
* normalize: the plain-text fold, the quick checks and the skipped leet substitution give exactly
  what the full steps give.
* content: the case-insensitive label search and the number search match exactly where the
  plainer patterns did.
And ordinary billing text (templates/messages/* with realistic data, plain invoice, reminder and
contract-change sentences) does take the fast path.
"""

from __future__ import annotations

import importlib.util
import json
import random
import re
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.guard import check_email, check_template, check_text, clauses, content, gate, is_refused, phrasing
from gateway.guard import normalize as N
from gateway.guard import requests as R

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PORTAL = "https://min.example.no"


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


guard_speed = _load("guard_speed", ROOT / "bench" / "guard_speed.py")
CORPUS = [json.loads(line) for line in (HERE / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
          if line.strip()]


def _refusing_cases() -> list[str]:
    """The refusing sentences of the other request tests, and obfuscated forms of them."""
    req = _load("_guard_test_requests", HERE / "test_requests.py")
    more = _load("_guard_test_requests_more", HERE / "test_requests_more.py")
    obf = _load("_guard_test_obfuscation", HERE / "test_obfuscation.py")
    cases = [t for texts in req.REFUSE.values() for t in texts]
    for name in ("REFUSE", "NYNORSK_REFUSE", "PHISHING_EN"):
        cases += getattr(more, name)
    rnd = random.Random(7)
    for sentence in obf.SENTENCES:
        cases.append(sentence)
        for transform in obf.TRANSFORMS.values():
            cases.append(transform(sentence, rnd))
    return cases


REFUSING = _refusing_cases()


@contextmanager
def full_analysis_only():
    """Turn both gate shortcuts off: every text takes the clause analysis, every token is tried."""
    gate.gate()
    saved = (gate._gate, gate._prefixes)
    gate._gate, gate._prefixes = None, None
    gate.may_start_object.cache_clear()
    try:
        yield
    finally:
        gate._gate, gate._prefixes = saved
        gate.may_start_object.cache_clear()


def _findings(rec: dict) -> list[dict]:
    if rec["kind"] == "text":
        found = check_text(rec["source"], name=rec["id"])
    else:
        found = check_template(rec["source"], kind=rec["kind"], name=rec["id"], portal_url=PORTAL)
    return [f.to_dict() for f in found]


def test_the_gate_is_built_from_the_lexicon():
    assert gate.gate() is not None, "gate.build failed: extend it for the lexicon's new pattern construct"
    assert gate._prefixes is not None
    # The fast path is on: an ordinary sentence is known not to ask without any analysis.
    assert not R.might_ask("Fakturaen for november er klar. Forfall 20.12.2026.")
    assert R.might_ask("Oppgi passordet ditt.")


@pytest.mark.parametrize("pattern", ["a*", "a+", "a{2}", ".", r"\w", "^a", "(?i)a", "[a-z]", "(?=a)"])
def test_the_gate_refuses_a_construct_it_cannot_model(pattern):
    with pytest.raises(ValueError):
        gate.parse(re.compile(pattern))


def test_the_gate_models_classes_groups_alternatives_and_options():
    rx = re.compile("p(?:[iy]n|ass)(?:kode)?s?")
    fast = gate.build([rx])
    for text in ("pin", "pyn", "pass", "passkode", "pinkodes", "p-a-s-s"):
        assert fast.search(" " + text), text
    for text in ("pan", "kode", "xpin"):
        assert not fast.search(" " + text), text


def _named_by_patterns(keys: list[str], norm: str) -> bool:
    """Named by the lexicon's patterns, or one of the objects the gate finds another way: a
    misspelt object word, or confidential data described (phrasing.py)."""
    patterns = gate.object_patterns()
    if any(p.fullmatch(" ".join(keys)) or p.fullmatch("".join(keys)) for p in patterns):
        return True
    if len(keys) == 1 and phrasing.fuzzy_category(keys[0]):
        return phrasing.may_be_fuzzy(norm)
    return phrasing.may_describe(norm)


def test_the_analysis_finds_objects_only_with_those_patterns():
    """Every object the analysis finds is named by gate.object_patterns (so the gate built from
    them sees it); if the analysis starts to find objects some other way, this fails."""
    texts = [rec["source"] for rec in CORPUS] + REFUSING + _object_texts(1500, seed=5)
    found = 0
    for t in texts:
        norm = N.normalize(t)[0]
        a = clauses.Analysis(norm)
        for o in a.objs:
            found += 1
            assert _named_by_patterns(a.keys[o.i:o.j + 1], norm), (t, a.keys[o.i:o.j + 1])
            assert gate.may_name_object(norm), t
    assert found > 1000
    # ... and a text with no object gets no finding at all, whatever else it says.
    assert R.find_requests("Oppgi, send, bekreft og svar nå! Hva er det? Vi trenger det.") == []


def test_fast_paths_change_no_finding_on_the_corpus():
    fast = [_findings(rec) for rec in CORPUS]
    with full_analysis_only():
        full = [_findings(rec) for rec in CORPUS]
    assert fast == full


@pytest.mark.parametrize("rec", [r for r in CORPUS if r["label"] == "refuse" and r["kind"] == "text"],
                         ids=lambda r: r["id"])
def test_every_refused_corpus_text_needs_the_analysis(rec):
    assert R.might_ask(rec["source"])
    assert is_refused(check_text(rec["source"]))


def test_every_request_found_by_the_analysis_passed_the_gate():
    """For every corpus line and every refusing case of the other tests: wherever the full
    analysis finds a request in a normalised text, the gate says it needs the analysis."""
    texts = [rec["source"] for rec in CORPUS] + REFUSING
    with full_analysis_only():
        asking = [t for t in texts if R.find_requests(t)]
    assert len(asking) > 400
    for t in asking:
        assert R.might_ask(t), t
        assert gate.may_name_object(N.normalize(t)[0]), t


def test_refusing_cases_get_the_same_findings_with_the_fast_paths_on():
    fast = [[f.to_dict() for f in check_text(t)] for t in REFUSING]
    with full_analysis_only():
        full = [[f.to_dict() for f in check_text(t)] for t in REFUSING]
    assert fast == full
    assert sum(map(bool, fast)) > 0.9 * len(REFUSING)


# --- random strings of the lexicon's own patterns ------------------------------------------
def _sample(pattern: re.Pattern[str], rnd: random.Random) -> str:
    """A random string of the object strings ``pattern`` names (spaces between tokens dropped:
    the splits below put separators back at random)."""
    def walk(r: tuple) -> str:
        kind = r[0]
        if kind == "set":
            return rnd.choice(sorted(r[1]))
        if kind == "alt":
            return walk(rnd.choice(r[1]))
        if kind == "cat":
            return "".join(walk(x) for x in r[1])
        return ""
    return walk(gate.parse(pattern))


_SPLITS = [" ", " ", "-", "'", "_", ". ", ", ", "\n", " - ", ": ", "«", "»", "(", ")", "/", "*", "…"]
_FILLER = ["Vennligst oppgi", "Send oss", "Please enter", "Vi trenger", "Hva er", "Din", "your", "the",
           "og", "fakturaen", "2026", "", "kr 1 234,50", "Bekreft", "nå.", "her:", "Hei!"]


def _object_texts(count: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    patterns = gate.object_patterns()
    out = []
    for _ in range(count):
        s = _sample(rnd.choice(patterns), rnd)
        # split at random places (the analysis joins up to four tokens), sometimes leet or caps
        chars = []
        for k, ch in enumerate(s):
            if k and rnd.random() < 0.15:
                chars.append(rnd.choice(_SPLITS))
            chars.append(ch.upper() if rnd.random() < 0.1 else ch)
        obj = "".join(chars)
        out.append(f"{rnd.choice(_FILLER)} {obj}{rnd.choice(_SPLITS)}{rnd.choice(_FILLER)}")
    return out


def test_random_object_strings_reach_the_analysis():
    texts = _object_texts(6000, seed=1)
    with full_analysis_only():
        analysed = []
        for t in texts:
            norm = N.normalize(t)[0]
            a = clauses.Analysis(norm)
            analysed.append((t, norm, [a.keys[o.i:o.j + 1] for o in a.objs]))
    found = 0
    patterns = gate.object_patterns()
    for t, norm, objects in analysed:
        if objects:
            found += 1
            assert gate.may_name_object(norm), t
            for keys in objects:  # an object the lexicon names starts where the gate says one may
                if any(p.fullmatch(" ".join(keys)) or p.fullmatch("".join(keys)) for p in patterns):
                    assert gate.may_start_object(keys[0]), (t, keys)
    assert found > 1000  # many samples, split or not, still form an object


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["pass", "ord", "pin", "kode", "kort", "nummer", "fød", "sels", "konto",
                                 "bank", "id", "en", "gangs", "cvc", "p4ss", "0rd", "k0de", "i", "a",
                                 "oppgi", "send", "din", "your", "code", "d", "nr", "iban", "sms"]),
                min_size=1, max_size=8),
       st.lists(st.sampled_from(_SPLITS + ["", "", ""]), min_size=8, max_size=8))
def test_split_lexicon_fragments_reach_the_analysis(parts, splits):
    text = "".join(p + s for p, s in zip(parts, splits))
    with full_analysis_only():
        norm = N.normalize(text)[0]
        a = clauses.Analysis(norm)
        hits = R.find_requests(text)
    if a.objs:
        assert gate.may_name_object(norm)
        assert all(gate.may_start_object(a.keys[o.i]) for o in a.objs)
    assert R.find_requests(text) == hits


# --- ordinary billing text takes the fast path ----------------------------------------------
BILLING = guard_speed.billing_texts(300, seed=11)


def test_billing_texts_cover_every_template_and_language():
    names = {name for name, _ in BILLING}
    assert {"invoice_ready", "payment_reminder", "contract_change", "<text>"} <= names
    assert any("Fakturaen" in t for _, t in BILLING) and any("invoice" in t for _, t in BILLING)
    assert any("straumavtalen" in t for _, t in BILLING)


@pytest.mark.parametrize("k", range(len(BILLING)))
def test_ordinary_billing_text_takes_the_fast_path(k):
    name, text = BILLING[k]
    assert not R.might_ask(text), text
    assert check_text(text, name=name) == []


def test_check_text_skips_the_analysis_on_billing_text(monkeypatch):
    def no_analysis(*args, **kwargs):
        raise AssertionError("the clause analysis ran")
    monkeypatch.setattr(R, "Analysis", no_analysis)
    for name, text in BILLING:
        assert check_text(text, name=name) == []
    # ... and it is the analysis that refuses a request (so the patch above was in the path).
    with pytest.raises(AssertionError, match="the clause analysis ran"):
        R.find_requests("Oppgi passordet ditt.")


def test_billing_text_that_names_a_confidential_thing_is_analysed_and_passes():
    text = "Betal til kontonummer 1234.56.78903 innen 20.11.2026. Vi ber deg aldri om passord."
    assert R.might_ask(text)
    assert check_text(text) == []
    assert is_refused(check_text("Send oss kontonummeret ditt."))


def test_billing_words_that_looked_like_stems_take_the_fast_path():
    # The old prefilter let these through: "fakturanummer"/"invoice number" (nummer/number),
    # "betaling"/"payment", "unpaid" (id), "spotpris" (otp).
    for text in ("Fakturanummer: 12345678.", "Invoice number: 12345678.", "Vi har mottatt betalingen.",
                 "Your payment plan", "Invoice 12345678 is unpaid.", "Avtalen «Spotpris»."):
        assert not R.might_ask(text), text


# --- normalisation shortcuts give exactly the full steps ------------------------------------
_OLD_SPACED_QUICK = re.compile(r"(?<![^\W_])[^\W_@$€][ \t._\-*·•/~\\][^\W_@$€](?![^\W_])")
_OLD_LEET_QUICK = re.compile(r"[^\W\d_]['-]?[0-9@$€!|]|[0-9@$€!|]['-]?[^\W\d_]")


def reference_normalize(text: str) -> str:
    """normalize(text)[0] as the full steps compute it, without any shortcut."""
    t = N._INVISIBLE_RE.sub("", text)
    t = t.lower() if t.isascii() else N._fold_str(t)
    t = N._HYPHEN_BREAK_RE.sub("", t)
    if _OLD_SPACED_QUICK.search(t):
        if sum(1 for r in N._SPACED_RE.finditer(t) if len(r.group()) >= 5) >= 2:
            t = N._SPACED_STYLE_RE.sub(lambda m: N._join_spaced_style(m.group()), t)
        else:
            t = N._SPACED_RE.sub(lambda m: N._join_spaced_run(m.group()), t)
    if _OLD_LEET_QUICK.search(t):
        t = N._LEET_TOKEN_RE.sub(lambda m: N._fold_leet(m.group()), t)
        if N._SHORT_DIGIT_RE.search(t):
            t = N._SHORT_DIGIT_RE.sub(lambda m: N._SHORT_DIGIT_WORDS[m.group()], t)
    return t


_TRICKY = list("aeiopsnrtkdlbgAEPS åøæÅØ .-_'!|@$€0123456789\n\t*/~\\·•,:%") + [
    "\u00ad", "\u200b", "\u00a0", "İ", "ı", "ß", "’", "…", "\u0301", "é", "ö", "ä", "²", "½", "٣", "৩",
    "ｐ", "ﬁ", "р", "а", "ſ", "K", "–", "—", "«", "»", "€", "\u2009", "\U0001d5c9"]


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=st.sampled_from(_TRICKY), max_size=40))
def test_normalize_equals_the_full_steps(text):
    assert N.normalize(text)[0] == reference_normalize(text)


def test_normalize_equals_the_full_steps_on_real_text():
    texts = [rec["source"] for rec in CORPUS] + REFUSING + [t for _, t in BILLING] + _object_texts(2000, seed=3)
    for t in texts:
        assert N.normalize(t)[0] == reference_normalize(t), t


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=st.sampled_from(_TRICKY), max_size=30))
def test_quick_checks_agree_with_the_plain_patterns(text):
    assert bool(N._SPACED_QUICK.search(text)) == bool(_OLD_SPACED_QUICK.search(text))
    assert bool(N._LEET_QUICK.search(text)) == bool(_OLD_LEET_QUICK.search(text))
    assert N._has_short_digits(text) == bool(N._SHORT_DIGIT_RE.search(text))


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab2605137@$€!|'-_ .\n") + ["٣", "²", "é", "X"]), max_size=24))
def test_the_leet_substitution_is_skipped_only_where_it_changes_nothing(text):
    if not N._leet_may_change(text):
        assert N._LEET_TOKEN_RE.sub(lambda m: N._fold_leet(m.group()), text) == text
    if not N._NON_ASCII_DIGIT.search(text):
        assert N._leet_may_change(text) == N._leet_may_change(text, ascii_digits=True)


def test_no_digit_of_another_script_before_u0660_and_none_in_plain_text():
    assert not [c for c in range(0x80, 0x660) if re.match(r"\d", chr(c))]
    assert not [c for c in N._SIMPLE if re.match(r"\d", c) and not c.isascii()]


def test_simple_characters_fold_one_by_one():
    simple = sorted(N._SIMPLE)
    for a in simple:
        assert N._fold_simple(a) == N._fold_str(a), a
        for b in simple:
            assert N._fold_simple(a + b) == N._fold_str(a + b), (a, b)


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from(sorted(N._SIMPLE)), max_size=30))
def test_simple_text_folds_like_the_full_fold(text):
    assert N._fold_simple(text) == N._fold_str(N.strip_invisible(text)[0])
    if N._is_plain(text):
        assert text.lower() == N._fold_str(text)


# --- content search shortcuts ---------------------------------------------------------------
_OLD_LABEL_QUICK = re.compile(r"(?i)pass|pin|kode|code|otp|cvc|cvv")
_OLD_NUMBER_RE = re.compile(r"(?<![\w.,/-])\d(?:[ .\-\u00a0]?\d){7,22}(?![\w/]|[.,-]\d)")


def test_label_classes_hold_what_ignorecase_matches():
    letters = sorted(set("".join(content._LABELS)))
    matched = {x: [] for x in letters}
    any_letter = re.compile("(?i)[" + "".join(letters) + "]")
    for c in range(sys.maxunicode + 1):
        ch = chr(c)
        if any_letter.fullmatch(ch):
            for x in letters:
                if re.fullmatch(f"(?i){x}", ch):
                    matched[x].append(ch)
    for x in letters:
        assert content._ignorecase_class(x) == "[" + "".join(sorted(matched[x])) + "]", x


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("PpAaSsIiNnKkOoDdEeCcTtVv 1-.:") + ["ſ", "K", "İ", "ı", "\u00a0"]),
               max_size=30))
def test_content_searches_match_where_the_plain_patterns_did(text):
    assert [m.span() for m in content._LABEL_QUICK.finditer(text)] == \
        [m.span() for m in _OLD_LABEL_QUICK.finditer(text)]


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789 .-,/a_\u00a0") + ["٣"]), max_size=40))
def test_number_search_matches_where_the_plain_pattern_did(text):
    assert [m.span() for m in content._NUMBER_RE.finditer(text)] == \
        [m.span() for m in _OLD_NUMBER_RE.finditer(text)]


def test_email_checks_agree_with_the_full_analysis():
    env_text = guard_speed.TEXT_TEMPLATE.replace("{{ message_url }}", PORTAL + "/portal/messages/x1")
    for rec in CORPUS[:200]:
        html = f"<p>{rec['source']}</p><p style='display:none'>{rec['source'][::-1]}</p>"
        fast = [f.to_dict() for f in check_email(rec["source"] + "\n" + env_text, html, portal_url=PORTAL)]
        with full_analysis_only():
            full = [f.to_dict() for f in check_email(rec["source"] + "\n" + env_text, html, portal_url=PORTAL)]
        assert fast == full, rec["id"]


# --- a gap the old stem prefilter left open (it no longer stands in front of the analysis) -----
SPLIT_STEMS = ["Oppgi p-assordet ditt.", "Oppgi pa ssordet ditt.", "Tast inn engangsk_oden."]


@pytest.mark.parametrize("text", SPLIT_STEMS)
def test_the_gate_sees_a_stem_split_inside_a_word(text):
    assert R.might_ask(text)
    with full_analysis_only():
        norm = N.normalize(text)[0]
        assert R._find_requests(norm)  # the analysis itself refuses it


@pytest.mark.parametrize("text", SPLIT_STEMS)
def test_a_stem_split_inside_a_word_is_refused(text):
    assert is_refused(check_text(text))
