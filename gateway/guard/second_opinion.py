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
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import lru_cache
from itertools import repeat
from json.scanner import NUMBER_RE
from pathlib import Path
from typing import Any, NamedTuple

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


_PAIR_KINDS = ("b:", "p:", "q:")  # word pair; stem pair; stem pair one word apart
_RECENT_MAX = 64  # texts remembered for reuse (Model._recent), by the ids of their first and last word
_BITS = 20  # a pair's key: first << _BITS | second, the ids of its words (7,601 in the shipped model)


class _Ids(dict):
    """word -> the id of the word (``stems``: of its stem) in the model's pair vocabulary, or the
    model's ``unknown`` id, which no pair contains; computed on first use (bounded)."""

    def __init__(self, vocab: dict[str, int], unknown: int, stems: bool):
        super().__init__()
        self.vocab = vocab
        self.unknown = unknown
        self.stems = stems

    def __missing__(self, w: str) -> int:
        i = self.vocab.get(stem(w) if self.stems else w, self.unknown)
        if len(self) >= _CACHE_MAX:
            self.clear()
        self[w] = i
        return i


class _Compact(NamedTuple):
    """The weights held compactly (see Model)."""
    own: dict[str, float]  # the words' own features by name
    vocab: dict[str, int]  # word or stem -> id, for those in a pair
    unknown: int  # the id of every other word: in no pair
    tables: tuple[dict[int, float], ...]  # pair key -> weight, one table per kind (_PAIR_KINDS)
    ub_word: list[float]  # by id: the heaviest word pair ending in that word (0 if none is > 0)
    ub_stem: list[float]  # by id: the same for stem pairs, adjacent plus one word apart

    @classmethod
    def of(cls, items: Iterable[tuple[str, float]]) -> _Compact:
        # Built in one pass with nothing kept on the side: what is freed while survivors are
        # being allocated stays in the process as fragmented free space.
        shared: dict[float, float] = {}
        own: dict[str, float] = {}
        vocab: dict[str, int] = {}
        tables: tuple[dict[int, float], ...] = tuple({} for _ in _PAIR_KINDS)
        ub: tuple[list[float], ...] = tuple([] for _ in _PAIR_KINDS)
        for f, v in items:
            v = shared.setdefault(v, v)
            if f[:2] not in _PAIR_KINDS:
                own[f] = v
                continue
            kind = _PAIR_KINDS.index(f[:2])
            first, second = f[2:].split("_", 1)
            ids = []
            for w in (first, second):
                if (i := vocab.get(w)) is None:
                    i = vocab[w] = len(vocab)
                    for bounds in ub:
                        bounds.append(0.0)
                ids.append(i)
            tables[kind][ids[0] << _BITS | ids[1]] = v
            if v > ub[kind][ids[1]]:
                ub[kind][ids[1]] = v
        unknown = len(vocab)
        if unknown >= 1 << _BITS:
            raise ValueError(f"weights file: more than {(1 << _BITS) - 1} words in pairs")
        for bounds in ub:
            bounds.append(0.0)  # the unknown id's
        ub_stem = [shared.setdefault(v, v) for v in map(float.__add__, ub[1], ub[2])]
        return cls(own, vocab, unknown, tables, ub[0], ub_stem)


class _Scored(NamedTuple):
    """A text scored recently (Model._recent): its words' and stems' ids, and what its pairs add."""
    words: list[int]
    stems: list[int] | None
    z: float


