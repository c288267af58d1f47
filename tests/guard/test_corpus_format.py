"""Format and balance checks for the content-guard evaluation corpus.

The corpus (``corpus.jsonl``) is the labelled set that ``bench/guard_eval.py`` and the guard's
recall / false-alarm tests are measured against. These tests only check that the corpus itself is
well formed and well balanced; they deliberately do not import ``gateway.guard``.
"""

from __future__ import annotations

import collections
import json
import re
import unicodedata
from pathlib import Path

import pytest

CORPUS = Path(__file__).with_name("corpus.jsonl")

FIELDS = {"id", "lang", "kind", "label", "family", "source", "note"}
LANGS = {"nb", "nn", "en"}
KINDS = {"text", "email", "message"}
LABELS = {"refuse", "pass"}
FAMILIES = {
    "request",
    "content",
    "link",
    "template",
    "obfuscation",
    "negation",
    "benign",
    "borderline",
}
EMAIL_VARIABLES = {"message_url", "portal_url", "category", "company_name", "sent_date"}
ID_RE = re.compile(r"^(nb|nn|en)-[a-z]{3}-\d{3}$")

MIN_TOTAL = 450
MIN_PER_LANG = {"nb": 150, "nn": 100, "en": 150}
# Every family that is mostly one label must have a reasonable number of lines.
MIN_PER_FAMILY = {
    "request": 60,
    "content": 15,
    "link": 15,
    "template": 15,
    "obfuscation": 50,
    "negation": 30,
    "benign": 60,
    "borderline": 30,
}


def _load() -> list[dict]:
    records = []
    with CORPUS.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            assert line.endswith("\n"), f"line {lineno}: missing final newline"
            assert line.strip(), f"line {lineno}: blank line"
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:  # pragma: no cover - failure path
                pytest.fail(f"line {lineno}: not JSON: {exc}")
            assert isinstance(rec, dict), f"line {lineno}: not an object"
            rec["_line"] = lineno
            records.append(rec)
    return records


@pytest.fixture(scope="module")
def corpus() -> list[dict]:
    return _load()


def test_file_is_utf8_without_ascii_escapes():
    raw = CORPUS.read_bytes()
    text = raw.decode("utf-8")  # raises on invalid UTF-8
    # ensure_ascii=False: Norwegian letters are stored as themselves, not as \\u escapes
    # (escapes are still allowed for invisible characters used by obfuscation lines).
    for ch in "æøåÆØÅ":
        assert f"\\u{ord(ch):04x}" not in text.lower()


def test_fields_and_values(corpus):
    for rec in corpus:
        where = f"line {rec['_line']} ({rec.get('id')})"
        assert set(rec) - {"_line"} == FIELDS, f"{where}: fields {sorted(set(rec) - {'_line'})}"
        for key in FIELDS:
            assert isinstance(rec[key], str), f"{where}: {key} is not a string"
        assert rec["lang"] in LANGS, where
        assert rec["kind"] in KINDS, where
        assert rec["label"] in LABELS, where
        assert rec["family"] in FAMILIES, where
        assert rec["source"].strip(), f"{where}: empty source"
        assert rec["note"].strip(), f"{where}: empty note"
        assert len(rec["note"]) <= 200, f"{where}: note too long"
        assert ID_RE.match(rec["id"]), f"{where}: bad id"
        assert rec["id"].startswith(rec["lang"] + "-"), f"{where}: id does not start with lang"


def test_unique_ids(corpus):
    counts = collections.Counter(rec["id"] for rec in corpus)
    dupes = [i for i, n in counts.items() if n > 1]
    assert not dupes, f"duplicate ids: {dupes}"


def test_no_duplicate_sources(corpus):
    counts = collections.Counter(rec["source"] for rec in corpus)
    dupes = [s for s, n in counts.items() if n > 1]
    assert not dupes, f"duplicate sources: {dupes[:5]}"


def test_no_near_duplicate_sources(corpus):
    """Sources that are identical after case folding and whitespace collapsing count as duplicates."""

    def key(s: str) -> str:
        return " ".join(unicodedata.normalize("NFC", s).casefold().split())

    counts = collections.Counter(key(rec["source"]) for rec in corpus)
    dupes = [s for s, n in counts.items() if n > 1]
    assert not dupes, f"near-duplicate sources: {dupes[:5]}"


def test_minimum_sizes(corpus):
    assert len(corpus) >= MIN_TOTAL
    by_lang = collections.Counter(rec["lang"] for rec in corpus)
    for lang, minimum in MIN_PER_LANG.items():
        assert by_lang[lang] >= minimum, f"{lang}: {by_lang[lang]} < {minimum}"
    by_family = collections.Counter(rec["family"] for rec in corpus)
    for family, minimum in MIN_PER_FAMILY.items():
        assert by_family[family] >= minimum, f"{family}: {by_family[family]} < {minimum}"


