"""Text normalisation that undoes obfuscation before the request rules run.

Every function returns the normalised text and, when ``track`` is true, a list that maps each
output character to the index of the input character it came from, so a finding can point at
the right line and column of the original source.  The fast path (``track=False``) uses only
C-level string operations, which keeps the re-check of a rendered e-mail well under a millisecond.

Ordinary text is common and must be cheap (every billing message is checked), so three shortcuts
give exactly the result of the full steps, each checked in tests/guard/test_fast_path.py:
"plain" text (ASCII and everyday Latin characters, see _SIMPLE) folds to ``text.lower()``; the
quick checks that decide whether a step runs at all start from the rare character they look for;
and the leet substitution is skipped where it provably changes nothing (_LEET_CHANGES).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

Mapping = list[int] | None

# Invisible "format" characters used to split words: zero-width space/joiners, soft hyphen,
# word joiner, bidi controls, BOM, Mongolian vowel separator, combining grapheme joiner,
# Hangul fillers and variation selectors.
_INVISIBLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e007f"
)
_INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]")

# Look-alike letters from other scripts mapped to the Latin letter a reader sees.
# Norwegian æ ø å stay as they are; Swedish/German ö ä are folded to ø æ.
_CONFUSABLES = str.maketrans({
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d",
    "һ": "h", "ԛ": "q", "ԝ": "w", "ɡ": "g", "ӏ": "l", "ո": "n", "ս": "u", "ҁ": "c", "ғ": "f",
    "п": "n", "г": "r", "д": "d", "и": "u", "л": "n", "ь": "b", "з": "3",
    # Greek
    "α": "a", "β": "b", "γ": "y", "δ": "d", "ε": "e", "ζ": "z", "η": "n", "ι": "i", "κ": "k",
    "ν": "v", "ο": "o", "ρ": "p", "σ": "o", "ς": "s", "τ": "t", "υ": "u", "χ": "x", "ω": "w",
    "μ": "u",
    # Latin look-alikes and IPA
    "ı": "i", "ȷ": "j", "ł": "l", "ƚ": "l", "ɩ": "i", "ɪ": "i", "ʀ": "r", "ᴀ": "a", "ʙ": "b",
    "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ɢ": "g", "ʜ": "h", "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m",
    "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y",
    "ᴢ": "z", "ß": "ss", "ö": "ø", "ä": "æ", "ő": "ø", "ǿ": "ø", "ɑ": "a", "ɒ": "a", "ɛ": "e",
    "ɔ": "o", "ʋ": "v", "ƿ": "p", "þ": "p", "ð": "d", "đ": "d", "ħ": "h", "ŧ": "t",
    # dashes and quotes folded so the tokenizer sees plain ones
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2212": "-", "\u2019": "'", "\u2018": "'",
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2800": " ",
})

# Capitals whose lower-case form looks like another Latin letter than the capital does (Greek
# Eta "Η" looks like H but folds to "η", which reads n): mapped before case-folding.
_CAPITALS = str.maketrans({"Η": "h", "Ν": "n", "Μ": "m", "Υ": "y", "Ϲ": "c", "ϲ": "c",
                           "Ү": "y", "ү": "y", "Ꮃ": "w", "Ѵ": "v", "ѵ": "v",
                           # Latin and Armenian capitals that are other letters in disguise
                           "Ƅ": "b", "ƅ": "b", "Ɓ": "b", "Ɗ": "d", "Ƙ": "k", "Ƥ": "p", "Ɵ": "o",
                           "Օ": "o", "Ս": "u", "Ꮪ": "s",
                           # Cherokee capitals (case-folding keeps them Cherokee)
                           "Ꭺ": "a", "Ᏼ": "b", "Ꮯ": "c", "Ꭰ": "d", "Ꭼ": "e", "Ꮐ": "g",
                           "Ꮋ": "h", "Ꭻ": "j", "Ꮶ": "k", "Ꮮ": "l", "Ꮇ": "m", "Ꮲ": "p",
                           "Ꭱ": "r", "Ꭲ": "t", "Ꮩ": "v", "Ꮓ": "z", "Ꭵ": "i",
                           # Lisu letters (no case; used in look-alike spoofing)
                           "ꓮ": "a", "ꓐ": "b", "ꓚ": "c", "ꓓ": "d", "ꓰ": "e", "ꓝ": "f",
                           "ꓖ": "g", "ꓧ": "h", "ꓲ": "i", "ꓙ": "j", "ꓗ": "k", "ꓡ": "l",
                           "ꓟ": "m", "ꓠ": "n", "ꓳ": "o", "ꓑ": "p", "ꓣ": "r", "ꓢ": "s",
                           "ꓔ": "t", "ꓴ": "u", "ꓦ": "v", "ꓪ": "w", "ꓫ": "x", "ꓬ": "y",
                           "ꓜ": "z"})
_CAPITALS_RE = re.compile("[" + "".join(chr(c) for c in _CAPITALS) + "]")

_CONFUSABLE_RE = re.compile("[" + re.escape("".join(chr(c) for c in _CONFUSABLES)) + "]")

# Leet digits and symbols, folded only inside tokens that also contain letters, so that a PIN
# such as "1234" or a date stays a number.
_LEET = str.maketrans({
    "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
    "@": "a", "$": "s", "€": "e", "!": "i", "|": "i",
})
_LEET_TOKEN_RE = re.compile(
    r"(?<![\w@$€!|'-])(?=[\w@$€!|'-]*[^\W\d_])(?=[\w@$€!|'-]*[0-9@$€!|])[\w@$€!|]+(?:['-][\w@$€!|]+)*")
# Characters a spaced-out word may be split with: "p a s s", "p.a.s.s", "p-a-s-s", "p_a_s_s".
_SEP = r"(?:[ \t._\-*·•/~]|\\)"
_CH = r"(?:[^\W_]|[@$€])"
_SPACED_RE = re.compile(rf"(?<![^\W_])(?<![@$€]){_CH}(?:{_SEP}{_CH}(?!{_CH})){{1,}}")
_SEP_RE = re.compile(_SEP)
# Text written wholly in spaced style ("S v a r  p å  d e n n e") also spaces out two-letter
# words and hyphens; once two or more long runs show that style, those are joined too.
_CH2 = r"(?:[^\W_]|[@$€]|(?<=[ ._*·•/~-])['-](?=[ ._*·•/~-]))"
_SPACED_STYLE_RE = re.compile(rf"(?<![^\W_])(?<![@$€]){_CH2}(?:{_SEP}{_CH2}(?!{_CH2})){{1,}}")
_SHORT_DIGIT_WORDS = {"17": "it", "15": "is", "70": "to"}
# Quick checks before the substitutions below. Each asks the same question as the plainer
# pattern in its comment (tests/guard/test_fast_path.py checks that they agree), but starts from
# the rarer character (the separator, the digit or symbol), so re can skip ahead to it instead of
# trying every position: on ordinary text that is most of the cost of normalising.
# A single letter, a separator, a single letter:
#   (?<![^\W_])[^\W_@$€][ \t._\-*·•/~\\][^\W_@$€](?![^\W_])
_SPACED_QUICK = re.compile(
    r"[ \t._\-*·•/~\\][^\W_](?![^\W_])(?<=[^\W_][ \t._\-*·•/~\\][^\W_])"
    r"(?<![^\W_]{2}[ \t._\-*·•/~\\][^\W_])")
# A letter next to a digit or leet symbol, perhaps across an apostrophe or hyphen:
#   [^\W\d_]['-]?[0-9@$€!|]|[0-9@$€!|]['-]?[^\W\d_]
_LEET_QUICK = re.compile(
    r"[0-9@$€!|](?:(?<=[^\W\d_][0-9@$€!|])|(?<=[^\W\d_]['-][0-9@$€!|])|['-]?[^\W\d_])")
# When the leet substitution can change something. It rewrites only tokens inside a run of
# [\w@$€!|'-] characters that holds a letter, and in a token only the characters it folds
# (0 1 3 4 5 7 8 9 @ $ €, and "!" or "|" unless trailing). A change therefore needs:
#   (a) a "!" or "|" followed by a run character; or
#   (b) a folded digit or @ $ € in a run with a letter. Then the stretch of digits and @ $ €
#       around it is not the whole run (the letter is not in it), so a run character that is
#       not a digit or @ $ € (a letter, _ ! | ' -) touches the stretch on the left or the right.
# _LEET_CHANGES looks for (a), or for a stretch of ASCII digits and @ $ € holding a folded one
# and touched so; it is checked from the stretch's first character only. Digits of other
# scripts (all from U+0660 on) are rare: where there is one, the substitution simply runs.
# Where nothing is found the substitution is known to change nothing and is skipped
# (tests/guard/test_fast_path.py checks this against the substitution itself).
_LEET_CHANGES = re.compile(
    r"[0-9@$€!|](?<![0-9@$€][0-9@$€])(?:"       # not inside a stretch (true for ! and |)
    r"(?<=[!|])(?=[\w@$€!|'\-])"                                            # (a)
    r"|(?<=[0-9@$€])"                                                       # (b): a stretch,
    r"(?:(?<=[013-57-9@$€])|(?=[26]*+[013-57-9@$€]))"                         # a folded one in it,
    r"(?:(?<=(?:[^\W\d]|[!|'\-])[0-9@$€])|(?=[0-9@$€]*+(?:[^\W\d]|[!|'\-]))))")  # touched
_NON_ASCII_DIGIT = re.compile(r"[^\x00-\u065f](?<=\d)")


def _leet_may_change(text: str, ascii_digits: bool = False) -> bool:
    """False only when _LEET_TOKEN_RE.sub(_fold_leet) would leave ``text`` unchanged
    (``ascii_digits``: the caller knows ``text`` has no digits of other scripts)."""
    return bool(_LEET_CHANGES.search(text) or (not ascii_digits and _NON_ASCII_DIGIT.search(text)))


# Only letters joined when the run contains at least two of them ("1 2 3 4" stays a number).
_LETTER_RE = re.compile(r"[^\W\d_]")


def strip_invisible(text: str, track: bool = False) -> tuple[str, Mapping]:
    """Remove zero-width, soft-hyphen and other format characters."""
    if not _INVISIBLE_RE.search(text):
        return text, (list(range(len(text))) if track else None)
    if not track:
        return _INVISIBLE_RE.sub("", text), None
    out: list[str] = []
    idx: list[int] = []
    for i, ch in enumerate(text):
        if not _INVISIBLE_RE.match(ch):
            out.append(ch)
            idx.append(i)
    return "".join(out), idx


_COMBINING_RE = re.compile(r"[\u0300-\u0309\u030b-\u036f\u0483-\u0489\u0591-\u05bd\u1ab0-\u1aff"
                           r"\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


_ACCENT_RE = re.compile(r"(?<!a)\u030a|[\u0300-\u0309\u030b-\u036f\u0483-\u0489\u0591-\u05bd"
                        r"\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def _fold_str(s: str) -> str:
    if _CAPITALS_RE.search(s):  # before NFKC too: it turns lunate sigma "ϲ" into "σ"
        s = s.translate(_CAPITALS)
    s = unicodedata.normalize("NFKC", s)
    if _CAPITALS_RE.search(s):
        s = s.translate(_CAPITALS)
    s = s.casefold()
    if _CONFUSABLE_RE.search(s):
        s = s.translate(_CONFUSABLES)  # ö -> ø before accents are stripped
    if s.isascii():
        return s
    d = unicodedata.normalize("NFD", s)
    if _ACCENT_RE.search(d):  # accents and stray marks go; the ring of å stays
        s = unicodedata.normalize("NFC", _ACCENT_RE.sub("", d))
        if _CONFUSABLE_RE.search(s):
            s = s.translate(_CONFUSABLES)
    return _INVISIBLE_RE.sub("", s)


# The fast path of _fold_str for everyday Latin text. For these characters _fold_str works one
# character at a time: none is a combining mark, none folds to something that starts with one,
# and none combines with a neighbour (tests/guard/test_fast_path.py checks every pair). So a text
# made only of them folds to the concatenation of its folded characters: str.lower() (which for
# each of them agrees with _fold_str up to the table below), then the few that fold further
# (é -> e, ö -> ø, ß -> ss, no-break space -> space, ’ -> ', … -> ...). The table is computed from
# _fold_str itself, so the two cannot drift apart.
_SIMPLE_CANDIDATES = (
    [chr(c) for c in range(0x80)] + [chr(c) for c in range(0xA0, 0x180)]
    + list("\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f"
           "‐‑‒–—―‘’‚‛“”„‟†‡•‣․‥…‰′″‹›€™"))


def _simple_chars() -> tuple[frozenset[str], dict[str, str]]:
    simple: set[str] = set()
    fix: dict[str, str] = {}
    for ch in _SIMPLE_CANDIDATES:
        nfkc = unicodedata.normalize("NFKC", ch)
        low = ch.lower()
        if (unicodedata.combining(ch) or not nfkc or unicodedata.combining(nfkc[0])
                or _INVISIBLE_RE.match(ch) or len(low) != 1):
            continue
        folded = _fold_str(ch)
        if _fold_str(low) != folded or fix.get(low, folded) != folded:
            continue
        simple.add(ch)
        if folded != low:
            fix[low] = folded
    return frozenset(simple), fix


def _char_class(chars: frozenset[str]) -> str:
    """A regex class body for the given characters, as ranges."""
    codes = sorted(map(ord, chars))
    parts, start = [], None
    for k, c in enumerate(codes):
        if start is None:
            start = c
        if k + 1 == len(codes) or codes[k + 1] != c + 1:
            parts.append(f"\\u{start:04x}" + (f"-\\u{c:04x}" if c > start else ""))
            start = None
    return "".join(parts)


_SIMPLE, _SIMPLE_FIX = _simple_chars()
_NOT_SIMPLE_RE = re.compile(f"[^{_char_class(_SIMPLE)}]")
_SIMPLE_FIX_RE = re.compile(f"[{_char_class(frozenset(_SIMPLE_FIX))}]")
# Text without any of these folds to text.lower(): simple characters that fold no further.
_NOT_PLAIN_RE = re.compile(
    f"[^{_char_class(frozenset(c for c in _SIMPLE if c.lower() not in _SIMPLE_FIX))}]")


def _fold_simple(text: str) -> str:
    """_fold_str(text) for a text made only of _SIMPLE characters."""
    low = text.lower()
    if _SIMPLE_FIX_RE.search(low):
        return _SIMPLE_FIX_RE.sub(lambda m: _SIMPLE_FIX[m.group()], low)
    return low


def fold_chars(text: str, track: bool = False) -> tuple[str, Mapping]:
    """NFKC, case-fold, drop accents and stray combining marks (keeping å, æ, ø) and map
    look-alike letters to Latin."""
    if text.isascii():
        return text.lower(), (list(range(len(text))) if track else None)
    if not track:
        if not _NOT_SIMPLE_RE.search(text):
            return _fold_simple(text), None
        return _fold_str(text), None
    out: list[str] = []
    idx: list[int] = []
    i = 0
    n = len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        cluster = _fold_str(text[i:j])
        out.append(cluster)
        idx.extend([i] * len(cluster))
        i = j
    return "".join(out), idx


def _sub(regex: re.Pattern[str], fn: Callable[[str], str], text: str, track: bool,
         mapping: Mapping) -> tuple[str, Mapping]:
    """re.sub that keeps the character map in step with the replacement."""
    if not track:
        return regex.sub(lambda m: fn(m.group(0)), text), None
    assert mapping is not None
    parts: list[str] = []
    new_map: list[int] = []
    last = 0
    for m in regex.finditer(text):
        s, e = m.span()
        parts.append(text[last:s])
        new_map.extend(mapping[last:s])
        rep = fn(m.group(0))
        parts.append(rep)
        if len(rep) == e - s:
            new_map.extend(mapping[s:e])
        else:
            # Spread the replacement over the source span so positions stay monotonic.
            span = max(e - s, 1)
            new_map.extend(mapping[s + min(k * span // max(len(rep), 1), span - 1)] for k in range(len(rep)))
        last = e
    parts.append(text[last:])
    new_map.extend(mapping[last:])
    return "".join(parts), new_map


def _join_spaced_style(run: str) -> str:
    return _SEP_RE.sub("", run.replace(" - ", "-"))


def _join_spaced_run(run: str) -> str:
    letters = _LETTER_RE.findall(run)
    if not letters or (len(run) == 3 and run[1].isspace()) or (len(letters) < 2 and len(run) < 5):
        return run  # "1 2 3" stays a number; "i a" stays two words
    return _SEP_RE.sub("", run)


_SHORT_DIGIT_RE = re.compile(r"(?<![\w.,:/-])(?:17|15|70)(?![\w.,:/%-])")


# Whether _SHORT_DIGIT_RE matches anywhere, asked from the digits (see the quick checks above):
#   (?<![\w.,:/-])(?:17|15|70)(?![\w.,:/%-])
_SHORT_DIGIT_QUICK = re.compile(r"(?:17|15|70)(?<![\w.,:/-]\d\d)(?![\w.,:/%-])")


def _has_short_digits(text: str) -> bool:
    return ("17" in text or "15" in text or "70" in text) and _SHORT_DIGIT_QUICK.search(text) is not None


def _fold_leet(token: str) -> str:
    # Trailing "!" or "|" is punctuation, not a letter.
    core = token.rstrip("!|")
    return core.translate(_LEET) + token[len(core):]


def _is_plain(text: str) -> bool:
    """Everyday text: no invisible characters (none of them is simple), nothing to fold beyond
    lower case (see _SIMPLE), and no digits but 0-9."""
    return text.isascii() or not _NOT_PLAIN_RE.search(text)


def normalize(text: str, track: bool = False) -> tuple[str, Mapping]:
    """Full normalisation for the request rules (see module doc)."""
    if not track:
        plain = _is_plain(text)
        t = text.lower() if plain else fold_chars(strip_invisible(text)[0])[0]
        t = _join_spaced(_join_hyphenated(t, None)[0], None)[0]
        return _fold_leet_step(t, None, ascii_digits=plain)[0], None
    t, m = strip_invisible(text, track)
    t, m2 = fold_chars(t, track)
    assert m is not None and m2 is not None
    m = [m[k] for k in m2]
    t, m = _join_hyphenated(t, m)
    t, m = _join_spaced(t, m)
    return _fold_leet_step(t, m)


# A word hyphenated across a line break ("pass-\nordet") is one word.
_HYPHEN_BREAK_RE = re.compile(r"(?<=[^\W\d_])-[ \t]*\r?\n[ \t]*(?=[^\W\d_])")


_HYPHEN_NEWLINE = re.compile(r"-[ \t]*\r?\n")  # the quick check: starts with a literal


def _join_hyphenated(t: str, m: Mapping) -> tuple[str, Mapping]:
    if "\n" in t and _HYPHEN_NEWLINE.search(t) and _HYPHEN_BREAK_RE.search(t):
        return _sub(_HYPHEN_BREAK_RE, lambda s: "", t, m is not None, m)
    return t, m


def _join_spaced(t: str, m: Mapping) -> tuple[str, Mapping]:
    track = m is not None
    if _SPACED_QUICK.search(t):
        long_runs = sum(1 for r in _SPACED_RE.finditer(t) if len(r.group()) >= 5)
        if long_runs >= 2:
            t, m = _sub(_SPACED_STYLE_RE, _join_spaced_style, t, track, m)
        else:
            t, m = _sub(_SPACED_RE, _join_spaced_run, t, track, m)
    return t, m


def _fold_leet_step(t: str, m: Mapping, ascii_digits: bool = False) -> tuple[str, Mapping]:
    track = m is not None
    if _LEET_QUICK.search(t):
        if _leet_may_change(t, ascii_digits):
            t, m = _sub(_LEET_TOKEN_RE, _fold_leet, t, track, m)
        # Short numbers between leet words are words too ("R3n3w 17 her3").
        if _has_short_digits(t):
            t, m = _sub(_SHORT_DIGIT_RE, lambda s: _SHORT_DIGIT_WORDS[s], t, track, m)
    return t, m


_NON_LATIN_RE = re.compile(r"[^\x00-\u024f]")


def _ascii_digit(m: re.Match[str]) -> str:
    ch = m.group(0)
    if ch.isdigit():
        try:
            return str(unicodedata.digit(ch))
        except (TypeError, ValueError):
            return ch
    folded = unicodedata.normalize("NFKC", ch)
    return folded if len(folded) == 1 else ch


def normalize_for_numbers(text: str) -> str:
    """Light normalisation for the number rules: same length as the input, so offsets hold.

    Invisible characters become spaces and full-width or other Unicode digits become ASCII.
    """
    t = _INVISIBLE_RE.sub(" ", text)
    if t.isascii():
        return t
    return _NON_LATIN_RE.sub(_ascii_digit, t)