class Model:
    """The weights as scoring reads them. Every serve process holds one, and the pairs are most of
    it (89,311 of 101,213 weights), so they are held compactly: each word or stem that occurs in a
    pair has a small id, a pair is the int ``first << 20 | second`` (one small object, where a
    tuple key took two), and equal weights share one float (the file's weights have four decimals:
    about 5,000 distinct values). Scores are the same sums in the same order as with the weights
    dict the trainer wrote, so they are equal to the last bit."""

    def __init__(self, bias: float, weights: Mapping[str, float] | _Compact, thresholds: dict[str, float],
                 feats: Features = LEGACY):
        self.bias = bias
        self.feats = feats
        self.thresholds = {r: thresholds.get(r, 2.0) for r in REGIMES}  # > 1: never refuses
        self._z_min = {r: (_logit(t) if t < 1 else math.inf) for r, t in self.thresholds.items()}
        c = weights if isinstance(weights, _Compact) else _Compact.of(weights.items())
        self.weights = c.own  # the words' own features (words, character n-grams, stems)
        self._scores = _WordScores(c.own, feats)
        self._vocab, self._unknown = c.vocab, c.unknown
        self._tables, self._ub_word, self._ub_stem = c.tables, c.ub_word, c.ub_stem
        self._ids = _Ids(c.vocab, c.unknown, stems=False)
        self._stem_ids = _Ids(c.vocab, c.unknown, stems=True)
        self._recent: dict[tuple[int, int], _Scored] = {}  # by the ids of a text's first and last word

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

    def _ids_of(self, ks: list[str]) -> tuple[list[int], list[int] | None]:
        """The ids of the words, and of their stems when the model has stem pairs."""
        ids = list(map(self._ids.__getitem__, ks))
        return ids, (list(map(self._stem_ids.__getitem__, ks)) if self.feats.stems else None)

    def _pair_z(self, kind: int, firsts: list[int], seconds: list[int]) -> float:
        """What the distinct pairs (firsts[k] << _BITS | seconds[k]) add, in text order as the
        trainer's feature list has them."""
        keys = dict.fromkeys(map(operator.or_, firsts, seconds))
        return sum(filter(None, map(self._tables[kind].get, keys)))

    def _pairs_z(self, ks: list[str], ids: tuple[list[int], list[int] | None] | None = None) -> float:
        if len(ks) < 2:
            return 0.0
        words, stems = ids or self._ids_of(ks)
        z = self._pair_z(0, list(map(operator.lshift, words, repeat(_BITS))), words[1:])
        if stems is not None:
            firsts = list(map(operator.lshift, stems, repeat(_BITS)))
            z += self._pair_z(1, firsts, stems[1:])
            z += self._pair_z(2, firsts, stems[2:])
        return z

    def _pairs_bound(self, ks: list[str], ids: tuple[list[int], list[int] | None] | None = None) -> float:
        """At least what the pairs can add: each distinct pair ending in word w (stem s) adds at
        most the heaviest such pair, and there are no more of them than later positions of w."""
        words, stems = ids or self._ids_of(ks)
        bound = sum(map(self._ub_word.__getitem__, words[1:]))
        if stems is not None:
            bound += sum(map(self._ub_stem.__getitem__, stems[1:]))
        return bound

    def pair_weight(self, feature: str) -> float:
        """The weight of a pair feature (``b:``, ``p:`` or ``q:``, as features() names them)."""
        first, second = feature[2:].split("_", 1)
        get = self._vocab.get
        key = get(first, self._unknown) << _BITS | get(second, self._unknown)
        return self._tables[_PAIR_KINDS.index(feature[:2])].get(key, 0.0)

    def verdict(self, norm: str) -> Verdict:
        """The probability, and up to three words that pushed it up most."""
        ws = words_of(norm)
        ks = [w for w, _, _ in ws]
        push = [0.0] * len(ks)
        words, stems = self._ids_of(ks)
        kinds = [(self._tables[0], words, 1)]
        if stems is not None:
            kinds += [(self._tables[1], stems, 1), (self._tables[2], stems, 2)]
        seen: set[str] = set()
        seen_pairs: list[set[int]] = [set() for _ in kinds]
        # features() in the same order, by ids: a word's own features (its cached score) where it
        # first occurs, then each kind of pair ending there, where that pair first occurs
        for k, w in enumerate(ks):
            if w not in seen:
                seen.add(w)
                push[k] += self._scores[w]
            for (table, ids, gap), done in zip(kinds, seen_pairs, strict=True):
                if k >= gap and (key := ids[k - gap] << _BITS | ids[k]) not in done:
                    done.add(key)
                    push[k] += table.get(key, 0.0)
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
        if len(ks) >= 2:
            words, stems = self._ids_of(ks)
            shape = (words[0], words[-1])
            recent = self._recent.get(shape)
            if recent is not None and words == recent.words and stems == recent.stems:
                # The same words as the last text that began and ended so (the same template and
                # data words; numbers are not read): the pairs add the same, to the last bit.
                z += recent.z
            else:
                # The words' cached scores plus a bound on the pairs decide many free texts at once.
                if z + self._pairs_bound(ks, (words, stems)) < z_min:
                    return None
                pairs = self._pairs_z(ks, (words, stems))
                if len(self._recent) >= _RECENT_MAX:
                    self._recent.clear()
                self._recent[shape] = _Scored(words, stems, pairs)
                z += pairs
        if z < z_min:
            return None
        v = self.verdict(norm)
        return v if v.words else None


