"""Train the guard's statistical second opinion (gateway/guard/second_opinion.py).

One command, no arguments, retrains it on the sets in the repository and writes
gateway/guard/second_opinion.json (the same data and rules give the same JSON, byte for byte;
tests/guard/test_second_opinion.py checks that the shipped JSON is what this command makes):

    .venv/bin/python bench/guard_train.py

What it does, deterministically:

1. Reads the naturally written labelled sets: the independent blind sets (tests/guard/
   corpus_written.jsonl, setA and setB by id prefix, and every tests/guard/written/*.jsonl, one
   set per file), the repository's tests/guard/corpus.jsonl (its text records), heldout.jsonl,
   heldout_more.jsonl and second_opinion_benign.jsonl, the message templates (templates/messages)
   rendered with example billing data (benign set ``product``), and every ``--set FILE`` (extra
   files). A text in two sets is kept only in the first. A file or id prefix named setC* is
   refused: that is the lead's held-out judge and must never be trained or tuned on.
   tests/guard/corpus_phrasing.jsonl is generated from sentence frames: it is used for training
   only, with the low weight ``--phrasing-weight`` (default 0.3).
2. Runs the rules on every text once, recording whether a rule refused it and, if not, the regime
   the second opinion is asked in (``ask`` or ``other``: see second_opinion.py).
3. Leave-one-set-out: for each set, trains on all the others and scores the held-out set. Items in
   one writer's set are correlated, so random folds of mixed data would flatter the model.
4. Chooses one threshold per regime from those held-out scores: the most recall the model adds,
   with the false alarms it adds at most ``--max-added-fa`` in every language (pooled over the
   held-out sets). Prints rules-alone and rules+model figures per set and language (and with
   nested thresholds, chosen without the set they are applied to), and recall per class.
5. Trains on everything, prunes weights below ``--prune`` and writes the JSON, with the features,
   the figures and a digest of the inputs (texts, labels, the rules' verdicts, options) in it.

The model: logistic regression on each distinct word (the word, its character n-grams,
``--ngrams`` default 3, and its stem), each distinct pair of adjacent words, of adjacent stems
and of stems one word apart (``--stems``, default on), as the runtime sums them; classes balanced
within each language, L2-regularised (``--l2`` 0.2), the texts the rules pass weighted
``--passed-weight``, trained by stochastic gradient descent in a seeded order. Pure Python.
Options: --dry-run (print figures, write nothing), --no-loso (skip steps 3-4 and take
--thresholds ask,other), --out FILE, --no-repo-sets, --epochs, --l2, --rate.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.guard_eval import CORPUS, HELDOUT, HELDOUT_MORE, PHRASING, WRITTEN, load  # noqa: E402
from gateway.guard import check_text, is_refused, second_opinion  # noqa: E402
from gateway.guard.normalize import normalize  # noqa: E402
from gateway.guard.second_opinion import REGIMES, WEIGHTS, Features, features, keys_of  # noqa: E402

# Benign statements that name confidential or payment data and ask nothing (refunds to the
# registered account, a changed password, a code we sent): the model's hardest negatives.
BENIGN = ROOT / "tests" / "guard" / "second_opinion_benign.jsonl"
REPO_SETS: tuple[tuple[str | None, Path], ...] = (
    ("corpus", CORPUS), ("heldout", HELDOUT), ("heldout_more", HELDOUT_MORE), ("benign", BENIGN))
# The independent blind sets, one file each, kept unchanged as their writers delivered them (the
# fourth round's setA and setB live together in tests/guard/corpus_written.jsonl).
WRITTEN_DIR = ROOT / "tests" / "guard" / "written"
LANGS = ("en", "nb", "nn")
# Candidate thresholds per regime (probabilities); 2.0 means "never refuses in this regime".
GRID = (0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.825, 0.85, 0.875, 0.9, 0.925, 0.95, 0.97, 0.98, 0.99, 0.995, 0.999, 2.0)


class Item:
    __slots__ = ("family", "id", "label", "lang", "norm", "regime", "rule_refused", "set", "source", "weight", "x")

    def __init__(self, set_name: str, rec: dict, weight: float = 1.0):
        self.set = set_name
        self.id = rec["id"]
        self.lang = rec["lang"]
        self.family = rec.get("family", "")
        self.label = 1 if rec["label"] == "refuse" else 0
        self.source = rec["source"]
        self.norm = normalize(self.source)[0]
        self.rule_refused = False
        self.regime: str | None = None
        self.x: list[int] = []
        self.weight = weight


def _set_of(rec: dict) -> str:
    """A written set's name: the prefix of its ids ("setA-nb-001" -> "setA")."""
    return str(rec["id"]).split("-", 1)[0]