def test_label_balance(corpus):
    labels = collections.Counter(rec["label"] for rec in corpus)
    share = labels["refuse"] / len(corpus)
    assert 0.40 <= share <= 0.60, f"refuse share {share:.2f} is not roughly balanced"
    for lang in LANGS:
        sub = [rec for rec in corpus if rec["lang"] == lang]
        lab = collections.Counter(rec["label"] for rec in sub)
        assert lab["refuse"] >= 0.3 * len(sub), f"{lang}: too few refuse lines"
        assert lab["pass"] >= 0.3 * len(sub), f"{lang}: too few pass lines"


def test_every_language_covers_every_kind_and_label(corpus):
    seen = {(rec["lang"], rec["kind"], rec["label"]) for rec in corpus}
    for lang in LANGS:
        for kind in KINDS:
            for label in LABELS:
                assert (lang, kind, label) in seen, f"missing {lang}/{kind}/{label}"


def test_family_label_consistency(corpus):
    for rec in corpus:
        where = f"{rec['id']}"
        if rec["family"] in {"request", "obfuscation"}:
            assert rec["label"] == "refuse", f"{where}: {rec['family']} lines are refusals"
        if rec["family"] == "benign":
            assert rec["label"] == "pass", f"{where}: benign lines pass"
        if rec["family"] in {"content", "link", "template"}:
            assert rec["kind"] == "email", f"{where}: {rec['family']} lines are e-mail templates"
    # Negations must include both the allowed statements and the ones that do not cover a demand.
    neg = collections.Counter(rec["label"] for rec in corpus if rec["family"] == "negation")
    assert neg["pass"] >= 20 and neg["refuse"] >= 10, neg


def test_obfuscation_covers_every_technique(corpus):
    obf = [rec["source"] for rec in corpus if rec["family"] == "obfuscation"]
    joined = "\n".join(obf)
    checks = {
        "zero-width U+200B": "\u200b" in joined,
        "zero-width U+200C": "\u200c" in joined,
        "zero-width U+200D": "\u200d" in joined,
        "word joiner U+2060": "\u2060" in joined,
        "BOM U+FEFF": "\ufeff" in joined,
        "soft hyphen": "\u00ad" in joined,
        "Cyrillic look-alike": any("\u0400" <= ch <= "\u04ff" for ch in joined),
        "Greek look-alike": any("\u0370" <= ch <= "\u03ff" for ch in joined),
        "leet digits": re.search(r"[a-z][0-9@][a-z]", joined, re.I) is not None,
        "spaced letters": re.search(r"\b(\w )\w \w \w\b", joined) is not None,
        "HTML entity": re.search(r"&(#\d+|#x[0-9a-f]+|[a-z]+);", joined, re.I) is not None,
        "HTML tag split": re.search(r"\w<(b|i|span|em|strong)>", joined) is not None
        or re.search(r"\w</?(b|i|span|em|strong)>\w", joined) is not None,
        "display:none": "display:none" in joined.replace(" ", ""),
        "HTML comment": "<!--" in joined,
        "Jinja concat ~": "~" in joined,
        "Jinja set": "{% set" in joined,
        "Jinja join": "|join" in joined,
        "Jinja reverse": "|reverse" in joined,
        "Jinja comment": "{#" in joined,
        "Jinja raw": "{% raw %}" in joined,
    }
    missing = [name for name, ok in checks.items() if not ok]
    assert not missing, f"obfuscation techniques not covered: {missing}"


def test_templates_are_jinja_where_expected(corpus):
    """Passing e-mail templates must be valid Jinja using only the allowed variables.

    This keeps the labels honest: a 'pass' e-mail that used another variable would be mislabelled.
    """
    jinja2 = pytest.importorskip("jinja2")
    from jinja2 import meta

    env = jinja2.Environment()
    for rec in corpus:
        if rec["kind"] != "email" or rec["label"] != "pass":
            continue
        ast = env.parse(rec["source"])
        undeclared = meta.find_undeclared_variables(ast)
        assert undeclared <= EMAIL_VARIABLES, f"{rec['id']}: uses {sorted(undeclared - EMAIL_VARIABLES)}"
        for node in ast.find_all((jinja2.nodes.Getattr, jinja2.nodes.Getitem)):
            pytest.fail(f"{rec['id']}: passing e-mail template uses attribute/item access")
    for rec in corpus:
        if rec["kind"] == "message" and rec["label"] == "pass":
            env.parse(rec["source"])  # passing message templates must at least parse
