"""Pin the second opinion's scores on a few texts (tests/guard/second_opinion_pinned.json).

The runtime holds the weights in its own compact form (gateway/guard/second_opinion.py); the
pinned scores are computed here from the weights file as the trainer defines them (the bias plus
the weight of every distinct feature, bench/guard_train.py), never by the runtime, and
tests/guard/test_second_opinion.py checks the runtime against them. Run it after retraining:

    .venv/bin/python bench/guard_pin_scores.py

The texts: from each corpus file (tests/guard/*.jsonl, tests/guard/written/*.jsonl) the text
scoring highest, lowest and at the median, three rendered billing texts, and edge cases.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.guard_speed import billing_texts  # noqa: E402
from gateway.guard.normalize import normalize  # noqa: E402
from gateway.guard.second_opinion import REGIMES, WEIGHTS, Features, features, keys_of  # noqa: E402

PINNED = ROOT / "tests" / "guard" / "second_opinion_pinned.json"
EDGE = ["", "pin", "Kode 4417 er din.", "PIN-koden din, takk!", "kortnummeret kortnummeret kortnummeret",
        "Oppgi passordet ditt.", "Zyxqv blorft wumpel."]


def reference_logit(data: dict, text: str) -> float:
    """The trainer's definition: bias + the weight of each distinct feature of the text's words."""
    feats = Features.of(data.get("features"))
    weights = data["weights"]
    return data["bias"] + sum(weights.get(f, 0.0) for f, _ in features(keys_of(normalize(text)[0]), feats))


def refused(data: dict, z: float, regime: str) -> bool:
    """Whether the score reaches the regime's threshold (the runtime also needs a word that pushed
    it up, which any score at a threshold above 0.5 has)."""
    t = data["thresholds"].get(regime, 2.0)
    return t < 1 and 1 / (1 + math.exp(-max(-30.0, min(30.0, z)))) >= t


def corpus_texts() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for path in sorted((ROOT / "tests" / "guard").glob("*.jsonl")) + sorted((ROOT / "tests" / "guard" / "written").glob("*.jsonl")):
        lines = path.read_text(encoding="utf-8").splitlines()
        out[path.name] = [json.loads(line)["source"] for line in lines if line.strip()]
    return out


def main() -> int:
    raw = WEIGHTS.read_bytes()
    data = json.loads(raw)
    chosen: list[str] = []
    for texts in corpus_texts().values():
        ranked = sorted(dict.fromkeys(texts), key=lambda t: (reference_logit(data, t), t))
        chosen += [ranked[-1], ranked[0], ranked[len(ranked) // 2]]
    chosen += [t for _, t in billing_texts(count=20)][:3] + EDGE
    rows = []
    for text in dict.fromkeys(chosen):
        z = reference_logit(data, text)
        rows.append({"text": text, "logit": z, **{r: refused(data, z, r) for r in REGIMES}})
    lines = ",\n".join(json.dumps(row, ensure_ascii=False) for row in rows)
    PINNED.write_text(f'{{"weights_sha256": "{hashlib.sha256(raw).hexdigest()}", "texts": [\n{lines}\n]}}\n',
                      encoding="utf-8")
    print(f"wrote {PINNED}: {len(rows)} texts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
