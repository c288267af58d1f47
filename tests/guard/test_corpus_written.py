"""The fourth-round corpus (``corpus_written.jsonl``): two blind sets, written by people who had
not seen the guard, kept with their ids and notes. Checks its form and balance only; the scores
are in test_corpus_eval.py (it is one of the tuning corpora)."""

from __future__ import annotations

import collections
import json
from pathlib import Path

CORPUS = Path(__file__).with_name("corpus_written.jsonl")
FIELDS = {"id", "lang", "kind", "label", "family", "source", "note"}
FAMILIES = {"negation_scope", "object_first", "condition", "described", "cross_sentence", "informal",
            "security_question", "obfuscation", "ask", "hard_negative"}


def _records() -> list[dict]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_every_record_is_well_formed_and_unique():
    recs = _records()
    assert len(recs) >= 1300
    assert len({r["id"] for r in recs}) == len(recs)
    assert len({r["source"] for r in recs}) == len(recs)
    for r in recs:
        assert set(r) == FIELDS, r["id"]
        assert r["lang"] in {"nb", "nn", "en"} and r["kind"] == "text", r["id"]
        assert r["family"] in FAMILIES, r["id"]
        assert (r["label"] == "pass") == (r["family"] == "hard_negative"), r["id"]
        assert "blind set" in r["note"], r["id"]


def test_each_class_and_language_is_represented():
    counts = collections.Counter((r["family"], r["lang"]) for r in _records())
    for family in FAMILIES:
        for lang in ("nb", "nn", "en"):
            assert counts[(family, lang)] >= (100 if family == "hard_negative" else 20), (family, lang)
