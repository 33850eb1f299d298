"""Bytes of one input (a file, stdin) to text, or a reason why they are not an article."""

from __future__ import annotations

import codecs

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


class Undecodable(ValueError):
    """The input is not usable text; the message names it and says why."""


def decode_article(data: bytes, *, where: str) -> str:
    """Decode UTF-8 (or UTF-16/32 with a byte-order mark); refuse binary data."""
    if len(data) > MAX_ARTICLE_BYTES:
        raise Undecodable(f"{where} is larger than {MAX_ARTICLE_BYTES:,} bytes; not read")
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), None)
    if encoding is None and b"\x00" in data[:8192]:
        raise Undecodable(f"{where} looks like a binary file (it contains NUL bytes), not text")
    try:
        return data.decode(encoding or "utf-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex()
        raise Undecodable(
            f"{where} is not {encoding or 'UTF-8'} text (byte 0x{bad} at offset {exc.start})"
        ) from None