def load(path: Path = WEIGHTS) -> Model | None:
    """The model in a weights file, or None when there is none."""
    if not path.exists():
        return None
    try:
        head, weights = _read(path.read_text(encoding="utf-8"))
    except IndexError:
        raise ValueError(f"{path}: the weights file ends too early") from None
    return Model(float(head["bias"]), weights, {str(k): float(v) for k, v in head["thresholds"].items()},
                 Features.of(head.get("features")))


_SPACE = re.compile(r"[ \t\n\r]*")
_scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]


def _read(text: str) -> tuple[dict[str, Any], _Compact]:
    """The top-level members of a weights file, and its ``weights`` object made compact as it is
    read, one weight at a time: json.loads would first build all 101,213 names and floats as a
    dict, some 15 MB more at the process's peak (which is what a memory limit sees) for nothing."""
    decoder = json.JSONDecoder()
    head: dict[str, Any] = {}
    weights = _Compact.of(())
    i = _expect(text, 0, "{")
    while text[i] != "}":
        key, i = _string(text, i)
        i = _expect(text, i, ":")
        if key == "weights":
            end = [i]
            weights = _Compact.of(_flat_object(text, i, end))
            i = end[0]
        else:
            head[key], i = decoder.raw_decode(text, i)
        i = _SPACE.match(text, i).end()  # type: ignore[union-attr]
        if text[i] == ",":
            i = _SPACE.match(text, i + 1).end()  # type: ignore[union-attr]
    return head, weights


def _expect(text: str, i: int, token: str) -> int:
    """The index after ``token`` (and the white space after it), which must come next."""
    i = _SPACE.match(text, i).end()  # type: ignore[union-attr]
    if not text.startswith(token, i):
        raise ValueError(f"weights file: {token!r} expected at character {i}")
    return _SPACE.match(text, i + len(token)).end()  # type: ignore[union-attr]


def _string(text: str, i: int) -> tuple[str, int]:
    """The string starting at ``i`` and the index after it."""
    if text[i] != '"':
        raise ValueError(f"weights file: a string expected at character {i}")
    return _scanstring(text, i + 1)


# One member as the trainer writes it ("name":number, the name without escapes), and its comma.
_MEMBER = re.compile(r'"([^"\\]*)":(' + NUMBER_RE.pattern + r'),?')


def _flat_object(text: str, i: int, end: list[int]) -> Iterator[tuple[str, float]]:
    """The members of the object of names and numbers starting at ``i``; ``end[0]`` is set to the
    index after it."""
    i = _expect(text, i, "{")
    while text[i] != "}":
        if member := _MEMBER.match(text, i):  # the fast path: every member of a trained file
            yield member[1], float(member[2])
            i = member.end()
            continue
        name, i = _string(text, i)
        i = _expect(text, i, ":")
        number = NUMBER_RE.match(text, i)
        if number is None:
            raise ValueError(f"weights file: a number expected at character {i}")
        yield name, float(number.group())
        i = _SPACE.match(text, number.end()).end()  # type: ignore[union-attr]
        if text[i] == ",":
            i = _SPACE.match(text, i + 1).end()  # type: ignore[union-attr]
    end[0] = i + 1


@lru_cache(maxsize=1)
def model() -> Model | None:
    """The shipped model, or None when no weights are shipped (then it never refuses)."""
    return load()
