"""The lexicon is data: no word listed twice in one set or pattern list, no dict key assigned
twice (a second assignment silently replaces the first; parsed with ast, since a dict literal
with a repeated key is still valid Python)."""

from __future__ import annotations

import ast
from pathlib import Path

from gateway.guard import check_text, is_refused

ROOT = Path(__file__).resolve().parents[2]
LEXICONS = [ROOT / "gateway" / "guard" / name for name in ("lexicon.py", "lexicon_objects.py")]
_LIST_CALLS = {"_rx", "_verbs"}


def _repeats(items: list[ast.expr]) -> list[str]:
    seen: set[object] = set()
    out = []
    for item in items:
        if isinstance(item, ast.Constant):
            if item.value in seen:
                out.append(f"{item.value!r} (line {item.lineno})")
            seen.add(item.value)
    return out


def _problems(source: str) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Set):
            out += [f"set repeats {w}" for w in _repeats(node.elts)]
        elif isinstance(node, ast.Dict):
            out += [f"dict key assigned twice: {w}" for w in _repeats([k for k in node.keys if k])]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _LIST_CALLS:
            out += [f"{node.func.id}() repeats {w}" for w in _repeats(node.args)]
    return out


def test_no_word_repeated_and_no_key_assigned_twice():
    for path in LEXICONS:
        assert _problems(path.read_text(encoding="utf-8")) == [], path.name


def test_the_data_test_catches_both_kinds():
    bad = 'A = {"post": {"us", "it"}, "post": {"us"}}\nB = {"og", "og"}\nC = _rx(r"x", r"x")\n'
    assert len(_problems(bad)) == 3


def test_post_it_asks_for_the_pin():
    """The second NEEDS_PARTICLE["post"] used to replace the first, so this passed."""
    assert is_refused(check_text("Post it: your PIN code."))
