"""Characters that must never reach an output: control and bidirectional-override marks.

Every string that comes from an article, a file name or a model passes through
``strip_unsafe`` (keeps line breaks and tabs) or ``one_line`` (folds all whitespace,
line breaks included, into single spaces) before a renderer escapes it for its format.
Pure functions, no I/O.
"""

from __future__ import annotations

import re
import unicodedata

#: Bidi embeddings, overrides and isolates, and the implicit direction marks: they can
#: make text display in an order other than the one it is stored in ("Trojan Source").
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
#: Line and paragraph separators that some renderers treat as line breaks.
LINE_SEPARATORS = frozenset("\u0085\u2028\u2029")

_WHITESPACE = re.compile(r"\s+")


def is_unsafe_char(ch: str) -> bool:
    """True for C0/C1 controls (other than tab and newline), lone surrogates, bidi
    controls and line/paragraph separators."""
    if ch in "\t\n":
        return False
    if ch in BIDI_CONTROLS or ch in LINE_SEPARATORS:
        return True
    return unicodedata.category(ch) in ("Cc", "Cs")


def strip_unsafe(text: str) -> str:
    """``text`` without unsafe characters; CR, CRLF and line separators become newlines."""
    if text.isprintable():  # no Cc, Cs or Cf (bidi) characters, no separators: nothing to do
        return text
    text = text.replace("\r\n", "\n")
    return "".join(
        "\n" if ch in LINE_SEPARATORS or ch == "\r" else ch
        for ch in text
        if ch in LINE_SEPARATORS or ch == "\r" or not is_unsafe_char(ch)
    )


def one_line(text: str) -> str:
    """Safe characters only, every run of whitespace (line breaks too) as one space."""
    return _WHITESPACE.sub(" ", strip_unsafe(text)).strip()


def has_unsafe(text: str) -> bool:
    return any(is_unsafe_char(ch) for ch in text)
