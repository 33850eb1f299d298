"""Characters that must never reach an output: control and bidirectional-override marks.

Every string that comes from an article, a file name or a model passes through
``strip_unsafe`` (keeps line breaks and tabs) or ``one_line`` (folds all whitespace,
line breaks included, into single spaces) before a renderer escapes it for its format.
Pure functions, no I/O.
"""

from __future__ import annotations

import re

#: Bidi embeddings, overrides and isolates, and the implicit direction marks: they can
#: make text display in an order other than the one it is stored in ("Trojan Source").
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
#: Line and paragraph separators that some renderers treat as line breaks.
LINE_SEPARATORS = frozenset("\u0085\u2028\u2029")

_WHITESPACE = re.compile(r"\s+")
#: Every unsafe character: C0 and C1 controls but tab and newline (category Cc is
#: exactly U+0000-U+001F and U+007F-U+009F), surrogates (Cs, U+D800-U+DFFF), bidi
#: controls and line separators. One character class, so a string is scanned in C.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff"
    + "".join(sorted(BIDI_CONTROLS | LINE_SEPARATORS))
    + "]"
)
_LINE_BREAKS = re.compile("\r\n?|[" + "".join(sorted(LINE_SEPARATORS)) + "]")


def is_unsafe_char(ch: str) -> bool:
    """True for C0/C1 controls (other than tab and newline), lone surrogates, bidi
    controls and line/paragraph separators."""
    return _UNSAFE.fullmatch(ch) is not None


def strip_unsafe(text: str) -> str:
    """``text`` without unsafe characters; CR, CRLF and line separators become newlines."""
    if text.isprintable():  # no Cc, Cs or Cf (bidi) characters, no separators: nothing to do
        return text
    return _UNSAFE.sub("", _LINE_BREAKS.sub("\n", text))


def one_line(text: str) -> str:
    """Safe characters only, every run of whitespace (line breaks too) as one space."""
    return _WHITESPACE.sub(" ", strip_unsafe(text)).strip()


def has_unsafe(text: str) -> bool:
    return _UNSAFE.search(text) is not None
