"""A statistical second opinion on request texts: words, their character n-grams and stems, and
pairs of words and of stems in the normalised text, scored by a linear (logistic) model trained on
the guard's labelled, naturally written sets kept in the repository (``python bench/guard_train.py``
with no arguments; weights in ``second_opinion.json`` beside this module, which names the features
it was trained with).

It never overrides a rule: it is asked only about a text in which no rule found a request, and it
can only add a refusal with its own rule id, ``request.statistical``, naming the words that pushed
its score up most. How far it is trusted depends on what the rules saw (the *regime*):

* ``ask``: the text names or describes confidential data and has the form of an ask, but no rule
  refused it (the looser threshold);
* ``other``: everything else no rule refused: data named under a benign frame or without the form
  of an ask, and data the rules do not see at all (described in words the lexicon does not know:
  "the long number on the front", "the street you grew up on") - the stricter threshold.

(The rules' fast path, gate.py, must not change a verdict, so the regimes do not depend on it:
"no object found" and "object found, no ask" share the stricter threshold.) Each threshold is
chosen by leave-one-set-out evaluation so that the model adds at most about 1 % false alarms per
language (bench/guard_train.py). Deterministic and offline.

Scoring is cheap enough for every billing text: a word's own features (the word, its character
n-grams, its stem) depend only on the word, so their summed weight is computed once per distinct
word and cached; a text then costs one cache lookup per word and one lookup per word pair, stem
pair and stem pair one word apart. Each distinct word and pair counts once (presence, not
frequency: a long text does not pile up evidence).
"""

from __future__ import annotations

import json
import math
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

WEIGHTS = Path(__file__).with_name("second_opinion.json")
REGIMES = ("ask", "other")
_TOKEN = re.compile(r"[^\W\d_]+")
_CACHE_MAX = 50_000  # distinct words remembered (a few MB at most); then the cache starts over
NGRAMS = (3, 4, 5)  # the features of a weights file that names none (the fifth round's)
# Inflection endings of nb, nn and en, longest first: a word's stem joins its inflected forms
# ("koden", "koda", "kodene", "koder" -> "kod"; "nummeret", "numbers" -> "numm"/"numb"), so what
# is learnt from one form counts for the others (nynorsk forms are rarer in the training sets).
_SUFFIXES = tuple(sorted(
    ("ene", "ane", "ande", "ende", "inga", "ingen", "ingar", "ingane", "ing", "ings", "ed", "es", "ets",
     "ens", "et", "en", "er", "ar", "a", "e", "s", "t", "ne", "te", "de"), key=lambda x: (-len(x), x)))


class Features(NamedTuple):
    """Which features a weights file was trained with (its ``features`` entry)."""
    ngrams: tuple[int, ...] = NGRAMS  # character n-gram lengths of each word
    stems: bool = False  # the word's stem, and pairs of stems (adjacent, and one word apart)

    @classmethod
    def of(cls, data: dict | None) -> Features:
        if not data:
            return cls()
        return cls(tuple(int(n) for n in data["ngrams"]), bool(data["stems"]))

    def as_json(self) -> dict:
        return {"ngrams": list(self.ngrams), "stems": self.stems}


LEGACY = Features()  # a weights file without a ``features`` entry


class Verdict(NamedTuple):
    score: float  # probability that the text asks for confidential data
    words: list[tuple[str, int, int]]  # (word, start, end) in the normalised text, most decisive


def keys_of(norm: str) -> list[str]:
    """The words of a normalised text as the model reads them: runs of letters, with ``-`` and
    ``'`` removed first ("pin-kode" is one word). Numbers are not read: the model never learns
    or echoes a value (the content rules judge values)."""
    return _TOKEN.findall(norm.replace("-", "").replace("'", ""))


def words_of(norm: str) -> list[tuple[str, int, int]]:
    """keys_of(norm) with each word's start and end in ``norm``."""
    keep = [k for k, c in enumerate(norm) if c not in "-'"]
    stripped = "".join(norm[k] for k in keep)
    return [(m.group(), keep[m.start()], keep[m.end() - 1] + 1) for m in _TOKEN.finditer(stripped)]


