r"""Paragraph-sized pieces of a normalised text, and the per-piece work of the clause analysis.

A rendered notification is a reviewed template with a few values put in: most of its paragraphs
are the template's own text, the same in every e-mail. Three steps of the analysis give, for a
whole text, exactly the joined results of its paragraphs, so each paragraph's result is kept
(bounded) and an e-mail whose paragraphs were seen before pays only for the new ones:

* tokenising: a paragraph ends just after the last "\n" of a run of white space that holds two
  or more. No token reaches across that point: the only tokens that hold a "\n" are the break
  ("\n", spaces or tabs, "\n"), the single "\n" and the spaced dash (white space, "-", white
  space), and each of them that holds the run's last "\n" ends with it (a token starting at a
  "\n" is never the spaced dash: the "\n" alternatives come first). Nothing the tokenizer looks
  at lies across it either (what follows a ".", the token before it), so the tokens of a text are
  those of its paragraphs, offsets moved. (Cutting after the first blank line instead is wrong:
  in " -\n\n\n" the spaced dash takes the first "\n" and the break token moves by one.)
* the description needles (phrasing.described): no needle holds a "\n", so none reaches across;
* the named objects (clauses.Analysis._find_objects, with tokens_and_pieces): an object's words
  lie in one run of words, and no run crosses a paragraph (its "\n" tokens stand between).

The rest of the analysis (whether a code-like word is a code, descriptions, directives, scope,
frames) still reads the whole text at once: its rules look across sentences and paragraphs.
tests/guard/test_email_speed.py checks the three equalities on the corpora, rendered
notifications and generated text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .tokens import Tok, tokenize

# From a run's first "\n" to its last (the greedy \s* gives back only to the last "\n").
_BREAK = re.compile(r"\n\s*\n")
# Longer paragraphs are worked on each time: the caches hold ordinary ones, not giant inputs.
_CACHED_CHARS = 2000
_CACHE_SIZE = 4096


def pieces(text: str) -> list[tuple[int, int]]:
    r"""(start, end) of each paragraph: the text cut just after the last "\n" of every run of
    white space holding two or more."""
    out = []
    start = 0
    for m in _BREAK.finditer(text):
        out.append((start, m.end()))
        start = m.end()
    if start < len(text) or not out:
        out.append((start, len(text)))
    return out


@lru_cache(maxsize=_CACHE_SIZE)
def _piece_tokens(piece: str) -> tuple[tuple[str, str, int, int], ...]:
    return tuple((t.kind, t.key, t.start, t.end) for t in tokenize(piece))


def tokens_and_pieces(text: str) -> tuple[list[Tok], list[tuple[int, int, str | None]]]:
    """tokens(text), and each paragraph as (index of its first token, index past its last, its
    text or None when it is too long to cache)."""
    out: list[Tok] = []
    append = out.append
    spans: list[tuple[int, int, str | None]] = []
    for s, e in pieces(text):
        first = len(out)
        if e - s > _CACHED_CHARS:
            for t in tokenize(text[s:e]):
                t.start += s
                t.end += s
                append(t)
            spans.append((first, len(out), None))
            continue
        piece = text[s:e]
        out.extend(_placed_tokens(piece, s))
        spans.append((first, len(out), piece))
    return out, spans


@lru_cache(maxsize=_CACHE_SIZE)
def _placed_tokens(piece: str, at: int) -> tuple[Tok, ...]:
    """The tokens of a paragraph that starts at offset ``at``, cached: a template paragraph
    usually stands at the same offset in every e-mail. The Tok records are shared between
    analyses, so nothing may change a token once made (only tokens_and_pieces moves the fresh
    tokens of a paragraph too long to cache, before anyone else sees them)."""
    return tuple(Tok(kind, key, ts + at, te + at) for kind, key, ts, te in _piece_tokens(piece))


def tokens(text: str) -> list[Tok]:
    """tokenize(text), paragraph by paragraph, with each paragraph's tokens cached."""
    return tokens_and_pieces(text)[0]


def piece_tokens(piece: str) -> tuple[tuple[str, str, int, int], ...]:
    """(kind, key, start, end) of the tokens of one paragraph, cached."""
    return _piece_tokens(piece)


@lru_cache(maxsize=_CACHE_SIZE)
def _piece_needles(rx: re.Pattern[str], piece: str) -> frozenset[str]:
    return frozenset(m.group(1) for m in rx.finditer(piece))


def needles(rx: re.Pattern[str], text: str) -> set[str]:
    """{m.group(1) for m in rx.finditer(text)} for the description needles' look-ahead
    expression, paragraph by paragraph (no needle holds a "\\n")."""
    found: set[str] = set()
    for s, e in pieces(text):
        if e - s > _CACHED_CHARS:
            found.update(m.group(1) for m in rx.finditer(text, s, e))
        else:
            found |= _piece_needles(rx, text[s:e])
    return found
