"""The guard against the labelled corpus: recall >= 0.97 and false alarms <= 0.03, nothing skipped."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("guard_eval", ROOT / "bench" / "guard_eval.py")
guard_eval = importlib.util.module_from_spec(_spec)
assert _spec.loader is not None
_spec.loader.exec_module(guard_eval)


def test_corpus_recall_and_false_alarms():
    records = guard_eval.load()
    assert len(records) >= 400
    total, _, _, wrong = guard_eval.evaluate(records)
    assert total.tp + total.fn + total.fp + total.tn == len(records)  # every line is judged
    missed = [r["id"] for r, _ in wrong if r["label"] == "refuse"]
    alarms = [r["id"] for r, _ in wrong if r["label"] == "pass"]
    assert total.recall >= 0.97, f"recall {total.recall:.3f}; missed {missed}"
    assert total.false_alarm <= 0.03, f"false alarms {total.false_alarm:.3f}: {alarms}"
