"""Bytes of one input (a file, stdin) to text, or a reason why they are not an article.

In order: a byte-order mark (UTF-8, UTF-16, UTF-32) decides; NUL bytes without one
mean a binary file; valid UTF-8 is UTF-8; an HTML page's declared charset is
honoured; anything else is legacy single-byte text, detected with charset-normalizer.
Short texts make that detection unreliable (it happily reads French latin-1 as
cp1250), so cp1252, the superset of latin-1 that Western news sites used, is tried
first and kept unless its decoding looks wrong (see ``_looks_misdecoded``).
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

from charset_normalizer import from_bytes

#: Larger inputs are refused before decoding: no news article is this long, and a
#: device or a runaway pipe must not fill the memory.
MAX_ARTICLE_BYTES = 20 * 1024 * 1024

# Longest first: the UTF-32-LE mark starts with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_PREFERRED_LEGACY = "cp1252"
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# Non-letters that legitimately sit between two letters: apostrophes, hyphens, dots.
_IN_WORD_OK = frozenset("'’‘-‐–·.")
# Superscripts, fractions, modifier and other symbols: rare beside a letter in prose.
_SYMBOLS = frozenset({"No", "Sk", "So"})
# Even Icelandic or Hungarian prose has far fewer accented letters than this.
_MAX_ACCENTED_SHARE = 0.3
_CONTROL_OK = frozenset("\t\n\r\f\v")
#: Every control character below space that is not in ``_CONTROL_OK``.
_CONTROLS = re.compile(
    "[" + "".join(re.escape(chr(c)) for c in range(32) if chr(c) not in _CONTROL_OK) + "]"
)


class Undecodable(ValueError):
    """The input is not usable text; the message names it and says why."""


@dataclass(frozen=True)
class Decoded:
    text: str
    #: The Python codec name that decoded it: ``utf-8``, ``utf-16``, ``cp1252``...
    encoding: str


def decode_article(data: bytes, *, where: str, html: bool = False) -> Decoded:
    """Decode one input's bytes (see the module docstring); refuse binary data."""
    if len(data) > MAX_ARTICLE_BYTES:
        raise Undecodable(f"{where} is larger than {MAX_ARTICLE_BYTES:,} bytes; not read")
    bom = next((name for mark, name in _BOMS if data.startswith(mark)), None)
    if bom is not None:
        try:
            return _checked(data.decode(bom), bom, where)
        except UnicodeDecodeError as exc:
            bad = data[exc.start : exc.start + 1].hex()
            raise Undecodable(
                f"{where} is not {bom.upper()} text although it starts with its byte-order "
                f"mark (byte 0x{bad} at offset {exc.start})"
            ) from None
    if b"\x00" in data[:8192]:
        raise Undecodable(f"{where} looks like a binary file (it contains NUL bytes), not text")
    try:
        return _checked(data.decode("utf-8"), "utf-8", where)
    except UnicodeDecodeError as exc:
        utf8_error = exc
    declared = _declared_charset(data) if html else None
    if declared is not None:
        try:
            return _checked(data.decode(declared), declared, where)
        except UnicodeDecodeError:
            pass  # the declaration is wrong: detect instead
    decoded = _legacy(data)
    if decoded is None:
        bad = data[utf8_error.start : utf8_error.start + 1].hex()
        raise Undecodable(
            f"{where} is neither UTF-8 (byte 0x{bad} at offset {utf8_error.start}) nor text "
            "in a single-byte encoding that could be detected"
        )
    return _checked(decoded.text, decoded.encoding, where)


def _declared_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    if match is None:
        return None
    try:
        return codecs.lookup(match.group(1).decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None


def _legacy(data: bytes) -> Decoded | None:
    candidates = [_PREFERRED_LEGACY]
    matches = from_bytes(data)
    candidates += [m.encoding for m in sorted(matches, key=lambda m: (m.chaos, -m.coherence))]
    for encoding in dict.fromkeys(candidates):
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        if not _looks_misdecoded(text, western=encoding == _PREFERRED_LEGACY):
            return Decoded(text, encoding)
    best = matches.best()
    return None if best is None else Decoded(str(best), best.encoding)


def _looks_misdecoded(text: str, *, western: bool) -> bool:
    """C1 control characters, symbols stuck to letters (``spotka³ siê`` for ``spotkał
    się``), or, for a Western code page, mostly accented letters (Cyrillic as cp1252)."""
    letters = accented = 0
    last = len(text) - 1
    for i, ch in enumerate(text):
        if ch.isascii():
            letters += ch.isalpha()
            continue
        if ch.isalpha():
            letters += 1
            accented += 1
            continue
        category = unicodedata.category(ch)
        if category == "Cc":
            return True
        before = i > 0 and text[i - 1].isalpha()
        after = i < last and text[i + 1].isalpha()
        if category in _SYMBOLS and (before or after):
            return True
        if ch not in _IN_WORD_OK and before and after:
            return True
    return western and accented > letters * _MAX_ACCENTED_SHARE


def _checked(text: str, encoding: str, where: str) -> Decoded:
    """Refuse text full of control characters: a binary file that decoded by chance."""
    sample = text[:65536]
    controls = len(_CONTROLS.findall(sample))
    if controls > max(8, len(sample) // 200):
        raise Undecodable(
            f"{where} looks like a binary file ({controls} control characters), not text"
        )
    return Decoded(text, encoding)