def stem(w: str) -> str:
    """Up to two inflection endings off, keeping at least three letters (deterministic, crude:
    it only has to map the forms of one word together, not to find the linguist's stem)."""
    for _ in range(2):
        for suffix in _SUFFIXES:
            if w.endswith(suffix) and len(w) - len(suffix) >= 3:
                w = w[:-len(suffix)]
                break
        else:
            break
    return w


def word_features(w: str, feats: Features = LEGACY) -> list[str]:
    """The features that depend on one word alone: the word, its character n-grams, its stem."""
    padded = f"<{w}>"
    out = ["w:" + w]
    for n in feats.ngrams:
        out.extend("c:" + padded[j:j + n] for j in range(len(padded) - n + 1))
    if feats.stems:
        out.append("s:" + stem(w))
    return out


def pair_feature(prev: str, w: str) -> str:
    return "b:" + prev + "_" + w


def pair_features(words: list[str], k: int, stems: list[str] | None) -> list[str]:
    """The features of word k with the words before it: the word pair, and with stems the stem
    pair and the stem pair one word apart ("kortet ditt" / "koden din" and "nummeret på kortet")."""
    out = [pair_feature(words[k - 1], words[k])] if k else []
    if stems is not None:
        if k:
            out.append("p:" + stems[k - 1] + "_" + stems[k])
        if k > 1:
            out.append("q:" + stems[k - 2] + "_" + stems[k])
    return out


def features(words: list[str], feats: Features = LEGACY) -> list[tuple[str, int]]:
    """(feature, index of the word it belongs to): what the trainer sees, in the same form as the
    runtime sums it. Each distinct word counts once (its features), each distinct pair once."""
    out: list[tuple[str, int]] = []
    seen: set[str] = set()
    stems = [stem(w) for w in words] if feats.stems else None
    for k, w in enumerate(words):
        if w not in seen:
            seen.add(w)
            out.extend((f, k) for f in word_features(w, feats))
        for pair in pair_features(words, k, stems):
            if pair not in seen:
                seen.add(pair)
                out.append((pair, k))
    return out


def _logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


class _WordScores(dict):
    """word -> summed weight of its own features, computed on first use (bounded)."""

    def __init__(self, weights: dict[str, float], feats: Features):
        super().__init__()
        self.weights = weights
        self.feats = feats

    def __missing__(self, w: str) -> float:
        get = self.weights.get
        s = sum(get(f, 0.0) for f in word_features(w, self.feats))
        if len(self) >= _CACHE_MAX:
            self.clear()
        self[w] = s
        return s


class _Stems(dict):
    """word -> stem, computed on first use (bounded like the word scores)."""

    def __missing__(self, w: str) -> str:
        s = stem(w)
        if len(self) >= _CACHE_MAX:
            self.clear()
        self[w] = s
        return s


_PAIR_KINDS = ("b:", "p:", "q:")  # word pair; stem pair; stem pair one word apart