def natural_sources(extra: list[Path], repo_sets: bool = True) -> list[tuple[str | None, Path]]:
    """(set name, file) in reading order: a file of tests/guard/written/ is one set, named by the
    file; corpus_written.jsonl holds two (a name of None: one set per id prefix)."""
    named: list[tuple[str | None, Path]] = []
    if repo_sets:
        named += list(REPO_SETS)
        named.append((None, WRITTEN))
        named += [(p.stem, p) for p in sorted(WRITTEN_DIR.glob("*.jsonl"))]
    for p in extra:
        named.append((p.stem, p))
    for name, p in named:
        if p.name.lower().startswith("setc") or (name or "").lower().startswith("setc"):
            raise SystemExit(f"refusing {p}: setC is the held-out judge and is never trained on")
    return named


def read_sets(extra: list[Path], phrasing_weight: float,
              repo_sets: bool = True) -> tuple[list[Item], list[Item]]:
    """(natural items, frame-generated items), text records only, first occurrence of a text."""
    seen: set[str] = set()
    natural: list[Item] = []
    for name, path in natural_sources(extra, repo_sets):
        for rec in load(path):
            if rec["kind"] == "text" and rec["source"] not in seen:
                set_name = name or _set_of(rec)
                if set_name.lower().startswith("setc"):
                    raise SystemExit(f"refusing {rec['id']} in {path}: setC is the held-out judge")
                seen.add(rec["source"])
                natural.append(Item(set_name, rec))
    generated = []
    if phrasing_weight > 0:
        generated = [Item("phrasing", r, phrasing_weight) for r in load(PHRASING)
                     if r["kind"] == "text" and r["source"] not in seen]
    return natural, generated


# The product's own outbound text: every message template rendered with example billing data
# (the model reads every billing message, so these must pass; a set of its own in the evaluation).
_PRODUCT_DATA = [
    {"name": "Kari Nordmann", "period": "mars 2027", "amount": "1 234,50", "due_date": "20.04.2027",
     "new_due_date": "05.05.2027", "effective_date": "01.06.2027", "invoice_number": "10023456",
     "product": "Spotpris", "change_summary": ""},
    {"name": "John Smith", "period": "October 2026", "amount": "12,951.57", "due_date": "22.11.2026",
     "new_due_date": "06.12.2026", "effective_date": "01.01.2027", "invoice_number": "7410709593",
     "product": "Fastpris 12 mnd", "change_summary": "Påslaget endres fra 4,90 til 5,90 øre/kWh."},
]


def product_items() -> list[Item]:
    from gateway.billing.templates import MessageTemplates
    templates = MessageTemplates(ROOT / "templates")
    out = []
    for name in templates.names():
        for lang in LANGS:
            for k, data in enumerate(_PRODUCT_DATA):
                subject, body = templates.render(name, lang, data)
                out.append(Item("product", {"id": f"{name}.{lang}.{k}", "lang": lang, "label": "pass",
                                            "source": f"{subject}\n\n{body}"}))
    return out


class _Recorder:
    """Stands in for the model during the rule pass: records the regime it is asked in."""

    def __init__(self) -> None:
        self.regimes: list[str] = []

    def refuses(self, norm: str, regime: str) -> None:
        self.regimes.append(regime)


@contextmanager
def recording() -> Iterator[_Recorder]:
    rec = _Recorder()
    original = second_opinion.model
    second_opinion.model = lambda: rec  # type: ignore[assignment]
    try:
        yield rec
    finally:
        second_opinion.model = original  # type: ignore[assignment]


def rule_pass(items: list[Item]) -> None:
    """The rules' verdict and, where they do not refuse, the regime the model is asked in."""
    with recording() as rec:
        for it in items:
            rec.regimes.clear()
            it.rule_refused = is_refused(check_text(it.source, name=it.id))
            regs = [r for r in REGIMES if r in rec.regimes]  # the loosest regime asked
            it.regime = None if it.rule_refused or not regs else regs[0]


