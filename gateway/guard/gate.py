"""The fast path of the request rules: can a normalised text name a confidential object at all?

Every request finding needs a confidential object: without one ``clauses.Analysis`` has no
``objs`` and ``requests._find_requests`` returns nothing. An object is one to four *consecutive
word tokens* of the normalised text whose keys (the token with ``-`` and ``'`` removed) match the
lexicon:

* one key that fully matches a noun pattern (``lexicon._NOUNS``) or ``lexicon.CODE_RX``;
* two to four keys that, joined with ``" "``, fully match a phrase pattern (``lexicon._PHRASES``)
  or, joined with ``""``, a noun pattern.

So the characters of an object string are word characters (``[^\\W_]``) of the normalised text,
in order, the first at a token start, with only non-word characters (``[\\W_]``: space,
punctuation, underscore, the ``-``/``'`` inside a token) between them. ``may_name_object`` looks
for exactly that, with one regular expression built (on first use) from the lexicon's own compiled
patterns, so the two cannot drift apart:

* the patterns are parsed with Python's own regex parser, so a character class means exactly what
  it means to ``re``; every character they consume may be followed by a gap ``\\W*+`` (the text is
  searched with ``_`` replaced by a space, so ``\\W`` stands for ``[\\W_]``: neither is ever part
  of a token); a space in a phrase pattern (a token boundary) consumes nothing, since the gap
  after the previous character covers it; a branch that needs a non-word character is dropped,
  since no key holds one;
* the gap is possessive: on the path of a real object the next character to match is the next
  word character of the text, which a gap never takes, so no match is lost and the search stays
  linear;
* a match must start at a token start: the expression begins with one character outside
  ``[0-9a-zæøå]`` (every non-word character is one), and the text is searched with a space in
  front;
* for speed the first three characters are dispatched as a trie (Brzozowski derivatives), which
  changes the shape of the expression, not the strings it accepts.

Nothing else is assumed. The expression accepts every object string the analysis can form (and
more: a prefix of an object string is enough, and gaps may be anywhere), so "no match" proves that
the analysis finds no object and reports nothing. The text it reads is the one the analysis reads
(``normalize(text)[0]``), after everything that undoes obfuscation.

``may_start_object`` uses the same patterns for a second, cheaper shortcut inside the analysis:
the first key of an object begins its string, so a token whose first three characters begin no
object string can be skipped when objects are looked for.

A pattern construct the builder does not know (a new lexicon feature) makes ``build`` raise; then
every text takes the full analysis, and ``tests/guard/test_fast_path.py`` fails so that the builder
gets extended.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from functools import lru_cache

from . import lexicon as L
from . import phrasing as P

_log = logging.getLogger(__name__)

# What may sit between two characters of one object string (see above for \W). Possessive: on
# the path of a real object the next character to match is the next word character of the text,
# which the gap never takes (every class below holds only letters and digits), so nothing is lost,
# and the search stays linear.
GAP = r"\W*+"
# What may sit just before the first one: any character but these word characters, so every
# non-word character (and, harmlessly, other letters) - a simple class re checks quickly.
STOP = "[^0-9a-zæøå]"
_WORD = re.compile(r"[^\W_]")


# A tiny regex algebra: ("eps",), ("empty",), ("set", chars), ("alt", items), ("cat", items).
_EPS = ("eps",)
_EMPTY = ("empty",)


def _cat(items: Iterable[tuple]) -> tuple:
    out: list[tuple] = []
    for x in items:
        if x == _EMPTY:
            return _EMPTY
        if x == _EPS:
            continue
        out.extend(x[1] if x[0] == "cat" else (x,))
    if not out:
        return _EPS
    return out[0] if len(out) == 1 else ("cat", tuple(out))


def _alt(items: Iterable[tuple]) -> tuple:
    out: dict[tuple, None] = {}
    for x in items:
        if x == _EMPTY:
            continue
        for y in (x[1] if x[0] == "alt" else (x,)):
            out[y] = None
    if not out:
        return _EMPTY
    return next(iter(out)) if len(out) == 1 else ("alt", tuple(out))


def _chars(chars: Iterable[str]) -> tuple:
    """One key position: its word characters; a space is a token boundary (consumes nothing)."""
    chars = set(chars)
    word = frozenset(c for c in chars if _WORD.match(c))
    node = ("set", word) if word else _EMPTY
    return _alt([node, _EPS]) if " " in chars else node


class _Parser:
    """A parser for the small regex language the lexicon is written in: literals, character
    classes of literals (``[oø]``), groups (``(...)``, ``(?:...)``), alternatives and ``?``.
    Anything else (``*``, ``+``, ``{m,n}``, ``.``, ``\\w``, anchors, flags, look-arounds) raises
    ValueError, so a new lexicon feature cannot be misread: tests/guard/test_fast_path.py builds
    the gate from the real lexicon."""

    _SPECIAL = set("*+{}.^$\\")

    def __init__(self, pattern: str):
        self.s = pattern
        self.k = 0

    def parse(self) -> tuple:
        tree = self._alternation()
        if self.k != len(self.s):
            raise ValueError(f"unexpected {self.s[self.k]!r} at {self.k} in {self.s[:40]!r}")
        return tree

    def _alternation(self) -> tuple:
        branches = [self._sequence()]
        while self.k < len(self.s) and self.s[self.k] == "|":
            self.k += 1
            branches.append(self._sequence())
        return _alt(branches) if len(branches) > 1 else branches[0]

    def _sequence(self) -> tuple:
        items: list[tuple] = []
        while self.k < len(self.s) and self.s[self.k] not in "|)":
            atom = self._atom()
            if self.k < len(self.s) and self.s[self.k] == "?":
                self.k += 1
                atom = _alt([atom, _EPS])
            items.append(atom)
        return _cat(items)

    def _atom(self) -> tuple:
        ch = self.s[self.k]
        if ch == "(":
            self.k += 1
            if self.s.startswith("?:", self.k):
                self.k += 2
            elif self.s.startswith("?", self.k):
                raise ValueError(f"unsupported group in {self.s[:40]!r}")
            inner = self._alternation()
            if self.k >= len(self.s) or self.s[self.k] != ")":
                raise ValueError(f"unclosed group in {self.s[:40]!r}")
            self.k += 1
            return inner
        if ch == "[":
            end = self.s.find("]", self.k + 1)
            body = self.s[self.k + 1:end] if end > 0 else ""
            if not body or body[0] == "^" or set(body) & (self._SPECIAL | set("-[")):
                raise ValueError(f"unsupported class in {self.s[:40]!r}")
            self.k = end + 1
            return _chars(body)
        if ch in self._SPECIAL or ch == "?":
            raise ValueError(f"unsupported {ch!r} in {self.s[:40]!r}")
        self.k += 1
        return _chars(ch)


def parse(pattern: re.Pattern[str]) -> tuple:
    """The pattern as the regex algebra above (ValueError for what the gate cannot model)."""
    if pattern.flags & ~re.UNICODE:
        raise ValueError(f"flags on {pattern.pattern[:40]!r}")  # e.g. IGNORECASE: not modelled
    return _Parser(pattern.pattern).parse()


def _nullable(r: tuple) -> bool:
    kind = r[0]
    if kind == "eps":
        return True
    if kind == "alt":
        return any(_nullable(x) for x in r[1])
    if kind == "cat":
        return all(_nullable(x) for x in r[1])
    return False


def _first(r: tuple) -> set[str]:
    kind = r[0]
    if kind == "set":
        return set(r[1])
    if kind == "alt":
        return set().union(*(_first(x) for x in r[1]))
    if kind == "cat":
        out: set[str] = set()
        for x in r[1]:
            out |= _first(x)
            if not _nullable(x):
                break
        return out
    return set()


def _derive(c: str, r: tuple) -> tuple:
    """What must follow after the first character ``c`` (Brzozowski derivative)."""
    kind = r[0]
    if kind == "set":
        return _EPS if c in r[1] else _EMPTY
    if kind == "alt":
        return _alt(_derive(c, x) for x in r[1])
    if kind == "cat":
        head, tail = r[1][0], _cat(r[1][1:])
        d = _cat([_derive(c, head), tail])
        return _alt([d, _derive(c, tail)]) if _nullable(head) else d
    return _EMPTY


def _class(chars: Iterable[str]) -> str:
    cs = sorted(chars)
    return re.escape(cs[0]) if len(cs) == 1 else "[" + "".join(map(re.escape, cs)) + "]"


def _emit(r: tuple) -> str:
    kind = r[0]
    if kind == "eps":
        return ""
    if kind == "empty":
        return "(?!)"
    if kind == "set":
        return _class(r[1]) + GAP
    if kind == "alt":
        parts = [_emit(x) for x in r[1]]
        rest = [p for p in parts if p]
        if len(rest) < len(parts):  # one branch already accepts: the rest is optional
            return "(?:" + "|".join(rest) + ")?" if rest else ""
        return "(?:" + "|".join(parts) + ")"
    return "".join(_emit(x) for x in r[1])


def _dispatch(r: tuple, depth: int) -> str:
    if _nullable(r):
        return ""  # a whole object string has been seen
    alts = []
    for c in sorted(_first(r)):
        d = _derive(c, r)
        alts.append(_class(c) + GAP + (_dispatch(d, depth - 1) if depth > 1 else _emit(d)))
    if not alts:
        return "(?!)"
    return "(?:" + "|".join(alts) + ")" if len(alts) > 1 else alts[0]


def object_patterns() -> list[re.Pattern[str]]:
    """Every pattern the analysis matches keys against to find a confidential object."""
    return [*L._NOUNS.values(), *L._PHRASES.values(), L.CODE_RX]


def gate_patterns() -> list[re.Pattern[str]]:
    """What the gate looks for: the object patterns, and the anchor words of the descriptions of
    confidential data (phrasing.ANCHORS), which the analysis matches with phrasing.DESCRIBED."""
    return [*object_patterns(), P.ANCHORS]


def _root(patterns: Iterable[re.Pattern[str]] | None = None) -> tuple:
    return _alt(parse(p) for p in (gate_patterns() if patterns is None else patterns))


def prefixes(length: int = 3, patterns: Iterable[re.Pattern[str]] | None = None) -> frozenset[str]:
    """Every prefix, up to ``length`` characters, of an object string with its spaces removed.
    The first key of an object starts its string, so ``key[:length]`` is one of these."""
    out: set[str] = set()

    def walk(r: tuple, prefix: str, depth: int) -> None:
        for c in _first(r):
            out.add(prefix + c)
            if depth > 1:
                walk(_derive(c, r), prefix + c, depth - 1)
    walk(_root(patterns), "", length)
    return frozenset(out)


def build(patterns: Iterable[re.Pattern[str]] | None = None, depth: int = 3) -> re.Pattern[str]:
    return re.compile(STOP + _dispatch(_root(patterns), depth))


_lock = threading.Lock()
_gate: re.Pattern[str] | None = None
_prefixes: frozenset[str] | None = None
_built = False


def _build_all() -> None:
    global _gate, _prefixes, _built
    with _lock:
        if not _built:
            try:
                _gate, _prefixes = build(), prefixes()
            except (ValueError, re.error):
                # Still safe (every text is analysed) but slow: say so, once.
                _log.exception("guard: the fast path could not be built; analysing every text")
                _gate = _prefixes = None
            _built = True


def gate() -> re.Pattern[str] | None:
    """The compiled expression (built on first use, ~0.1 s), or None when the lexicon uses a
    construct the builder does not know (then every text takes the full analysis)."""
    if not _built:
        _build_all()
    return _gate


def start_shortcut_on() -> bool:
    """Whether may_start_object skips any token (not when the gate could not be built, nor while
    tests switch the shortcuts off); the per-paragraph object cache (clauses) is used only then."""
    if not _built:
        _build_all()
    return _prefixes is not None


@lru_cache(maxsize=65536)
def may_start_object(key: str) -> bool:
    """False only when no confidential object (one key, or keys joined) can begin with ``key``;
    clauses.Analysis skips such tokens when it looks for objects."""
    if not _built:
        _build_all()
    return _prefixes is None or key[:3] in _prefixes


def may_name_object(text: str) -> bool:
    """False only when the normalised ``text`` (normalize(...)[0], what the analysis reads)
    holds no confidential object, so that the request analysis would report nothing."""
    g = _gate if _built else gate()
    if g is None or g.search(" " + text.replace("_", " ")) is not None:
        return True  # an object, or an anchor word of a description of one
    return P.may_be_fuzzy(text)  # a misspelt object word
