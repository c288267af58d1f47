"""The second-round corpora (issue 11): the generated phrasing corpus and the hand-written
held-out set are well formed, big enough per class and language, and balanced; the generator
writes the committed file exactly (it is deterministic)."""

from __future__ import annotations

import collections
import importlib.util
import json
import re
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
PHRASING = HERE / "corpus_phrasing.jsonl"
HELDOUT = HERE / "heldout.jsonl"
# Later rounds: own probes (free asks, "ask") and the fresh independent set (its classes, plus
# "obfuscation"), each with hard negatives.
HELDOUT_MORE = HERE / "heldout_more.jsonl"
FIRST_ROUND = HERE / "corpus.jsonl"
CLASSES = {"negation_scope", "object_first", "condition", "described", "cross_sentence", "informal",
           "security_question", "normaliser"}
FIELDS = {"id", "lang", "kind", "label", "family", "source", "note"}
ID_RE = re.compile(r"^(nb|nn|en)-[a-z]{3}-\d{3}$")


def _load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("path", [PHRASING, HELDOUT, HELDOUT_MORE], ids=lambda p: p.name)
def test_records_are_well_formed(path):
    recs = _load(path)
    classes = CLASSES | {"ask", "obfuscation"} if path == HELDOUT_MORE else CLASSES
    for r in recs:
        assert set(r) == FIELDS, r
        assert ID_RE.match(r["id"]) and r["id"].startswith(r["lang"] + "-"), r["id"]
        assert r["kind"] == "text" and r["source"].strip()
        assert (r["label"] == "refuse") == (r["family"] in classes), r
        assert r["family"] in classes | {"hard_negative"}, r
        if path != PHRASING:
            assert "measured" in r["note"] and "before tuning" in r["note"], r["id"]
    assert len({r["id"] for r in recs}) == len(recs), "ids are unique"
    assert len({r["source"] for r in recs}) == len(recs), "no sentence twice"


def test_the_tuning_corpora_are_big_enough_per_class_and_balanced():
    recs = _load(PHRASING)
    assert len(recs) + len(_load(FIRST_ROUND)) >= 2000
    per_class = collections.Counter(r["family"] for r in recs)
    for cls in CLASSES:
        assert per_class[cls] >= 120, (cls, per_class[cls])
    for lang in ("nb", "nn", "en"):
        langs = collections.Counter((r["family"], r["label"]) for r in recs if r["lang"] == lang)
        assert all(langs[(cls, "refuse")] >= 40 for cls in CLASSES), lang
        refuse = sum(v for (f, lab), v in langs.items() if lab == "refuse")
        negatives = langs[("hard_negative", "pass")]
        assert 0.8 * refuse <= negatives <= 1.5 * refuse, (lang, refuse, negatives)


def test_the_held_out_set_covers_every_class_and_language():
    recs = _load(HELDOUT)
    seen = {(r["family"], r["lang"]) for r in recs}
    assert {(c, lang) for c in CLASSES for lang in ("nb", "nn", "en")} <= seen
    assert {("hard_negative", lang) for lang in ("nb", "nn", "en")} <= seen
    phrasing = {r["source"] for r in _load(PHRASING)}
    assert not [r["source"] for r in recs if r["source"] in phrasing], "held-out sentences are not in the tuning corpus"


def test_the_generator_writes_the_committed_corpus():
    spec = importlib.util.spec_from_file_location("phrasing_corpus", HERE / "phrasing_corpus.py")
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert gen.generate() == _load(PHRASING)