def inputs_digest(natural: list[Item], generated: list[Item], params: dict) -> str:
    """SHA-256 of everything the weights are a function of, apart from this code: every item as
    trained (set, id, language, label, text, weight, the rules' verdict and regime) and the
    parameters. Stored in the JSON; a test recomputes it, so a changed set or a changed rule
    verdict without a retrain is caught in seconds (the full retrain is a slow test)."""
    h = hashlib.sha256(json.dumps(params, sort_keys=True).encode())
    for it in natural + generated:
        h.update(json.dumps([it.set, it.id, it.lang, it.label, it.source, it.weight, it.rule_refused,
                             it.regime], ensure_ascii=False).encode())
        h.update(b"\n")
    return h.hexdigest()


def vectorise(items: list[Item], feats: Features) -> dict[str, int]:
    """Feature ids, as the runtime sums them; returns the vocabulary."""
    vocab: dict[str, int] = {}
    for it in items:
        it.x = [vocab.setdefault(f, len(vocab)) for f, _ in features(keys_of(it.norm), feats)]
    return vocab


def train(items: list[Item], nfeat: int, *, epochs: int, rate: float, l2: float,
          seed: int = 0) -> tuple[float, list[float]]:
    """Class-balanced logistic regression by SGD in a seeded order: same data, same weights."""
    w = [0.0] * nfeat
    b = 0.0
    # Balance the classes within each language: English items are more often refusals in the
    # sets, and "the" must not learn to ask.
    mass: dict[tuple[str, int], float] = defaultdict(float)
    for it in items:
        mass[it.lang, it.label] += it.weight
    total = sum(mass.values())
    cw = {k: total / (len(mass) * v) for k, v in mass.items()}
    order = list(range(len(items)))
    rnd = random.Random(seed)
    for epoch in range(epochs):
        rnd.shuffle(order)
        lr = rate / (1 + 0.3 * epoch)
        decay = 1 - lr * l2
        for k in order:
            it = items[k]
            x = it.x
            z = b + sum(map(w.__getitem__, x))
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            g = (p - it.label) * cw[it.lang, it.label] * it.weight * lr
            if not g:
                continue
            b -= g
            for f in x:
                w[f] = w[f] * decay - g
    return b, w


def score(b: float, w: list[float], it: Item) -> float:
    z = b + sum(map(w.__getitem__, it.x))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def loso(natural: list[Item], generated: list[Item], nfeat: int, args) -> dict[str, float]:
    """Held-out score of every natural item, each from a model that never saw its set."""
    scores: dict[str, float] = {}
    for held in sorted({it.set for it in natural}):
        train_items = [it for it in natural if it.set != held] + generated
        b, w = train(train_items, nfeat, epochs=args.epochs, rate=args.rate, l2=args.l2)
        for it in natural:
            if it.set == held:
                scores[it.set + "\x00" + it.id] = score(b, w, it)
        print(f"  trained without {held}", file=sys.stderr, flush=True)
    return scores


def choose_thresholds(natural: list[Item], scores: dict[str, float], max_fa: float,
                      slack: float = 0.0) -> dict[str, float]:
    """Per regime, the threshold that adds the most true refusals while the false alarms the model
    adds stay within max_fa in every language (pooled over the held-out sets); the ``other``
    threshold is never below the ``ask`` one. With ``slack``, the strictest thresholds that add at
    least (1 - slack) of that most."""
    negatives = {lang: sum(1 for it in natural if it.lang == lang and not it.label) for lang in LANGS}
    # gain[regime][t] = (added true refusals, {lang: added false alarms})
    gain: dict[str, list[tuple[int, dict[str, int]]]] = {}
    for reg in REGIMES:
        row = []
        for t in GRID:
            tp, fp = 0, dict.fromkeys(LANGS, 0)
            for it in natural:
                if it.regime == reg and scores[it.set + "\x00" + it.id] >= t:
                    if it.label:
                        tp += 1
                    else:
                        fp[it.lang] += 1
            row.append((tp, fp))
        gain[reg] = row
    allowed: list[tuple[int, float, tuple[int, int]]] = []
    n = len(GRID)
    for i in range(n):
        for j in range(i, n):  # never looser where the rules saw less
            parts = (gain["ask"][i], gain["other"][j])
            if any(sum(p[1][lang] for p in parts) > max_fa * negatives[lang] for lang in LANGS):
                continue
            allowed.append((sum(p[0] for p in parts), GRID[i] + GRID[j], (i, j)))
    assert allowed  # 2.0 everywhere adds nothing and is always allowed
    # The strictest thresholds that still find nearly the most: texts just over a threshold are
    # where unseen benign statements fall, and a point of threshold costs little recall there.
    most = max(a[0] for a in allowed)
    best = max((a for a in allowed if a[0] >= most * (1 - slack)), key=lambda a: (a[1], a[0], a[2]))
    return {reg: GRID[idx] for reg, idx in zip(REGIMES, best[2], strict=True)}


