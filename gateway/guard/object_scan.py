"""The named-object scan of the clause analysis for one paragraph, cached per paragraph.

clauses.Analysis._find_objects_whole scans a whole text's tokens for confidential objects; which
words form an object depends only on the words of their own run of words, and no run crosses a
paragraph (segments.py), so the scan is done per paragraph here and kept (bounded). Only whether
a code-like word is a code depends on the words around it, maybe in another paragraph: that is
left to Analysis._find_objects, on the whole text. tests/guard/test_email_speed.py checks that
both give the same objects.
"""

from __future__ import annotations

from functools import lru_cache

from . import lexicon as L
from . import phrasing as P
from . import segments
from .gate import may_start_object
from .tokens import CONTAINERS, WORD, container_category, multi_category


def scan_objects(words: tuple[tuple[str, str], ...]) -> tuple[tuple[int, int, str | None, str | None], ...]:
    """_find_objects_whole's scan over one paragraph's (kind, key) tokens: (first, last, category,
    None) for each object, and (i, i, None, container category or None) for each code-like word,
    whose fate depends on the words around it (Analysis._find_objects decides it)."""
    n = len(words)
    keys = [key if kind == WORD else "" for kind, key in words]
    run_end = [0] * (n + 1)
    for k in range(n - 1, -1, -1):
        run_end[k] = run_end[k + 1] if words[k][0] == WORD and k + 1 < n and words[k + 1][0] == WORD else (k + 1)
    out: list[tuple[int, int, str | None, str | None]] = []
    i = 0
    while i < n:
        if words[i][0] != WORD:
            i += 1
            continue
        key = keys[i]
        if not may_start_object(key):
            cat = P.fuzzy_category(key)
            if cat:
                out.append((i, i, cat, None))
            i += 1
            continue
        found: tuple[int, int, str | None, str | None] | None = None
        for size in (4, 3, 2):
            if i + size > run_end[i]:
                continue
            cat = multi_category(tuple(keys[i:i + size]))
            if cat:
                found = (i, i + size - 1, cat, None)
                break
        if not found:
            cat = L.noun_category(key) or P.fuzzy_category(key)
            if cat:
                found = (i, i, cat, None)
            elif L.CODE_RX.fullmatch(key):
                found = (i, i, None, container_category(key) if key.endswith(CONTAINERS) else None)
        if not found and key.endswith(CONTAINERS):
            cat = container_category(key)
            if cat:
                found = (i, i, cat, None)
        if found:
            out.append(found)
            i = found[1] + 1
        else:
            i += 1
    return tuple(out)


@lru_cache(maxsize=4096)
def piece_objects(piece: str) -> tuple[tuple[int, int, str | None, str | None], ...]:
    return scan_objects(tuple((kind, key) for kind, key, _, _ in segments.piece_tokens(piece)))
