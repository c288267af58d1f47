"""Evaluate the content guard on the labelled corpora.

Prints precision, recall and false-alarm rate overall, per language, per class (family) and per
class and language. By default it reads the tuning corpora (tests/guard/corpus.jsonl, the first
round, tests/guard/corpus_phrasing.jsonl, the second-round phrasing classes, and
tests/guard/corpus_written.jsonl, the fourth round's two blind sets); ``--heldout``
reads the held-out sets instead (tests/guard/heldout.jsonl and heldout_more.jsonl), written
separately and measured before tuning; ``--corpus PATH`` evaluates any JSONL file with the same
fields (id, lang, kind, label, family, source), for example a fresh independent set.
Usage: python bench/guard_eval.py [--corpus PATH ...] [--heldout] [--errors]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway.guard import check_template, check_text, is_refused  # noqa: E402

CORPUS = ROOT / "tests" / "guard" / "corpus.jsonl"
PHRASING = ROOT / "tests" / "guard" / "corpus_phrasing.jsonl"
HELDOUT = ROOT / "tests" / "guard" / "heldout.jsonl"
# Later held-out rounds (issue 11, third round): asks phrased freely, and independent sets, each
# measured once before any tuning (the figure is in each record's note).
HELDOUT_MORE = ROOT / "tests" / "guard" / "heldout_more.jsonl"
# Fourth round: two blind sets (setA, setB) written by people who had not seen the guard, each
# measured before tuning (figures in docs/guard.md), kept with their ids and notes.
WRITTEN = ROOT / "tests" / "guard" / "corpus_written.jsonl"
TUNING = (CORPUS, PHRASING, WRITTEN)
PORTAL = "https://min.example.no"


def load(*paths: Path) -> list[dict]:
    out: list[dict] = []
    for path in paths or TUNING:
        with path.open(encoding="utf-8") as fh:
            out.extend(json.loads(line) for line in fh if line.strip())
    return out


def verdict(rec: dict) -> tuple[bool, list]:
    """(refused, findings) for one corpus record."""
    if rec["kind"] == "text":
        # leaks=True: the console's check, where staff type free text (the concern)
        findings = check_text(rec["source"], name=rec["id"], leaks=True)
    else:
        findings = check_template(rec["source"], kind=rec["kind"], name=rec["id"], portal_url=PORTAL)
    return is_refused(findings), findings


class Score:
    def __init__(self) -> None:
        self.tp = self.fp = self.tn = self.fn = 0

    def add(self, refuse_expected: bool, refused: bool) -> None:
        if refuse_expected:
            if refused:
                self.tp += 1
            else:
                self.fn += 1
        elif refused:
            self.fp += 1
        else:
            self.tn += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def false_alarm(self) -> float:
        return self.fp / (self.fp + self.tn) if self.fp + self.tn else 0.0

    def row(self, name: str) -> str:
        n = self.tp + self.fp + self.tn + self.fn
        return (f"{name:<22} n={n:<5} precision={self.precision:6.3f} recall={self.recall:6.3f} "
                f"false_alarm={self.false_alarm:6.3f}  (tp={self.tp} fn={self.fn} fp={self.fp} tn={self.tn})")


Result = tuple[Score, dict[str, Score], dict[str, Score], list[tuple[dict, list]]]


def evaluate(records: list[dict], by_family_lang: dict[str, Score] | None = None) -> Result:
    total: Score = Score()
    by_lang: dict[str, Score] = defaultdict(Score)
    by_family: dict[str, Score] = defaultdict(Score)
    wrong = []
    for rec in records:
        refused, findings = verdict(rec)
        expected = rec["label"] == "refuse"
        scores = [total, by_lang[rec["lang"]], by_family[rec["family"]]]
        if by_family_lang is not None:
            scores.append(by_family_lang.setdefault(f"{rec['family']}/{rec['lang']}", Score()))
        for s in scores:
            s.add(expected, refused)
        if refused != expected:
            wrong.append((rec, findings))
    return total, by_lang, by_family, wrong


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", type=Path, action="append", help="a JSONL corpus (repeatable)")
    ap.add_argument("--heldout", action="store_true", help="evaluate on the held-out set")
    ap.add_argument("--errors", action="store_true", help="list every misclassified record")
    args = ap.parse_args(argv)
    paths = args.corpus or ([HELDOUT, HELDOUT_MORE] if args.heldout else list(TUNING))
    per: dict[str, Score] = {}
    total, by_lang, by_family, wrong = evaluate(load(*paths), per)
    print("corpora:", ", ".join(str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p) for p in paths))
    print(total.row("overall"))
    print("-- per language")
    for k in sorted(by_lang):
        print(by_lang[k].row(k))
    print("-- per family")
    for k in sorted(by_family):
        print(by_family[k].row(k))
    print("-- per family and language")
    for k in sorted(per):
        print(per[k].row(k))
    if args.errors:
        print("-- misclassified")
        for rec, findings in wrong:
            rules = ",".join(sorted({f.rule for f in findings})) or "-"
            print(f"{rec['id']} [{rec['label']}] {rules}: {rec['source'][:160]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
