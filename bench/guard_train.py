"""Train the guard's statistical second opinion (gateway/guard/second_opinion.py).

Logistic regression on words, word pairs and character 3-5-grams of the normalised text, trained
by plain full-batch gradient descent (deterministic: same corpora, same weights) on the text
records of the tuning corpora. It reports 5-fold cross-validated recall and false alarms at the
chosen threshold, per language, and writes gateway/guard/second_opinion.json.
Usage: python bench/guard_train.py [--epochs N] [--threshold P] [--dry-run]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.guard_eval import TUNING, load  # noqa: E402
from gateway.guard.normalize import normalize  # noqa: E402
from gateway.guard.second_opinion import WEIGHTS, features, words_of  # noqa: E402


def vectorise(texts: list[str]) -> list[dict[str, float]]:
    out = []
    for t in texts:
        counts: dict[str, float] = defaultdict(float)
        for f, _ in features([w for w, _, _ in words_of(normalize(t)[0])]):
            counts[f] = 1.0
        out.append(dict(counts))
    return out


def train(xs: list[dict[str, float]], ys: list[int], epochs: int, rate: float = 0.05,
          l2: float = 1e-5) -> tuple[float, dict[str, float]]:
    """Stochastic gradient descent in a fixed (seeded) order: the same data gives the same model."""
    w: dict[str, float] = defaultdict(float)
    b = 0.0
    n = len(xs)
    pos = sum(ys)
    cw = {1: n / (2 * pos), 0: n / (2 * (n - pos))}  # balance the classes
    order = list(range(n))
    rnd = random.Random(0)
    for epoch in range(epochs):
        rnd.shuffle(order)
        lr = rate / (1 + epoch * 0.2)
        for k in order:
            x, y = xs[k], ys[k]
            z = b + sum(w[f] for f in x)
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            g = (p - y) * cw[y] * lr
            b -= g
            for f in x:
                w[f] -= g + lr * l2 * w[f]
    return b, {f: v for f, v in w.items() if abs(v) >= 1e-3}


def score(b: float, w: dict[str, float], x: dict[str, float]) -> float:
    z = b + sum(w.get(f, 0.0) for f in x)
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--threshold", type=float, default=0.97)
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args(argv)
    recs = [r for r in load(*TUNING) if r["kind"] == "text"]
    xs = vectorise([r["source"] for r in recs])
    ys = [1 if r["label"] == "refuse" else 0 for r in recs]
    # 5-fold cross-validation (fold = index mod 5): recall and false alarms at the threshold.
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # tp fn fp tn
    for fold in range(5):
        tr = [k for k in range(len(xs)) if k % 5 != fold]
        b, w = train([xs[k] for k in tr], [ys[k] for k in tr], args.epochs)
        for k in range(fold, len(xs), 5):
            hit = score(b, w, xs[k]) >= args.threshold
            t = tally[recs[k]["lang"]]
            t[(0 if hit else 1) if ys[k] else (2 if hit else 3)] += 1
    for lang, (tp, fn, fp, tn) in sorted(tally.items()):
        print(f"cv {lang}: recall {tp / max(1, tp + fn):.3f} false_alarm {fp / max(1, fp + tn):.3f} "
              f"(model alone, threshold {args.threshold})")
    b, w = train(xs, ys, args.epochs)
    if not args.dry_run:
        data = {"bias": round(b, 6), "threshold": args.threshold,
                "weights": {f: round(v, 4) for f, v in sorted(w.items())}}
        WEIGHTS.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"wrote {WEIGHTS.relative_to(ROOT)}: {len(w)} weights")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
