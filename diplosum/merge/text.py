"""Text folding and tokenising shared by the merge modules."""

from __future__ import annotations

import re
from functools import lru_cache

from anyascii import anyascii

_POSSESSIVE = re.compile(r"['\u2019]s\b")
_APOSTROPHE = re.compile(r"['\u2019`\u00b4.]")
_WORD = re.compile(r"[a-z0-9]+")
_SPACE = re.compile(r"\s+")


def word_set(text: str) -> frozenset[str]:
    """A set of words written as one space-separated string."""
    return frozenset(text.split())


STOPWORDS = word_set("a an and as at between by for from in into its of on or the their to with")


@lru_cache(maxsize=1 << 18)
def fold(text: str) -> str:
    """Transliterate to ASCII ("Støre" -> "Store", "Лавров" -> "Lavrov"), lower-case, drop
    possessive 's and apostrophes/dots ("U.S." -> "us")."""
    if not text.isascii():
        text = anyascii(_POSSESSIVE.sub("", text))
    bare = _POSSESSIVE.sub("", text.casefold())
    return _APOSTROPHE.sub("", bare)


def words(text: str) -> list[str]:
    """Folded alphanumeric words; hyphens and other punctuation separate words."""
    return _WORD.findall(fold(text))


def uncached_words(text: str) -> list[str]:
    """``words``, without keeping ``text`` in ``fold``'s cache (for a table read once)."""
    return _WORD.findall(fold.__wrapped__(text))


def squash(text: str) -> str:
    """Collapse runs of whitespace and strip the ends."""
    return _SPACE.sub(" ", text).strip()


def singular(word: str) -> str:
    """A crude plural strip, good enough for comparing short topics."""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word