def nested_thresholds(natural: list[Item], scores: dict[str, float], max_fa: float,
                      slack: float = 0.0) -> dict[str, dict[str, float]]:
    """For each set, the thresholds chosen without it: applied to that set they give figures in
    which neither the weights nor the thresholds have seen it (the thresholds of the JSON are
    chosen on every set's held-out scores, so its figures flatter the thresholds a little)."""
    return {s: choose_thresholds([it for it in natural if it.set != s], scores, max_fa, slack)
            for s in sorted({it.set for it in natural})}


def report(natural: list[Item], scores: dict[str, float], th: dict[str, float],
           nested: dict[str, dict[str, float]]) -> dict:
    """Rules alone, rules + model, and rules + model with nested thresholds, per held-out set and
    language, and pooled (ALL; BLIND: the independent blind sets, set*, alone)."""
    # per (set, lang): [rules tp, model tp, nested tp, positives, rules fp, model fp, nested fp, negatives]
    table: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0] * 8))

    def fires(it: Item, t: dict[str, float]) -> bool:
        return (not it.rule_refused and it.regime is not None
                and scores[it.set + "\x00" + it.id] >= t[it.regime])

    for it in natural:
        rule = it.rule_refused
        model, nest = rule or fires(it, th), rule or fires(it, nested[it.set])
        for s in (it.set, "ALL", "BLIND") if it.set.startswith("set") else (it.set, "ALL"):
            t = table[s][it.lang]
            base = 0 if it.label else 4
            t[base] += rule
            t[base + 1] += model
            t[base + 2] += nest
            t[base + 3] += 1
    out = {}
    print(f"{'held-out set':<14}{'lang':<5}{'n':>5}  rules recall/FA   rules+model recall/FA   "
          "model adds FA   nested thresholds recall/FA")
    for s in sorted(table, key=lambda k: (k in ("ALL", "BLIND"), k)):
        for lang in LANGS:
            rr, rm, rn, npos, fr, fm, fn, nneg = table[s][lang]
            if not npos + nneg:
                continue
            p, q = max(1, npos), max(1, nneg)
            row = {"n": npos + nneg, "rules_recall": round(rr / p, 3), "rules_fa": round(fr / q, 3),
                   "recall": round(rm / p, 3), "fa": round(fm / q, 3), "added_fa": round((fm - fr) / q, 3),
                   "nested_recall": round(rn / p, 3), "nested_fa": round(fn / q, 3)}
            out[f"{s}/{lang}"] = row
            print(f"{s:<14}{lang:<5}{row['n']:>5}  {row['rules_recall']:.3f} / {row['rules_fa']:.3f}"
                  f"      {row['recall']:.3f} / {row['fa']:.3f}             {row['added_fa']:.3f}"
                  f"           {row['nested_recall']:.3f} / {row['nested_fa']:.3f}")
    # recall per class (family) on the blind sets: what the model adds where
    fam: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for it in natural:
        if it.label and it.set.startswith("set"):
            f = fam[it.family or "?"]
            f[0] += it.rule_refused
            f[1] += it.rule_refused or fires(it, th)
            f[2] += 1
    print("blind sets, recall per class (rules -> rules + model): " + ", ".join(
        f"{k} {v[0] / v[2]:.3f} -> {v[1] / v[2]:.3f}" for k, v in sorted(fam.items())))
    return out


