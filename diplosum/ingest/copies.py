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

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

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
    if len(words) < SHINGLE_WORDS:
        return _Fingerprint(words, frozenset((hash(words),)))
    # The hash of each run of ``SHINGLE_WORDS`` words (``zip`` makes the tuples in C).
    runs = zip(*(words[k:] for k in range(SHINGLE_WORDS)), strict=False)
    return _Fingerprint(words, frozenset(map(hash, runs)))


def _similar(a: _Fingerprint, b: _Fingerprint) -> bool:
    if a.words == b.words:
        return True
    small, large = sorted((len(a.shingles), len(b.shingles)))
    if small < MIN_SHINGLES or small < large * NEAR_COPY_JACCARD:
        return False  # the Jaccard similarity cannot reach the threshold
    shared = len(a.shingles & b.shingles)
    return shared >= NEAR_COPY_JACCARD * (len(a.shingles) + len(b.shingles) - shared)


def _prefix_size(size: int) -> int:
    """How many of a set's rarest shingles to index: two sets whose Jaccard similarity
    reaches ``NEAR_COPY_JACCARD`` share at least one shingle among these ("prefix
    filtering"); one more than needed, against rounding."""
    needed = size - math.ceil(NEAR_COPY_JACCARD * size) + 1
    return min(size, needed + 1)


def find_copies(articles: Sequence[Article]) -> dict[str, str]:
    """Map the id of each article that is a copy to the id of its original."""
    prints = [(a.id, _fingerprint(a.text)) for a in articles if a.text.strip()]
    # Only an original sharing one of an article's rarest shingles can match it (the
    # same words give the same shingles; a near copy shares most of them), so each
    # article is compared with those few, not with every original found so far.
    frequency = Counter(chain.from_iterable(fp.shingles for _, fp in prints))
    originals: list[tuple[str, _Fingerprint]] = []
    holders: dict[int, list[int]] = {}
    copy_of: dict[str, str] = {}
    for article_id, mine in prints:
        # The rarest come first: shingles of this article alone (no other holds them,
        # so they find nothing and need no indexing), then the others by frequency.
        common = [s for s in mine.shingles if frequency[s] > 1]
        room = _prefix_size(len(mine.shingles)) - (len(mine.shingles) - len(common))
        prefix = sorted(common, key=lambda s: (frequency[s], s))[:room] if room > 0 else []
        candidates = sorted({i for s in prefix for i in holders.get(s, ())})
        match = next((originals[i][0] for i in candidates if _similar(mine, originals[i][1])), None)
        if match is None:
            for shingle in prefix:
                holders.setdefault(shingle, []).append(len(originals))
            originals.append((article_id, mine))
        else:
            copy_of[article_id] = match
    return copy_of