class Model:
    def __init__(self, bias: float, weights: dict[str, float], thresholds: dict[str, float],
                 feats: Features = LEGACY):
        self.bias = bias
        self.feats = feats
        self.thresholds = {r: thresholds.get(r, 2.0) for r in REGIMES}  # > 1: never refuses
        self._z_min = {r: (_logit(t) if t < 1 else math.inf) for r, t in self.thresholds.items()}
        self._stems = _Stems()
        # pairs keyed by (first, second), one table per kind, so scoring builds no strings; held
        # only there (not also in `weights`) and with the words interned: every serve process
        # holds the model, and pairs are most of it
        self._pairs: dict[str, dict[tuple[str, ...], float]] = {k: {} for k in _PAIR_KINDS}
        # per kind, the most any pair ending in a word (or stem) can add: a cheap upper bound
        ub: dict[str, dict[str, float]] = {k: {} for k in _PAIR_KINDS}
        own: dict[str, float] = {}
        for f, v in weights.items():
            kind = f[:2]
            if kind in self._pairs:
                first, second = map(sys.intern, f[2:].split("_", 1))
                self._pairs[kind][first, second] = v
                if v > ub[kind].get(second, 0.0):
                    ub[kind][second] = v
            else:
                own[f] = v
        self.weights = own  # the words' own features (words, character n-grams)
        self._scores = _WordScores(own, feats)
        self._ub_word = ub["b:"]
        self._ub_stem = {w: ub["p:"].get(w, 0.0) + ub["q:"].get(w, 0.0) for w in ub["p:"].keys() | ub["q:"].keys()}

    @property
    def threshold(self) -> float:
        """The loosest threshold (the ``ask`` regime's)."""
        return self.thresholds["ask"]

    def word_score(self, w: str) -> float:
        return self._scores[w]

    def logit(self, norm: str) -> float:
        """The score as a log-odds, without positions (the loops run in C: distinct words and
        pairs in text order, cached word scores)."""
        ks = keys_of(norm)
        return self._words_z(ks) + self._pairs_z(ks)

    def _words_z(self, ks: list[str]) -> float:
        return self.bias + sum(map(self._scores.__getitem__, dict.fromkeys(ks)))

    def _pairs_z(self, ks: list[str]) -> float:
        if len(ks) < 2:
            return 0.0
        z = sum(filter(None, map(self._pairs["b:"].get, dict.fromkeys(zip(ks, ks[1:], strict=False)))))
        if self.feats.stems:
            st = list(map(self._stems.__getitem__, ks))
            z += sum(filter(None, map(self._pairs["p:"].get, dict.fromkeys(zip(st, st[1:], strict=False)))))
            z += sum(filter(None, map(self._pairs["q:"].get, dict.fromkeys(zip(st, st[2:], strict=False)))))
        return z

    def _pairs_bound(self, ks: list[str]) -> float:
        """At least what the pairs can add: each distinct pair ending in word w (stem s) adds at
        most the heaviest such pair, and there are no more of them than later positions of w."""
        later = ks[1:]
        bound = sum(filter(None, map(self._ub_word.get, later)))
        if self.feats.stems and self._ub_stem:
            bound += sum(filter(None, map(self._ub_stem.get, map(self._stems.__getitem__, later))))
        return bound

    def verdict(self, norm: str) -> Verdict:
        """The probability, and up to three words that pushed it up most."""
        ws = words_of(norm)
        push = [0.0] * len(ws)
        for f, k in features([w for w, _, _ in ws], self.feats):
            if (table := self._pairs.get(f[:2])) is not None:
                first, second = f[2:].split("_", 1)
                push[k] += table.get((first, second), 0.0)
            elif f.startswith("w:"):
                push[k] += self._scores[f[2:]]
        z = self.bias + sum(push)
        p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
        ranked = sorted((k for k in range(len(ws)) if push[k] > 0),
                        key=lambda k: (-push[k], k))[:3]
        return Verdict(p, [ws[k] for k in sorted(ranked)])

    def refuses(self, norm: str, regime: str) -> Verdict | None:
        """The verdict when the score reaches the regime's threshold, else None."""
        z_min = self._z_min.get(regime, math.inf)
        if z_min == math.inf:
            return None
        ks = keys_of(norm)
        z = self._words_z(ks)
        # The cheap path every text takes: the words' cached scores plus a bound on the pairs.
        if z + self._pairs_bound(ks) < z_min:
            return None
        if z + self._pairs_z(ks) < z_min:
            return None
        v = self.verdict(norm)
        return v if v.words else None


def load(path: Path = WEIGHTS) -> Model | None:
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return Model(float(data["bias"]), {str(k): float(v) for k, v in data["weights"].items()},
                 {str(k): float(v) for k, v in data["thresholds"].items()}, Features.of(data.get("features")))


@lru_cache(maxsize=1)
def model() -> Model | None:
    """The shipped model, or None when no weights are shipped (then it never refuses)."""
    return load()