def training_params(args: argparse.Namespace) -> dict:
    """The options the weights depend on (not where they are written)."""
    keys = ("phrasing_weight", "passed_weight", "epochs", "rate", "l2", "prune", "max_added_fa", "recall_slack",
            "no_loso",
            "ngrams", "stems")
    out = {k: getattr(args, k) for k in keys}
    if args.no_loso:
        out["thresholds"] = args.thresholds
    return out


def feature_choice(args: argparse.Namespace) -> Features:
    return Features(tuple(int(n) for n in args.ngrams.split(",") if n), args.stems)


def prepare(args: argparse.Namespace) -> tuple[list[Item], list[Item], dict]:
    """The training items, each with the rules' verdict and regime, and the JSON's ``meta`` (the
    sets, the parameters and the digest of the inputs)."""
    natural, generated = read_sets(args.set, args.phrasing_weight, repo_sets=not args.no_repo_sets)
    if not args.no_repo_sets:
        natural += product_items()
    rule_pass(natural)
    for it in natural:
        it.weight = 1.0 if it.rule_refused else args.passed_weight
    counts: dict[str, int] = defaultdict(int)
    for it in natural:
        counts[it.set] += 1
    params = training_params(args)
    meta: dict = {"sets": dict(sorted(counts.items())), **params,
                  "inputs_sha256": inputs_digest(natural, generated, params)}
    return natural, generated, meta


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", type=Path, action="append", default=[], help="an extra natural set (JSONL)")
    ap.add_argument("--phrasing-weight", type=float, default=0.3)
    ap.add_argument("--passed-weight", type=float, default=3.0,
                    help="weight of the texts no rule refuses (the population the model judges)")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--rate", type=float, default=0.05)
    ap.add_argument("--l2", type=float, default=0.2)
    ap.add_argument("--ngrams", default="3", help="character n-gram lengths, comma-separated")
    ap.add_argument("--stems", action=argparse.BooleanOptionalAction, default=True,
                    help="word stems, stem pairs and stem pairs one word apart")
    ap.add_argument("--prune", type=float, default=2e-2)
    ap.add_argument("--max-added-fa", type=float, default=0.006,
                    help="false alarms the model may add per language, pooled (0.006 keeps every "
                         "held-out set at or under 0.01)")
    ap.add_argument("--recall-slack", type=float, default=0.1,
                    help="take the strictest thresholds that add at least (1 - this) of the most true refusals")
    ap.add_argument("--no-loso", action="store_true")
    ap.add_argument("--thresholds", default="0.97,2", help="ask,other (with --no-loso)")
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--no-repo-sets", action="store_true", help="read only the --set files")
    ap.add_argument("--out", type=Path, default=WEIGHTS, help="where to write the weights")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    started = time.monotonic()
    natural, generated, meta = prepare(args)
    feats = feature_choice(args)
    vocab = vectorise(natural + generated, feats)
    nfeat = len(vocab)
    print("natural sets:", ", ".join(f"{k} {v}" for k, v in meta["sets"].items()),
          f"| frame-generated: {len(generated)} at weight {args.phrasing_weight}"
          f" | rules run in {time.monotonic() - started:.0f} s")
    if args.no_loso:
        th = dict(zip(REGIMES, (float(x) for x in args.thresholds.split(",")), strict=True))
    else:
        scores = loso(natural, generated, nfeat, args)
        th = choose_thresholds(natural, scores, args.max_added_fa, args.recall_slack)
        print("thresholds (leave-one-set-out, model adds <= "
              f"{args.max_added_fa} false alarms per language):", th)
        nested = nested_thresholds(natural, scores, args.max_added_fa, args.recall_slack)
        meta["leave_one_set_out"] = report(natural, scores, th, nested)
    b, w = train(natural + generated, nfeat, epochs=args.epochs, rate=args.rate, l2=args.l2)
    names = sorted(vocab, key=vocab.__getitem__)
    weights = {names[f]: round(v, 4) for f, v in enumerate(w) if abs(v) >= args.prune}
    if not args.dry_run:
        data = {"bias": round(b, 6), "thresholds": th, "features": feats.as_json(), "meta": meta,
                "weights": dict(sorted(weights.items()))}
        args.out.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"wrote {args.out}: {len(weights)} weights, {args.out.stat().st_size} bytes")
    print(f"done in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
