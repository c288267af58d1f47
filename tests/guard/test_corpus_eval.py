"""The guard against the labelled corpora, in each language separately: recall >= 0.97 and
false alarms <= 0.03 on the tuning corpora (first round and second-round phrasing classes) and on
the hand-written held-out set; every line is judged."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("guard_eval", ROOT / "bench" / "guard_eval.py")
assert _spec is not None and _spec.loader is not None
guard_eval = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(guard_eval)


@pytest.mark.parametrize("which", ["tuning", "heldout"])
def test_corpus_recall_and_false_alarms_per_language(which):
    paths = guard_eval.TUNING if which == "tuning" else (guard_eval.HELDOUT, guard_eval.HELDOUT_MORE)
    records = guard_eval.load(*paths)
    assert len(records) >= (2000 if which == "tuning" else 150)
    total, by_lang, _, wrong = guard_eval.evaluate(records)
    assert total.tp + total.fn + total.fp + total.tn == len(records)  # every line is judged
    for lang, score in sorted(by_lang.items()):
        missed = [r["id"] for r, _ in wrong if r["label"] == "refuse" and r["lang"] == lang]
        alarms = [r["id"] for r, _ in wrong if r["label"] == "pass" and r["lang"] == lang]
        assert score.recall >= 0.97, f"{lang}: recall {score.recall:.3f}; missed {missed}"
        assert score.false_alarm <= 0.03, f"{lang}: false alarms {score.false_alarm:.3f}: {alarms}"
