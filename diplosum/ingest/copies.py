"""Syndicated copies: the same story in several outlets, found before any model call.

Two articles are copies when their words are identical after normalisation (Unicode
NFKC, case folded, punctuation and spacing ignored), or nearly so: the Jaccard
similarity of their sets of word 5-grams ("shingles") is at least
``NEAR_COPY_JACCARD`` (an outlet's own headline, byline or closing line around the
agency text). Articles are taken in input order; each is compared with the originals
found so far, and a copy points at the first original it matches, so the result does
not depend on how copies chain.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from diplosum.article import Article

NEAR_COPY_JACCARD = 0.8
SHINGLE_WORDS = 5
#: Below this many shingles a text is too short to call a near copy (it can still be
#: an identical one).
MIN_SHINGLES = 30
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class _Fingerprint:
    words: tuple[str, ...]
    shingles: frozenset[int]


def _fingerprint(text: str) -> _Fingerprint:
    words = tuple(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))
    n = SHINGLE_WORDS
    shingles = frozenset(hash(words[i : i + n]) for i in range(max(1, len(words) - n + 1)))
    return _Fingerprint(words, shingles)


def _similar(a: _Fingerprint, b: _Fingerprint) -> bool:
    if a.words == b.words:
        return True
    small, large = sorted((len(a.shingles), len(b.shingles)))
    if small < MIN_SHINGLES or small < large * NEAR_COPY_JACCARD:
        return False  # the Jaccard similarity cannot reach the threshold
    shared = len(a.shingles & b.shingles)
    return shared >= NEAR_COPY_JACCARD * (len(a.shingles) + len(b.shingles) - shared)


def find_copies(articles: Sequence[Article]) -> dict[str, str]:
    """Map the id of each article that is a copy to the id of its original."""
    originals: list[tuple[str, _Fingerprint]] = []
    copy_of: dict[str, str] = {}
    for article in articles:
        if not article.text.strip():
            continue
        mine = _fingerprint(article.text)
        match = next((oid for oid, theirs in originals if _similar(mine, theirs)), None)
        if match is None:
            originals.append((article.id, mine))
        else:
            copy_of[article.id] = match
    return copy_of
