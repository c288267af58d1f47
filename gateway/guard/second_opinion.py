"""A statistical second opinion on request texts: character n-grams and words, scored by a
linear (logistic) model trained on the guard's labelled corpora (bench/guard_train.py).

It never overrides a rule. When the rules find no request in a text that names or describes
confidential data (the gate lets it through), a score above THRESHOLD adds one refusal with its
own rule id, ``request.statistical``, and names the words that drove the score. Deterministic and
offline: the weights ship in ``second_opinion.json`` beside this module.
"""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

WEIGHTS = Path(__file__).with_name("second_opinion.json")
_WORD = re.compile(r"[^\W\d_]+(?:['\-][^\W\d_]+)*|\d+")


class Verdict(NamedTuple):
    score: float  # probability that the text asks for confidential data
    words: list[tuple[str, int, int]]  # (word, start, end) that pushed the score up the most


def words_of(norm: str) -> list[tuple[str, int, int]]:
    return [(m.group().replace("-", "").replace("'", ""), m.start(), m.end()) for m in _WORD.finditer(norm)]


def features(words: list[str]) -> list[tuple[str, int]]:
    """(feature, index of the word it comes from): words, word pairs and character 3-5-grams."""
    out: list[tuple[str, int]] = []
    for k, w in enumerate(words):
        out.append(("w:" + w, k))
        if k:
            out.append(("b:" + words[k - 1] + "_" + w, k))
        padded = f"<{w}>"
        for n in (3, 4, 5):
            out.extend(("c:" + padded[j:j + n], k) for j in range(max(0, len(padded) - n + 1)))
    return out


class Model:
    def __init__(self, bias: float, weights: dict[str, float], threshold: float):
        self.bias = bias
        self.weights = weights
        self.threshold = threshold

    def verdict(self, norm: str) -> Verdict:
        ws = words_of(norm)
        keys = [w for w, _, _ in ws]
        z = self.bias
        push = [0.0] * len(ws)
        get = self.weights.get
        for f, k in features(keys):
            v = get(f)
            if v:
                z += v
                push[k] += v
        p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
        top = sorted(range(len(ws)), key=lambda k: push[k], reverse=True)[:3]
        return Verdict(p, [ws[k] for k in sorted(top) if push[k] > 0])


@lru_cache(maxsize=1)
def model() -> Model | None:
    """The shipped model, or None when no weights are shipped (then it never refuses)."""
    if not WEIGHTS.exists():
        return None
    data = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    return Model(float(data["bias"]), {str(k): float(v) for k, v in data["weights"].items()},
                 float(data["threshold"]))
