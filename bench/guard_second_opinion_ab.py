"""The guard's second opinion of another checkout against this one's, in one process, interleaved.

    .venv/bin/python bench/guard_second_opinion_ab.py OTHER_CHECKOUT [ROUNDS]

µs of process CPU per call of refuses(norm, "other") (and of verdict and logit), the best of
ROUNDS (default 5) alternating rounds, on: the bench's invoice text (bench/_common.py
INVOICE_DATA, the invoice number varied, as bench/billing_run.py sends it), the same with six
customer names, 600 rendered billing texts of every template (bench/guard_speed.py), and every
fourth corpus text (those the model passes, and all). second_opinion.py imports only the standard
library, so the other checkout's module is loaded beside this one's, both reading this checkout's
weights. Interleaving in one process is what makes a 5 % difference visible on a shared machine.
"""

from __future__ import annotations

import importlib.util
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _common import INVOICE_DATA  # noqa: E402

from bench.guard_speed import billing_texts  # noqa: E402
from gateway.billing.templates import MessageTemplates  # noqa: E402
from gateway.guard import second_opinion  # noqa: E402
from gateway.guard.normalize import normalize  # noqa: E402

NAMES = ["Ragnhild Nordmann", "Ola Hansen", "Kari Anne Berg", "Per Olsen", "Ingrid Johansen", "Aksel Lie"]


def other_model(checkout: Path) -> Any:
    spec = importlib.util.spec_from_file_location("other_second_opinion",
                                                  checkout / "gateway" / "guard" / "second_opinion.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.load(second_opinion.WEIGHTS)


def invoices(names: list[str] | None) -> list[str]:
    templates = MessageTemplates(ROOT / "templates")
    rnd = random.Random(1)
    out = []
    for n in range(300):
        data = dict(INVOICE_DATA, invoice_number=str(10_000_000 + n))
        if names:
            data["name"] = rnd.choice(names)
        out.append(normalize("\n\n".join(templates.render("invoice_ready", "nb", data)))[0])
    return out


def corpus() -> list[str]:
    texts: list[str] = []
    for path in sorted((ROOT / "tests/guard").glob("*.jsonl")) + sorted((ROOT / "tests/guard/written").glob("*.jsonl")):
        texts += [json.loads(line)["source"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [normalize(text)[0] for text in texts[::4]]


def race(name: str, items: list[str], models: dict[str, Any], call: Callable[[Any, str], object],
         rounds: int) -> None:
    best = dict.fromkeys(models, 1e9)
    for _ in range(rounds):
        for label, model in models.items():
            started = time.process_time()
            for item in items:
                call(model, item)
            best[label] = min(best[label], (time.process_time() - started) / len(items) * 1e6)
    other, this = best["other"], best["this"]
    print(f"{name:26s} n={len(items):5d}  other {other:6.1f} µs  this {this:6.1f} µs  ({this / other - 1:+.0%})")


def main() -> None:
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    models = {"other": other_model(Path(sys.argv[1])), "this": second_opinion.load()}
    texts = corpus()
    passed = [t for t in texts if models["other"].refuses(t, "other") is None]
    for name, items in (("invoice (bench data)", invoices(None)), ("invoice, six names", invoices(NAMES)),
                        ("billing, every template", [normalize(t)[0] for _, t in billing_texts()]),
                        ("corpus, passed", passed), ("corpus, all", texts)):
        race(name, items, models, lambda m, t: m.refuses(t, "other"), rounds)
    race("verdict, corpus", texts, models, lambda m, t: m.verdict(t), rounds)
    race("logit, corpus", texts, models, lambda m, t: m.logit(t), rounds)


if __name__ == "__main__":
    main()
